"""Fixtures of the tenant-isolation tests: the route inventory, the smoke accounts as parties, what each tenant owns."""

from __future__ import annotations

import secrets

import pytest
from hypothesis.configuration import set_hypothesis_home_dir

from woc_gate.checks.tenant import Owner, Party, harvest
from woc_gate.config import DEFAULT_ROUTES
from woc_gate.plugin.fixtures import session_settings
from woc_gate.sources.nodetools import default_cache_dir
from woc_gate.target import routes
from woc_gate.target.browser import send_invite
from woc_gate.target.clients import LoginForm, request

CANARY_DOMAIN = "woc-gate.invalid"  # a reserved name: an invite mail to it is never delivered

# The gate runs from an operator's working directory: Hypothesis keeps its caches in woc-gate's, not in .hypothesis.
set_hypothesis_home_dir(default_cache_dir() / "hypothesis")


def pytest_generate_tests(metafunc):
    if "resource" in metafunc.fixturenames:
        settings = session_settings(metafunc.config)
        inventory = settings.routes if settings else DEFAULT_ROUTES
        metafunc.parametrize("resource", [name for name in inventory if name not in routes.STATUS_KEYS])


@pytest.fixture(scope="session")
def route_inventory(woc_settings):
    """Every route of the configured inventory."""
    return routes.inventory(woc_settings)


@pytest.fixture(scope="session")
def refused(woc_settings):
    """The statuses that refuse a cross-tenant attempt."""
    return routes.statuses(woc_settings, "refused")


@pytest.fixture(scope="session")
def party(api_as, web_as, woc_settings):
    """A smoke account on both surfaces: ``party("a", "admin")``, made once per session."""
    made = {}

    def make(tenant, role):
        if (tenant, role) not in made:
            api, web = api_as(tenant, role), web_as(tenant, role)
            form = LoginForm.parse(request(web.client, "GET", woc_settings.endpoints["admin"]).text).hidden
            made[tenant, role] = Party(
                tenant, role, api.user["organizationId"], {"api": api.client, "web": web.client}, form
            )
        return made[tenant, role]

    return make


@pytest.fixture(scope="session")
def roles(woc_settings):
    """The roles with a smoke account, per tenant."""
    return {key: sorted(tenant.accounts) for key, tenant in woc_settings.smoke.items()}


@pytest.fixture(scope="session")
def owned(party, route_inventory, woc_settings):
    """What a tenant owns as its admin sees it (ids and canaries), harvested once: ``owned("b")``."""
    owners: dict[str, Owner] = {}

    def of(tenant):
        if tenant not in owners:
            owners[tenant] = harvest(route_inventory, party(tenant, "admin"), woc_settings.envelopes["list"])
        return owners[tenant]

    return of


@pytest.fixture(scope="session")
def _planted():
    return {}


@pytest.fixture
def planted_canary(owned, admin_page, woc_settings, record_write, _planted):
    """A unique marker planted in tenant b's invites through its own admin account (once per session)."""
    if "b" not in _planted:
        marker = f"canary-{secrets.token_hex(6)}@{CANARY_DOMAIN}"
        send_invite(admin_page("b"), woc_settings, marker)
        record_write("b", "invite", marker)
        _planted["b"] = marker
        owned("b").plant(marker, "planted invite marker")
    return _planted["b"]


@pytest.fixture
def anonymous_clients(woc_settings):
    """A client without credentials per configured surface, closed after the test."""
    opened = routes.anonymous_clients(woc_settings)
    try:
        yield opened
    finally:
        for client in opened.values():
            client.close()


@pytest.fixture
def both_tenants_locked(tenant_lock):
    """Both smoke tenants held (in a fixed order), so no other test changes them while they are compared."""
    first, second = tenant_lock("a"), tenant_lock("b")
    with first, second:
        yield
