"""Running reference stacks for the suite's own tests, shared per session (per xdist worker).

- ``dev_stack_factory(faults=(), **options)`` starts a stack with these faults and ``stack.start``
  options (``tls=True``, ``scale=…``, …) on first request and hands the same one to every later
  request with the same arguments; all are stopped at the end of the session.
- ``clean_stack`` is the stack without faults (``dev_stack_factory()``).

- ``db_rows(sandbox, query, *args)`` runs one query as the stack's application account; the rows.
- ``ctx``, ``clients``, ``web``, ``visitor``: the clean stack's context and clients of its apps.

Both stack fixtures give a ``woc_gate.sandbox.stack.Sandbox``: ``.ctx`` is the apps' ``SandboxContext`` (URLs,
database account, secrets), ``.profile_path`` the target profile. The stacks are shared, so a test
that changes data undoes it or works only on rows it created. The stacks die with this process.
"""

import os

import httpcore  # noqa: F401 - imported before any in-process pytester run; see below
import pytest
from sandbox_clients import api_session, database, every_account, web_session

from woc_gate.sandbox import stack


@pytest.fixture(scope="session")
def dev_stack_factory(tmp_path_factory):
    """Start (or reuse) a stack with the given faults and options."""
    started = {}

    def factory(faults=(), **options):
        key = (tuple(sorted(faults)), tuple(sorted(options.items())))
        if key not in started:
            state_dir = tmp_path_factory.mktemp("stack")
            started[key] = stack.start(state_dir, faults=faults, owner_pid=os.getpid(), **options)
        return started[key]

    yield factory
    for sandbox in started.values():
        sandbox.stop()


@pytest.fixture(scope="session")
def clean_stack(dev_stack_factory):
    """The stack without faults."""
    return dev_stack_factory()


@pytest.fixture(scope="session")
def db_rows():
    """Run one query on a stack's database as its application account; the rows as tuples."""

    def rows(sandbox, query, *args):
        connection = database(sandbox.ctx)
        with connection, connection.cursor() as cursor:
            cursor.execute(query, args or None)
            return list(cursor.fetchall())

    return rows


@pytest.fixture(scope="module")
def ctx(clean_stack):
    """The clean stack's context: URLs, database account, secrets."""
    return clean_stack.ctx


@pytest.fixture(scope="module")
def clients(ctx):
    """An API session per smoke account of the clean stack, keyed (tenant, role)."""
    with every_account(api_session, ctx) as opened:
        yield opened


@pytest.fixture(scope="module")
def web(ctx):
    """A signed-in web session per smoke account of the clean stack, keyed (tenant, role)."""
    with every_account(web_session, ctx) as opened:
        yield opened


@pytest.fixture
def visitor(ctx):
    """A web client with no session (it has a CSRF token)."""
    with web_session(ctx) as client:
        yield client


def pytest_configure(config):
    config.addinivalue_line("markers", "packaging: builds and installs the wheel (slow, about a minute)")
    # pytest-playwright wraps each test in a soft-assertion scope; an in-process pytester run loads it again,
    # and Playwright refuses the nested scope. The suite's own tests drive browsers only in subprocesses.
    playwright = config.pluginmanager.get_plugin("playwright")
    if playwright is not None:
        config.pluginmanager.unregister(playwright)
