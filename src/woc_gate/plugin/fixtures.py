"""The public fixtures gate tests use to reach the target and its source.

A fixture whose surface is not configured skips (nothing proved, so its item stays UNVERIFIED);
one whose surface is configured but broken raises a ``WocGateError``, which the report hook shows as
one line in each test that needs it. The target's and the sources' modules (HTTP, database, node tools)
are imported inside the fixtures that use them, so loading the plugin pays for none of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ..config import Settings
from ..errors import WocGateError
from .outcomes import WRITE_PROPERTY

if TYPE_CHECKING:
    from ..sources.prisma import Datamodel
    from ..sources.shared import SharedSource
    from ..target.clients import ApiSession, WebSession
    from ..target.locks import ServerLocks
    from .checkout import CheckoutTarget

TENANT_LOCK_TIMEOUT = 60  # seconds: longer than any one test's writes, short enough to end a stuck run


def session_settings(config: pytest.Config) -> Settings | None:
    """The settings of a session woc-gate runs in, for collection hooks; None when the plugin is off."""
    from .hooks import woc_run

    return woc_run(config).settings if config.pluginmanager.has_plugin("woc_gate_run") else None


def session_checkout(config: pytest.Config) -> CheckoutTarget | None:
    """The checkout a ``--woc-target=checkout`` session builds its database from, for collection hooks; else None."""
    from .hooks import woc_run

    return woc_run(config).checkout if config.pluginmanager.has_plugin("woc_gate_run") else None


@pytest.fixture(scope="session")
def woc_attestations(request: pytest.FixtureRequest) -> list:
    """The attestations of this run (valid or not; each says whether it counts)."""
    from .hooks import woc_run

    return woc_run(request.config).attestations


@pytest.fixture(scope="session")
def woc_settings(request: pytest.FixtureRequest) -> Settings:
    """The settings of this run (target, runbook variables, smoke accounts, endpoints); starts the sandbox if asked."""
    from .hooks import woc_run

    run = woc_run(request.config)
    run.ensure_sandbox()
    return run.settings


@pytest.fixture(scope="session")
def woc_repo(woc_settings: Settings) -> Path:
    """The WorkOnClock checkout the contracts read; skips when none is configured."""
    if woc_settings.repo is None:
        pytest.skip("no WorkOnClock checkout configured: pass --woc-repo PATH (or WOC_GATE_REPO)")
    if not woc_settings.repo.is_dir():
        pytest.fail(f"the WorkOnClock checkout {woc_settings.repo} does not exist", pytrace=False)
    return woc_settings.repo


@pytest.fixture(scope="session")
def shared_source(woc_settings: Settings, woc_repo: Path) -> SharedSource:
    """The checkout's ``packages/shared``: exported types as JSON schemas, constants as values."""
    from ..sources import shared

    return shared.load_shared(woc_settings.checkout_part("shared"))


@pytest.fixture(scope="session")
def prisma_datamodel(woc_settings: Settings, woc_repo: Path) -> Datamodel:
    """The checkout's Prisma data model, from Prisma's own DMMF."""
    from ..sources import prisma

    return prisma.load_datamodel(woc_settings.checkout_part("prisma_schema"))


@pytest.fixture(scope="session")
def woc_http_client_args(woc_settings: Settings) -> dict[str, Any]:
    """Arguments of every HTTP client to the target (``timeout``, ``verify``, ``retries``); override to change them."""
    from ..target.clients import http_client_args

    return http_client_args(woc_settings)


@pytest.fixture(scope="session")
def woc_db_connect_args(woc_settings: Settings) -> dict[str, Any]:
    """Arguments of every database session on the target (``connect_timeout``, ``read_timeout``); override them."""
    return {"connect_timeout": woc_settings.db_timeout, "read_timeout": woc_settings.db_read_timeout}


@pytest.fixture(scope="session")
def woc_db(request: pytest.FixtureRequest, woc_settings: Settings, woc_db_connect_args: dict[str, Any]):
    """A read-only session on the target database; skips when no database is configured."""
    from ..target import db
    from ..target.breaker import SURFACES

    url = _database_url(request.config, woc_settings)
    if not url:
        pytest.skip("no database configured: set DATABASE_URL (or DB_HOST, DB_NAME, …)")
    with SURFACES.of(url).guard():
        connection = db.connect_readonly(url, connect_args=woc_db_connect_args)
    yield connection
    connection.close()


@pytest.fixture(scope="session")
def seeded_db(request: pytest.FixtureRequest, woc_db):
    """``woc_db``, for a test of the rows the seed writes; skips on a checkout whose seed cannot run."""
    from .hooks import woc_run

    checkout = woc_run(request.config).checkout
    reason = checkout.require_seed() if checkout is not None else None
    if reason:
        pytest.skip(reason)
    return woc_db


def _database_url(config: pytest.Config, settings: Settings) -> str | None:
    """The configured database, or the checkout's scratch one (started now) with ``--woc-target=checkout``."""
    from .hooks import woc_run

    checkout = woc_run(config).checkout
    return checkout.database_url() if checkout is not None else settings.database_url


def smoke_account(settings: Settings, tenant: str, role: str):
    """The configured smoke account of a tenant and role; fails the test with one line naming the settings to set."""
    account = settings.smoke.get(tenant) and settings.smoke[tenant].accounts.get(role)
    if not account:
        pytest.fail(
            f"no smoke account {role!r} for tenant {tenant}: set {role}_email and {role}_password under "
            f"[smoke.{tenant}] in the profile, or WOC_GATE_SMOKE_{tenant.upper()}_{role.upper()}_EMAIL/_PASSWORD",
            pytrace=False,
        )
    return account


def _logins(settings: Settings, login: Callable, **login_args: Any) -> Iterator[Callable]:
    """A login factory that keeps one session per (tenant, role) and closes them all at the end."""
    sessions: dict[tuple[str, str], Any] = {}

    def login_as(tenant: str, role: str = "admin"):
        if (tenant, role) not in sessions:
            account = smoke_account(settings, tenant, role)
            sessions[tenant, role] = login(settings, account, **login_args)
        return sessions[tenant, role]

    yield login_as
    for session in sessions.values():
        session.close()


@pytest.fixture(scope="session")
def api_as(woc_settings: Settings, woc_http_client_args: dict[str, Any]) -> Iterator[Callable[..., ApiSession]]:
    """Log in to the runtime API as a smoke account: ``api_as("a", "admin")``; skips without an API."""
    if not woc_settings.api_url:
        pytest.skip("no runtime API configured: set API_BASE_URL")
    from ..target.clients import api_login

    yield from _logins(woc_settings, api_login, client_args=woc_http_client_args)


@pytest.fixture(scope="session")
def web_as(woc_settings: Settings, woc_http_client_args: dict[str, Any]) -> Iterator[Callable[..., WebSession]]:
    """Log in to the web/admin app as a smoke account: ``web_as("a", "admin")``; skips without a web URL."""
    if not woc_settings.web_url:
        pytest.skip("no web/admin app configured: set NEXTAUTH_URL")
    from ..target.clients import web_login

    yield from _logins(woc_settings, web_login, client_args=woc_http_client_args)


class TargetLock:
    """A lock on a part of the target's shared state (a smoke tenant, the retention job): a file the xdist workers of a
    run share and, in a split run, a named lock on the target's database server its shards on other machines share.

    One object per key in a worker, so a test holding it may take it again (it counts). Waiting past its timeout is
    one line, not a hang.
    """

    def __init__(self, what: str, path: Path, timeout: float, server: ServerLocks | None = None) -> None:
        import filelock

        self.what = what
        self.timeout = timeout
        self._key = path.stem
        self._lock = filelock.FileLock(path, timeout=timeout)
        self._server = server
        self._held = 0

    def acquire(self) -> None:
        """Take the lock, or fail with one line after ``timeout`` seconds."""
        import filelock

        try:
            self._lock.acquire()
        except filelock.Timeout:
            raise WocGateError(
                f"{self.what} stayed locked by another test for {self.timeout:g} s;"
                " that test may be stuck: see its failure, or run with -n 0"
            ) from None
        if self._held == 0 and self._server is not None:
            try:
                taken = self._server.acquire(self._key, self.timeout)
            except BaseException:
                self._lock.release()
                raise
            if not taken:
                self._lock.release()
                raise WocGateError(
                    f"{self.what} stayed locked on the target by another shard of the run for {self.timeout:g} s;"
                    " that shard may be stuck: see its job"
                )
        self._held += 1

    def release(self) -> None:
        """Give the lock back."""
        self._held -= 1
        try:
            if self._held == 0 and self._server is not None:
                self._server.release(self._key)
        finally:
            self._lock.release()

    def __enter__(self) -> TargetLock:
        self.acquire()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()


@pytest.fixture(scope="session")
def target_lock(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    woc_settings: Settings,
    woc_db_connect_args: dict[str, Any],
) -> Iterator[Callable[[str, str, float], TargetLock]]:
    """A lock on shared target state, taken in turn by workers and shards: ``target_lock(key, what, timeout)``."""
    root = tmp_path_factory.getbasetemp().parent  # the same folder for every worker of the run
    server = _server_locks(request.config, woc_settings, woc_db_connect_args)
    locks: dict[str, TargetLock] = {}

    def lock(key: str, what: str, timeout: float) -> TargetLock:
        if key not in locks:
            locks[key] = TargetLock(what, root / f"woc-gate-{key}.lock", timeout, server)
        return locks[key]

    yield lock
    if server is not None:
        server.close()


@pytest.fixture(scope="session")
def tenant_lock(target_lock: Callable[[str, str, float], TargetLock]) -> Callable[[str], TargetLock]:
    """A lock per smoke tenant (``tenant_lock("a")``) for tests that write or compare its state; see ``target_lock``."""
    return lambda tenant: target_lock(f"tenant-{tenant}", f"smoke tenant {tenant}", TENANT_LOCK_TIMEOUT)


def _server_locks(config: pytest.Config, settings: Settings, connect_args: dict[str, Any]) -> ServerLocks | None:
    """The target's database server as the lock of a split run's shards; None for a run that is not split."""
    from ..target.locks import ServerLocks
    from .hooks import woc_run

    run = woc_run(config)
    if not run.is_part:
        return None
    if not settings.database_url:
        raise WocGateError(
            f"shard {run.shard} of a split run takes turns on the smoke tenants with the other shards through locks on"
            " the target's database: set DATABASE_URL, or run the tests that change the smoke tenants unsplit"
        )
    return ServerLocks(settings.database_url, connect_args)


@pytest.fixture
def record_write(request: pytest.FixtureRequest) -> Callable[[str, str, str], None]:
    """Note a record a test created on the target and could not remove: it is listed in the run record."""

    def note(tenant: str, kind: str, ident: str) -> None:
        request.node.user_properties.append((WRITE_PROPERTY, f"tenant {tenant}: {kind} {ident}"))

    return note
