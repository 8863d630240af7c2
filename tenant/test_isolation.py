"""Runbook §5 step 5 and §7: no smoke tenant reads, lists, changes or deletes the other's records, on any surface.

Each test first reads, as the owner, what it is about to probe (so that an answer served from a cache meets
the probes whatever ran before), then probes as every account of the other tenant.
"""

from __future__ import annotations

import time

import pytest

from woc_gate.checks import tenant as isolation
from woc_gate.checks import tenant_records as records
from woc_gate.target import routes

pytestmark = [pytest.mark.gate("tenant-isolation"), pytest.mark.tenant]
DIRECTIONS = (("a", "b"), ("b", "a"))  # (attacker, owner)
RECORDS_PER_RESOURCE = 12
DRAWN_IDS_PER_ACCOUNT = 80


@pytest.mark.writes
@pytest.mark.browser
def test_cross_tenant_attempts_are_refused_and_change_nothing(
    resource,
    route_inventory,
    party,
    roles,
    owned,
    refused,
    api_document,
    planted_canary,
    planted_adhoc_requests,
    both_tenants_locked,
    measure,
):
    resource_routes = [route for route in route_inventory if route.resource == resource]
    started, findings, changes, probes = time.monotonic(), [], [], 0
    for attacker, owner_key in DIRECTIONS:
        owner, owner_admin = owned(owner_key), party(owner_key, "admin")
        attackers = [party(attacker, role) for role in roles[attacker]]
        batch = records.cross_tenant_probes(
            resource_routes, attackers, owner, refused, RECORDS_PER_RESOURCE, api_document
        )
        named = records.named_records(batch)
        before = records.owner_reads(resource_routes, named, owner_admin)
        findings += isolation.run_probes(batch)
        after = records.owner_reads(resource_routes, named, owner_admin)
        changes += records.changed_records(before, after, batch, owner_key)
        records.put_back(batch, before, after, owner_admin)
        probes += len(batch)
    measure("cross_tenant_probes", probes)
    measure("probes_per_second", probes / (time.monotonic() - started))
    isolation.attempts_refused(findings, probes, f"cross-tenant requests on {resource}", refused, changes)


@pytest.mark.writes  # attempts to change and delete: refused on a sound target, but attempts all the same
def test_drawn_foreign_missing_and_malformed_ids_are_refused(route_inventory, party, roles, owned, refused, measure):
    findings, probes = [], 0
    for attacker, owner_key in DIRECTIONS:
        owner = owned(owner_key)
        missing = [ident[:-4] + "zzzz" for idents in owner.ids.values() for ident in idents[:2] if len(ident) > 4]
        batch = [
            probe
            for role in roles[attacker]
            for probe in isolation.draw_malformed_and_foreign_ids(
                route_inventory, party(attacker, role), owner, missing, refused, DRAWN_IDS_PER_ACCOUNT
            )
        ]
        records.owner_reads(route_inventory, records.named_records(batch), party(owner_key, "admin"))
        findings += isolation.run_probes(batch)
        probes += len(batch)
    measure("drawn_id_probes", probes)
    isolation.attempts_refused(findings, probes, "requests with drawn ids", refused)


@pytest.mark.writes
def test_anonymous_requests_to_protected_routes_are_refused(
    route_inventory, owned, party, woc_settings, anonymous_clients
):
    refused_anonymous = routes.statuses(woc_settings, "refused_anonymous")
    owner = owned("a")
    targets = [(route, (owner.ids.get(route.resource) or ["0"])[0]) for route in route_inventory]
    records.owner_reads(route_inventory, {(route.resource, ident) for route, ident in targets}, party("a", "admin"))
    findings = [
        isolation.anonymous_finding(
            anonymous_clients[route.surface], route, ident, refused_anonymous, woc_settings.endpoints["web_login"]
        )
        for route, ident in targets
        if route.surface in anonymous_clients
    ]
    isolation.attempts_refused([f for f in findings if f], len(findings), "anonymous requests", refused_anonymous)
