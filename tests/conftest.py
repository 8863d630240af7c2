"""Running reference stacks for the suite's own tests, shared per session (per xdist worker).

- ``dev_stack_factory(faults=(), **options)`` starts a stack with these faults and ``stack.start``
  options (``tls=True``, ``scale=…``, …) on first request and hands the same one to every later
  request with the same arguments; all are stopped at the end of the session.
- ``clean_stack`` is the stack without faults (``dev_stack_factory()``).
- ``faulty_stack(faults=(), **options)``: a stack with these faults for one test. The apps' faults are switched
  on a running stack started with ``fault_switch=True`` (and switched off after the test); the others (database,
  tree, storage, env, release) start a stack with them, as ``dev_stack_factory`` does.

- ``own_temp``: a temporary folder of the test's own that a run (in process or not) takes as its temp folder.
- ``db_rows(sandbox, query, *args)`` runs one query as the stack's application account; the rows.
- ``ctx``, ``clients``, ``web``, ``visitor``: the clean stack's context and clients of its apps.

Both stack fixtures give a ``woc_gate.sandbox.stack.Sandbox``: ``.ctx`` is the apps' ``SandboxContext`` (URLs,
database account, secrets), ``.profile_path`` the target profile. The stacks are shared, so a test
that changes data undoes it or works only on rows it created. The stacks die with this process.
"""

import importlib
import os
import pkgutil
import shutil
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sandbox_clients import api_session, database, every_account, web_session

import woc_gate
from woc_gate.sandbox import stack
from woc_gate.sandbox.faults import switchable
from woc_gate.sources.nodetools import CACHE_DIR_ENV, default_cache_dir
from woc_gate.target.breaker import SURFACES

# The suite runs pytest hundreds of times: it keeps what it compiles (and assertion-rewrites) even where the
# environment says otherwise (PYTHONDONTWRITEBYTECODE), and the pytester subprocesses read it back.
sys.dont_write_bytecode = False
# pytester points HOME at each test's own folder: without this, every run and every stack started from a test
# would begin with an empty woc-gate cache (node answers, the stack's template datadir, Hypothesis' home).
os.environ.setdefault(CACHE_DIR_ENV, str(default_cache_dir()))
# The suite's own gate runs give no verdict to the CI job that runs the suite: none of them may write its summary.
for _github in ("GITHUB_STEP_SUMMARY", "GITHUB_ACTIONS"):
    os.environ.pop(_github, None)
KEPT_FOR_IN_PROCESS_RUNS = ("httpcore", "hypothesis_jsonschema", "lief", "sslyze")
WOC_GATE_PACKAGES_THE_GATE_USES = ("checks", "sources", "target", "backup")


@pytest.fixture(scope="session", autouse=True)
def _keep_loaded_for_in_process_runs() -> None:
    """Import once what the gate folders use: woc-gate's checks, sources, clients, backup, and their libraries.

    An in-process pytester run drops the modules first imported during it (pytester restores ``sys.modules``),
    so each run would import and warm them up again (and a dropped httpcore unmapped httpx's errors). Not at
    import: Hypothesis warns about what its strategies load while conftests load.
    """
    root = Path(woc_gate.__file__).parent
    for package in WOC_GATE_PACKAGES_THE_GATE_USES:
        for module in pkgutil.iter_modules([str(root / package)], f"woc_gate.{package}."):
            importlib.import_module(module.name)
    for name in KEPT_FOR_IN_PROCESS_RUNS:
        importlib.import_module(name)


@pytest.fixture(autouse=True)
def _no_origin_known_down():
    """Each test starts with no origin of a target known to be down: the breakers a test trips are its own."""
    SURFACES.clear()


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
    with ThreadPoolExecutor(max(len(started), 1)) as stopping:  # each waits on its database's shutdown
        list(stopping.map(stack.Sandbox.stop, started.values()))


@pytest.fixture
def faulty_stack(dev_stack_factory):
    """A stack with the given faults and options: the apps' faults switched on, the others started with it."""
    switched = []

    def factory(faults=(), **options):
        in_the_apps = {fault for fault in faults if switchable(fault)}
        sandbox = dev_stack_factory(set(faults) - in_the_apps, fault_switch=True, **options)
        sandbox.switch_faults(in_the_apps)
        switched.append(sandbox)
        return sandbox

    yield factory
    for sandbox in switched:
        sandbox.switch_faults()


@pytest.fixture(scope="session")
def clean_stack(dev_stack_factory):
    """The stack without faults."""
    return dev_stack_factory()


@pytest.fixture
def own_temp(monkeypatch):
    """A temporary folder for the test's runs alone (TMPDIR and ``tempfile.tempdir``), removed after.

    Short, under the system's: a throwaway database's socket path may hold no more than 107 characters. A shared
    stack must be started before it (from a fixture of a wider scope): one started inside dies with the folder.
    """
    folder = Path(tempfile.mkdtemp(prefix="woc-"))
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


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
    config.addinivalue_line("markers", "slow: not needed in the inner loop (pytest tests -m 'not slow'); CI runs it")
    config.addinivalue_line("markers", "fault_matrix: a gate run against a stack carrying catalogue faults (slow)")
    # pytest-playwright wraps each test in a soft-assertion scope; an in-process pytester run loads it again,
    # and Playwright refuses the nested scope. The suite's own tests drive browsers only in subprocesses.
    playwright = config.pluginmanager.get_plugin("playwright")
    if playwright is not None:
        config.pluginmanager.unregister(playwright)


def pytest_collection_modifyitems(items):
    """The wheel's build first, then the modules with slow tests, each kept whole: with xdist the long runs start early
    and the run ends on short tests that share out evenly, rather than on one worker's build while the other waits."""
    with_slow = {item.module for item in items if item.get_closest_marker("slow")}
    packaging = {item.module for item in items if item.get_closest_marker("packaging")}
    items.sort(key=lambda item: 0 if item.module in packaging else 1 if item.module in with_slow else 2)
