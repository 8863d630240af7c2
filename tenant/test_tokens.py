"""Runbook §5 step 5: the links one tenant's emails carry (invites, password resets, email verification) move no
account and change neither tenant when the other tenant's account redeems them, signed in or anonymously.

The links are read at the email provider with the gate's own key (``resend_read_key``), as the email checks read
mails. What a sound product may do with a link it accepts (the invited address joins the inviting tenant, the reset
sets the password the account already had) is allowed; nothing else may change.
"""

from __future__ import annotations

import secrets
from contextlib import closing

import pytest

from woc_gate.checks import tenant_tokens as tokens
from woc_gate.plugin.fixtures import smoke_account
from woc_gate.target import clients, flows

pytestmark = [pytest.mark.gate("tenant-isolation"), pytest.mark.tenant]
ISSUER, REDEEMER = "a", "b"  # a verification link is sent for an organization registered for it


@pytest.mark.writes
@pytest.mark.parametrize("flow", ["invite", "password-reset", "email-verification"])
def test_one_tenants_links_redeemed_by_the_other_move_no_account(
    flow, accounts_locked, send_link, woc_settings, party, roles, route_inventory, signed_in_as_before
):
    admins = [party(tenant, "admin") for tenant in (ISSUER, REDEEMER)]
    before = tokens.listed_users(route_inventory, admins, woc_settings.envelopes["list"])
    link = send_link(flow, ISSUER)
    name = f"woc-gate {secrets.token_hex(4)}"  # unique: a name both tenants showed would be no canary
    statuses = {}
    with closing(clients.web_login(woc_settings, smoke_account(woc_settings, REDEEMER, "member"))) as signed_in:
        statuses[f"signed in as tenant {REDEEMER}'s member"] = flows.redeem(
            signed_in.client, link.url, link.password, name
        )
    with clients.anonymous(woc_settings, woc_settings.web_url, "NEXTAUTH_URL") as anonymous:
        statuses["anonymously"] = flows.redeem(anonymous, link.url, link.password, name)
    accounts = {(tenant, role): smoke_account(woc_settings, tenant, role) for tenant in roles for role in roles[tenant]}
    what = f"tenant {ISSUER}'s {flow} link redeemed by tenant {REDEEMER}"
    tokens.no_account_moved(
        before,
        tokens.listed_users(route_inventory, admins, woc_settings.envelopes["list"]),
        tokens.identities(woc_settings, accounts),
        signed_in_as_before,
        link,
        what,
    )
    tokens.redeemed_without_server_error(statuses, what)
