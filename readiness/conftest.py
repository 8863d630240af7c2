"""Fixtures of the readiness tests: anonymous clients of the target's public surfaces."""

from __future__ import annotations

import pytest

from woc_gate.checks import cron


@pytest.fixture(scope="session")
def retention_client(woc_settings):
    """A client of the web app with no credentials; skips when no web URL is configured."""
    if not woc_settings.web_url:
        pytest.skip("no web/admin app configured: set NEXTAUTH_URL")
    with cron.retention_client(woc_settings) as client:
        yield client
