"""Fixtures of the tenant-isolation tests: the route inventory, the smoke accounts as parties, what each tenant owns."""

from __future__ import annotations

import functools
import secrets

import pytest
from hypothesis.configuration import set_hypothesis_home_dir

from woc_gate.checks import openapi
from woc_gate.checks import tenant_tokens as tokens
from woc_gate.checks.tenant import Owner, Party, harvest
from woc_gate.config import DEFAULT_ROUTES
from woc_gate.plugin.fixtures import session_settings, smoke_account
from woc_gate.sources.nodetools import default_cache_dir
from woc_gate.target import flows, routes
from woc_gate.target.browser import send_invite
from woc_gate.target.clients import LoginForm, request
from woc_gate.target.resend import Resend

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
def owned(party, route_inventory, roles, woc_settings):
    """What each tenant alone owns as its admin sees it (ids, records, canaries), harvested once: ``owned("b")``."""
    owners: dict[str, Owner] = {}

    def of(tenant):
        if not owners:
            for key in roles:
                slug = getattr(woc_settings.smoke.get(key), "organization", "")
                owners[key] = harvest(route_inventory, party(key, "admin"), woc_settings.envelopes["list"], slug)
            first, second = owners.values()
            first.keep_apart(second)
        return owners[tenant]

    return of


@pytest.fixture(scope="session")
def api_document(api_as, woc_settings):
    """The runtime API's OpenAPI document (its parameters and request bodies), or None when none is configured."""
    if not woc_settings.openapi_path:
        return None
    return openapi.published_document(api_as("a", "member"), woc_settings.openapi_path)


@pytest.fixture(scope="session")
def mailbox(woc_settings):
    """The email provider's API with the gate's own key, to read the links the product sends; skips without the key."""
    if not woc_settings.resend_read_key:
        pytest.skip("the gate reads the product's links at the email provider: set resend_read_key (a full-access key)")
    client = Resend(woc_settings)
    yield client
    client.close()


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
def planted_adhoc_requests(owned, api_as, route_inventory, woc_settings, record_write, _planted):
    """A pending adhoc request planted in each tenant through its member (once per session), among its records."""
    admin_adhoc = woc_settings.endpoints["admin_adhoc"].rstrip("/") + "/"
    deciding = [route for route in route_inventory if route.takes_id and route.path.startswith(admin_adhoc)]
    if deciding and "adhoc" not in _planted:
        for tenant in ("a", "b"):
            ident = flows.request_adhoc_time(api_as(tenant, "member"))
            record_write(tenant, "adhoc request", ident)
            owned(tenant).own(deciding[0].resource, ident)
        _planted["adhoc"] = True


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


@pytest.fixture(scope="session")
def signed_in_as_before(api_as, roles):
    """The organization and role each smoke account signed in to when the session began, by (tenant, role)."""
    return {
        (tenant, role): (api_as(tenant, role).user.get("organizationId"), api_as(tenant, role).user.get("role"))
        for tenant, tenant_roles in roles.items()
        for role in tenant_roles
    }


@pytest.fixture
def accounts_locked(tenant_lock):
    """The smoke tenants' accounts held, so that no other test adds or moves a user while they are compared."""
    with tenant_lock("accounts"):
        yield


@pytest.fixture
def send_link(woc_settings, web_as, mailbox, record_write):
    """Have a tenant's flow send its link, read at the provider: ``send_link(flow, tenant)``, a ``SentLink``."""

    def send(flow, issuer):
        label, password, joins = "wocgate" + secrets.token_hex(4), secrets.token_urlsafe(18), ""
        if flow == "invite":
            joins = issuer
            address = f"delivered+{label}-invite@resend.dev"
            trigger = functools.partial(flows.invite, web_as(issuer, "admin"), address)
            record_write(issuer, "invite", f"{address} (and its user, if the link was accepted)")
        elif flow == "password-reset":
            member = smoke_account(woc_settings, issuer, "member")
            address, password = member.email, member.password.reveal()  # the reset sets the password it had
            trigger = functools.partial(flows.forgot_password, woc_settings, address)
        else:
            address = f"delivered+{label}-verify@resend.dev"
            trigger = functools.partial(flows.register, woc_settings, f"woc-gate {label}", address, password)
            record_write("registration", "organization", f"woc-gate {label} (owner {address})")
        url = tokens.sent_link(mailbox, flow, address, trigger, woc_settings.web_url, woc_settings.email_wait_seconds)
        return tokens.SentLink(url, address, password, joins)

    return send
