"""Browser fixtures on top of pytest-playwright: Chromium found and launched quietly, smoke accounts logged in once.

pytest-playwright gives ``browser``, ``context``, ``page`` and its options (``--tracing``, ``--screenshot``,
``--output``, ``--headed``); this module overrides its ``browser_type_launch_args`` and ``new_context`` (whose
contexts refuse the writes of a test not marked writes) and turns on traces and screenshots of failing tests
unless the command line says otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ..browser import browser_executable, launch_args
from ..config import Settings
from .fixtures import smoke_account

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
    """Launch options: the Chromium found for this machine, quiet flags, its files in a temp dir."""
    executable = browser_executable(woc_settings, browser_type.executable_path)
    options = launch_args(executable, tmp_path_factory.mktemp("chromium"))
    if pytestconfig.getoption("--headed"):
        options["headless"] = False
    if pytestconfig.getoption("--slowmo"):
        options["slow_mo"] = pytestconfig.getoption("--slowmo")
    return options


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any], woc_settings: Settings) -> dict[str, Any]:
    """Context options: the web/admin app as base URL, its throwaway CA trusted when one is configured."""
    if not woc_settings.web_url:
        pytest.skip("no web/admin app configured: set NEXTAUTH_URL")
    return {
        **browser_context_args,
        "base_url": woc_settings.web_url,
        "ignore_https_errors": bool(woc_settings.ca_bundle),
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
    browser, browser_context_args: dict[str, Any], woc_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str, str], Path]:
    """A smoke account's logged-in browser state, made once per session: ``web_storage_state("a", "admin")``."""
    states: dict[tuple[str, str], Path] = {}
    folder = tmp_path_factory.mktemp("storage-states")

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

    return state


@pytest.fixture
def admin_page(new_context, web_storage_state: Callable[[str, str], Path]):
    """A page logged in as a smoke account (from its stored state): ``admin_page("a", "admin")``."""

    def open_page(tenant: str, role: str = "admin"):
        return new_context(storage_state=web_storage_state(tenant, role)).new_page()

    return open_page
