"""Fixtures of the schema-contract tests: where the contracts live in the database, and the policy surfaces."""

from __future__ import annotations

import pytest

from woc_gate.checks import contracts, permissions, records, screenshots, seed_source, settings_rows
from woc_gate.checks.policies import API, DB, WEB, Surfaces, api_policy, web_settings
from woc_gate.config import Settings
from woc_gate.errors import ConfigError
from woc_gate.plugin.fixtures import session_checkout, session_settings
from woc_gate.target import routes
from woc_gate.target.clients import anonymous


def pytest_ignore_collect(collection_path, config):
    # Not collected rather than skipped: a target that publishes no OpenAPI document has no such contract,
    # and a skip would leave schema-contracts UNVERIFIED.
    if collection_path.name == "test_openapi.py":
        settings = session_settings(config)
        return settings is not None and not settings.openapi_path
    # The seed's source is read only where the seed cannot run: on the checkout, without its node modules.
    if collection_path.name == "test_seed_source.py":
        checkout = session_checkout(config)
        return checkout is None or checkout.seed_command is None or checkout.seed_command.installed
    return None


def pytest_generate_tests(metafunc):
    if "listed_resource" in metafunc.fixturenames:
        settings = session_settings(metafunc.config) or Settings()
        try:
            resources = sorted(records.list_and_read_paths(routes.inventory(settings)))
        except ConfigError:  # said in the test, by the record_paths fixture, as one line
            resources = sorted(name for name in settings.routes if name not in routes.STATUS_KEYS)
        metafunc.parametrize("listed_resource", resources)


@pytest.fixture(scope="session")
def record_paths(woc_settings):
    """Each resource's API list path and read-by-id path, from the route inventory."""
    return records.list_and_read_paths(routes.inventory(woc_settings))


@pytest.fixture
def anonymous_api(woc_settings):
    """A client of the runtime API that holds no credentials, closed after the test."""
    client = anonymous(woc_settings, woc_settings.api_url, "API_BASE_URL")
    try:
        yield client
    finally:
        client.close()


@pytest.fixture(scope="session")
def seed_source_grants(request, woc_settings, shared_source, names):
    """The role → permission mappings the checkout's seed writes, read from its source; skips when unreadable."""
    from woc_gate.sources.seed import seed_role_mapping

    checkout = session_checkout(request.config)
    if checkout is None or checkout.seed_command is None:
        pytest.skip("the seed's source is read on the checkout target only (--woc-target=checkout)")
    command = checkout.seed_command
    role_keys = sorted(shared_source.constant(names["role_defaults"]))
    reading = seed_role_mapping(command.script, woc_settings.checkout_part("shared"), role_keys)
    try:
        return seed_source.seed_grants(reading["mappings"], seed=command.script, constant=names["role_defaults"])
    except seed_source.SeedUnreadable as reason:
        pytest.skip(str(reason))


@pytest.fixture(scope="session")
def permission_tables(prisma_datamodel, names):
    """Tables and columns of the permission models, from the Prisma schema."""
    return permissions.permission_tables(prisma_datamodel, names)


@pytest.fixture(scope="session")
def settings_table(prisma_datamodel, names, policy_schema):
    """The settings table and the column of each TrackingPolicy field, from the Prisma schema."""
    return settings_rows.settings_table(prisma_datamodel, names, policy_schema)


@pytest.fixture(scope="session")
def policy_defaults(prisma_datamodel, names, settings_table, policy_schema):
    """What each optional TrackingPolicy field means when left out: the shared type's default, else Prisma's."""
    facts = settings_rows.prisma_column_facts(prisma_datamodel, names, settings_table)
    return contracts.optional_defaults(policy_schema, {name: fact.default for name, fact in facts.items()})


@pytest.fixture
def policy_surfaces(web_as, api_as, woc_db, settings_table, woc_settings, policy_defaults):
    """``policy_surfaces(tenant)``: each surface that shows a tenant's policy, read on demand."""

    def surfaces(tenant: str) -> Surfaces:
        slug = woc_settings.smoke[tenant].organization
        readers = {
            WEB: lambda: web_settings(web_as(tenant, "admin")),
            API: lambda: api_policy(api_as(tenant, "member")),
            DB: lambda: settings_rows.db_policy(woc_db, settings_table, tenant=slug),
        }
        return Surfaces(readers, policy_defaults)

    return surfaces


@pytest.fixture
def uploaded(api_as, record_write, tenant_lock):
    """A screenshot uploaded as tenant A's member into a fresh time entry, as the desktop client does."""
    __tracebackhide__ = True
    with tenant_lock("a"):
        return screenshots.upload_as_desktop(api_as("a", "member"), lambda kind, ident: record_write("a", kind, ident))
