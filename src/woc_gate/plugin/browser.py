"""Browser fixtures on top of pytest-playwright: Chromium found and launched quietly, smoke accounts logged in once.

pytest-playwright gives ``browser``, ``context``, ``page`` and its options (``--tracing``, ``--screenshot``,
``--output``, ``--headed``); this module overrides its ``browser_type_launch_args`` and ``new_context`` (whose
contexts refuse the writes of a test not marked writes) and turns on traces and screenshots of failing tests
unless the command line says otherwise (kept scrubbed and private: see ``private``). Chromium trusts the web
app's certificate only once its chain verified against the CA bundle (see ``woc_gate.browser``).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ..browser import browser_executable, launch_args
from ..config import Settings
from .fixtures import smoke_account
from .private import private_temp

FAILURE_ARTIFACTS = {"tracing": "retain-on-failure", "screenshot": "only-on-failure"}


def pytest_configure(config: pytest.Config) -> None:
    given = config.invocation_params.args
    for option, value in FAILURE_ARTIFACTS.items():
        flag = f"--{option}"
        if getattr(config.option, option, None) == "off" and not any(a.split("=")[0] == flag for a in given):
            setattr(config.option, option, value)


@pytest.fixture(scope="session")
def browser_type_launch_args(
    pytestconfig: pytest.Config, browser_type, woc_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """Launch options: the Chromium found, quiet flags, its files in a temp dir, the web app's verified key trusted."""
    from ..target.clients import served_certificate  # httpx loads with the first browser test, not with the plugin

    executable = browser_executable(woc_settings, browser_type.executable_path)
    served = served_certificate(woc_settings, woc_settings.web_url, "NEXTAUTH_URL") if woc_settings.web_url else None
    options = launch_args(executable, tmp_path_factory.mktemp("chromium"), trusted=(served,) if served else ())
    if pytestconfig.getoption("--headed"):
        options["headless"] = False
    if pytestconfig.getoption("--slowmo"):
        options["slow_mo"] = pytestconfig.getoption("--slowmo")
    return options


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any], woc_settings: Settings) -> dict[str, Any]:
    """Context options: the web/admin app as base URL; certificate errors ignored only with TLS verification off."""
    if not woc_settings.web_url:
        pytest.skip("no web/admin app configured: set NEXTAUTH_URL")
    return {
        **browser_context_args,
        "base_url": woc_settings.web_url,
        "ignore_https_errors": not woc_settings.tls_verify,
    }


@pytest.fixture
def new_context(new_context: Callable[..., Any]) -> Callable[..., Any]:
    """pytest-playwright's ``new_context``, its contexts refusing a write unless the test is marked writes."""

    def guarded(**kwargs: Any):
        from ..target.browser import refuse_writes  # playwright loads with the first browser test, not with the plugin

        context = new_context(**kwargs)
        refuse_writes(context)
        return context

    return guarded


@pytest.fixture(scope="session")
def web_storage_state(
    browser, browser_context_args: dict[str, Any], woc_settings: Settings, pytestconfig: pytest.Config
) -> Iterator[Callable[[str, str], Path]]:
    """A smoke account's logged-in browser state, made once per session: ``web_storage_state("a", "admin")``.

    The states hold live session cookies: they are removed at the end of the session.
    """
    states: dict[tuple[str, str], Path] = {}
    folder = Path(tempfile.mkdtemp(dir=private_temp(pytestconfig, "storage-states")))

    def state(tenant: str, role: str = "admin") -> Path:
        from ..target.browser import log_in  # playwright loads with the first browser test, not with the plugin

        if (tenant, role) not in states:
            context = browser.new_context(**browser_context_args)
            try:
                log_in(context.new_page(), woc_settings, smoke_account(woc_settings, tenant, role))
                path = folder / f"{tenant}-{role}.json"
                context.storage_state(path=path)
            finally:
                context.close()
            states[tenant, role] = path
        return states[tenant, role]

    yield state
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def admin_page(new_context, web_storage_state: Callable[[str, str], Path]):
    """A page logged in as a smoke account (from its stored state): ``admin_page("a", "admin")``."""

    def open_page(tenant: str, role: str = "admin"):
        return new_context(storage_state=web_storage_state(tenant, role)).new_page()

    return open_page
