"""Fixtures of the smoke and tenant flows: desktop sessions, desktop sequences, settings put back."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from .fixtures import _logins
from .outcomes import MEASURE_PROPERTY

if TYPE_CHECKING:
    from ..checks.desktop import DesktopRun
    from ..config import Settings
    from ..target.clients import ApiSession


@pytest.fixture(scope="session")
def desktop_as(woc_settings: Settings, woc_http_client_args: dict[str, Any]) -> Iterator[Callable[..., ApiSession]]:
    """Log in to the runtime API at ``WOC_API_URL``, as the desktop client does: ``desktop_as("a", "member")``."""
    from ..target import clients

    if not woc_settings.desktop_api_url:
        pytest.skip("no runtime API configured for the desktop: set WOC_API_URL (or API_BASE_URL)")
    yield from _logins(
        woc_settings,
        clients.api_login,
        base_url=woc_settings.desktop_api_url,
        setting="WOC_API_URL",
        client_args=woc_http_client_args,
    )


@pytest.fixture
def desktop_run(desktop_as, tenant_lock, record_write) -> Callable[..., DesktopRun]:
    """Run the desktop sequence as a smoke account (start, upload, stop); what it leaves is listed in the run record."""

    from ..checks.desktop import run_desktop_sequence  # images and diffs load with the first desktop test

    def run(tenant: str, role: str = "member") -> DesktopRun:
        api = desktop_as(tenant, role)
        with tenant_lock(tenant):
            return run_desktop_sequence(api, lambda kind, ident: record_write(tenant, kind, ident))

    return run


@pytest.fixture
def measure(request: pytest.FixtureRequest) -> Callable[[str, float], None]:
    """Note a figure (seconds, a count) the test measured: it is listed with the test in the run record."""

    def note(name: str, value: float) -> None:
        request.node.user_properties.append((MEASURE_PROPERTY, {name: round(value, 3)}))

    return note
