"""Runbook §5 step 5 and §7: no smoke tenant reads, lists, changes or deletes the other's records, on any surface."""

from __future__ import annotations

import time

import pytest

from woc_gate.checks import tenant as isolation
from woc_gate.target import routes

pytestmark = [pytest.mark.gate("tenant-isolation"), pytest.mark.tenant]
DIRECTIONS = (("a", "b"), ("b", "a"))  # (attacker, owner)
RECORDS_PER_RESOURCE = 12
DRAWN_IDS_PER_ACCOUNT = 80


@pytest.mark.writes
@pytest.mark.browser
def test_cross_tenant_attempts_are_refused_and_change_nothing(
    resource, route_inventory, party, roles, owned, refused, planted_canary, both_tenants_locked, measure
):
    resource_routes = [route for route in route_inventory if route.resource == resource]
    started, findings, probes = time.monotonic(), [], 0
    for attacker, owner_key in DIRECTIONS:
        owner, owner_admin = owned(owner_key), party(owner_key, "admin")
        before = isolation.snapshot(resource_routes, owner_admin)
        attackers = [party(attacker, role) for role in roles[attacker]]
        batch = isolation.cross_tenant_probes(resource_routes, attackers, owner, refused, RECORDS_PER_RESOURCE)
        findings += isolation.run_probes(batch)
        probes += len(batch)
        isolation.nothing_changed(before, isolation.snapshot(resource_routes, owner_admin), owner_key, attacker)
    measure("cross_tenant_probes", probes)
    measure("probes_per_second", probes / (time.monotonic() - started))
    isolation.attempts_refused(findings, probes, refused, f"cross-tenant requests on {resource}")


@pytest.mark.writes  # attempts to change and delete: refused on a sound target, but attempts all the same
def test_drawn_foreign_missing_and_malformed_ids_are_refused(route_inventory, party, roles, owned, refused, measure):
    findings, probes = [], 0
    for attacker, owner_key in DIRECTIONS:
        owner = owned(owner_key)
        missing = [ident[:-4] + "zzzz" for idents in owner.ids.values() for ident in idents[:2] if len(ident) > 4]
        for role in roles[attacker]:
            found, sent = isolation.probe_malformed_and_foreign_ids(
                route_inventory, party(attacker, role), owner, missing, refused, DRAWN_IDS_PER_ACCOUNT
            )
            findings += found
            probes += sent
    measure("drawn_id_probes", probes)
    isolation.attempts_refused(findings, probes, refused, "requests with drawn ids")


@pytest.mark.writes
def test_anonymous_requests_to_protected_routes_are_refused(route_inventory, owned, woc_settings, anonymous_clients):
    refused_anonymous = routes.statuses(woc_settings, "refused_anonymous")
    owner = owned("a")
    findings = [
        isolation.anonymous_finding(
            anonymous_clients[route.surface],
            route,
            (owner.ids.get(route.resource) or ["0"])[0],
            refused_anonymous,
            woc_settings.endpoints["web_login"],
        )
        for route in route_inventory
        if route.surface in anonymous_clients
    ]
    isolation.attempts_refused([f for f in findings if f], len(findings), refused_anonymous, "anonymous requests")
