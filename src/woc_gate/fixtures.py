"""The public fixtures gate tests use to reach the target."""

from __future__ import annotations

import pytest

from .config import Settings


@pytest.fixture(scope="session")
def woc_settings(request: pytest.FixtureRequest) -> Settings:
    """The settings of this run (target, runbook variables, smoke accounts, endpoints)."""
    from .plugin import woc_run

    return woc_run(request.config).settings
