"""What the gate folders share: the names the contracts look up, the shared types, and held policies."""

from __future__ import annotations

import contextlib

import pytest

from woc_gate.checks.policies import held_policy


@pytest.fixture(scope="session")
def names(woc_settings):
    """The names of the shared types and constants and of the Prisma models the contracts compare."""
    return woc_settings.names


@pytest.fixture(scope="session")
def policy_schema(shared_source, names):
    """The shared TrackingPolicy as a JSON schema."""
    return shared_source.schema(names["policy_type"])


@pytest.fixture(scope="session")
def screenshot_schema(shared_source, names):
    """The shared ScreenshotEvent as a JSON schema."""
    return shared_source.schema(names["screenshot_type"])


@pytest.fixture
def restored_policy(web_as, tenant_lock):
    """``restored_policy(tenant)``: hold a tenant's settings and its web session; the original policy comes back."""
    __tracebackhide__ = True
    with contextlib.ExitStack() as held:

        def hold(tenant: str):
            web = web_as(tenant, "admin")
            held.enter_context(held_policy(web, tenant_lock(tenant), tenant=tenant))
            return web

        yield hold
