"""Fixtures of the schema-contract tests: the shared types, and policies read and restored per tenant."""

from __future__ import annotations

import pytest
from hypothesis import settings
from hypothesis.configuration import set_hypothesis_home_dir

from woc_gate.checks.policies import web_settings, write_web_settings
from woc_gate.fixtures import one_line
from woc_gate.plugin import woc_run
from woc_gate.sources.nodetools import default_cache_dir

# The gate runs from an operator's working directory: keep no example database, and
# Hypothesis' own caches in woc-gate's cache dir rather than a .hypothesis folder there.
settings.register_profile("woc-gate", database=None)
settings.load_profile("woc-gate")
set_hypothesis_home_dir(default_cache_dir() / "hypothesis")


def pytest_ignore_collect(collection_path, config):
    if collection_path.name == "test_openapi.py" and config.pluginmanager.has_plugin("woc_gate_run"):
        settings = woc_run(config).settings
        return not (settings.openapi_path or settings.target == "sandbox")  # the stack, started later, serves one
    return None


@pytest.fixture(scope="session")
def names(woc_settings):
    """The names of the shared types and constants and of the Prisma models the contracts compare."""
    return woc_settings.names


@pytest.fixture(scope="session")
def policy_schema(shared_source, names):
    """The shared TrackingPolicy as a JSON schema."""
    with one_line():
        return shared_source.schema(names["policy_type"])


@pytest.fixture(scope="session")
def screenshot_schema(shared_source, names):
    """The shared ScreenshotEvent as a JSON schema."""
    with one_line():
        return shared_source.schema(names["screenshot_type"])


@pytest.fixture
def restored_policy(web_as, tenant_lock, woc_writes):
    """Hold a tenant's settings for the test and put the original policy back afterwards, even on failure."""
    held = []

    def hold(tenant: str):
        web = web_as(tenant, "admin")  # log in before taking the lock: a failed login holds nothing
        lock = tenant_lock(tenant)
        lock.acquire()
        try:
            original = web_settings(web)
        except BaseException:
            lock.release()
            raise
        held.append((lock, web, original))
        return web

    yield hold
    for lock, web, original in held:
        try:
            response = write_web_settings(web, original)
            assert response.status_code == 200, f"could not restore the original policy: HTTP {response.status_code}"
        finally:
            lock.release()
