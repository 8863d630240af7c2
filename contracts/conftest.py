"""Fixtures of the schema-contract tests: where the contracts live in the database, and the policy surfaces."""

from __future__ import annotations

import pytest

from woc_gate.checks import permissions, screenshots, settings_rows
from woc_gate.checks.policies import API, DB, WEB, api_policy, web_settings
from woc_gate.plugin.fixtures import session_settings


def pytest_ignore_collect(collection_path, config):
    # Not collected rather than skipped: a target that publishes no OpenAPI document has no such contract,
    # and a skip would leave schema-contracts UNVERIFIED.
    if collection_path.name == "test_openapi.py":
        settings = session_settings(config)
        return settings is not None and not settings.openapi_path
    return None


@pytest.fixture(scope="session")
def permission_tables(prisma_datamodel, names):
    """Tables and columns of the permission models, from the Prisma schema."""
    return permissions.permission_tables(prisma_datamodel, names)


@pytest.fixture(scope="session")
def settings_table(prisma_datamodel, names, policy_schema):
    """The settings table and the column of each TrackingPolicy field, from the Prisma schema."""
    return settings_rows.settings_table(prisma_datamodel, names, policy_schema)


@pytest.fixture
def policy_surfaces(web_as, api_as, woc_db, settings_table, woc_settings):
    """``policy_surfaces(tenant)``: each surface that shows a tenant's policy, read on demand."""

    def surfaces(tenant: str):
        slug = woc_settings.smoke[tenant].organization
        return {
            WEB: lambda: web_settings(web_as(tenant, "admin")),
            API: lambda: api_policy(api_as(tenant, "member")),
            DB: lambda: settings_rows.db_policy(woc_db, settings_table, tenant=slug),
        }

    return surfaces


@pytest.fixture
def uploaded(api_as, record_write, tenant_lock):
    """A screenshot uploaded as tenant A's member into a fresh time entry, as the desktop client does."""
    __tracebackhide__ = True
    with tenant_lock("a"):
        return screenshots.upload_as_desktop(api_as("a", "member"), lambda kind, ident: record_write("a", kind, ident))
