"""Runbook §5 step 5: a request that names the other tenant (its ids in a parameter, its organization in a header,
cookie or form field) still shows and changes only the caller's own tenant, on the API and the web and admin pages.

The owner reads each route first (a cache keyed without the tenant then holds its answer); each attacker's plain
answer is its baseline, so a probe reports only what naming the other tenant added.
"""

from __future__ import annotations

import pytest

from woc_gate.checks import tenant as isolation
from woc_gate.checks import tenant_records as records
from woc_gate.checks import tenant_requests as requests

pytestmark = [pytest.mark.gate("tenant-isolation"), pytest.mark.tenant]
DIRECTIONS = (("a", "b"), ("b", "a"))  # (attacker, owner)
ATTACKERS = ("admin", "member")  # an owner's rights are an admin's: the ids in paths are tried with all three


@pytest.fixture
def probed(resource, route_inventory, party, roles, owned):
    """Per direction: the owner (its routes read first), each attacker with each id-less GET route, their baselines."""
    resource_routes = [route for route in route_inventory if route.resource == resource]
    directions = []
    for attacker, owner_key in DIRECTIONS:
        records.owner_reads(resource_routes, (), party(owner_key, "admin"))
        owner = owned(owner_key)
        attackers = [party(attacker, role) for role in roles[attacker] if role in ATTACKERS]
        pairs = requests.read_routes(resource_routes, attackers)
        directions.append((owner, pairs, requests.baselines(pairs, owner)))
    return directions


def test_other_tenants_ids_in_query_parameters_show_nothing_of_it(resource, probed, api_document, measure):
    batch = [
        probe for owner, pairs, seen in probed for probe in requests.parameter_probes(pairs, owner, api_document, seen)
    ]
    findings = isolation.run_probes(batch)
    measure("cross_tenant_probes", len(batch))
    isolation.attempts_refused(findings, len(batch), f"requests on {resource} naming the other tenant in a parameter")


def test_pages_show_only_the_callers_tenant_whatever_headers_and_cookies_name(resource, probed, measure):
    batch = [probe for owner, pairs, seen in probed for probe in requests.header_and_cookie_probes(pairs, owner, seen)]
    findings = isolation.run_probes(batch)
    measure("cross_tenant_probes", len(batch))
    isolation.attempts_refused(
        findings, len(batch), f"requests on {resource} naming the other tenant in a header or cookie"
    )


@pytest.mark.writes  # the attacker's own forms, sent back as they are
def test_forms_naming_the_other_tenant_change_only_the_callers_own(
    resource, route_inventory, party, roles, owned, both_tenants_locked, measure
):
    resource_routes = [route for route in route_inventory if route.resource == resource]
    findings, changes, probes = [], [], 0
    for attacker, owner_key in DIRECTIONS:
        owner, owner_admin = owned(owner_key), party(owner_key, "admin")
        attackers = [party(attacker, role) for role in roles[attacker] if role in ATTACKERS]
        batch = requests.form_probes(requests.read_routes(resource_routes, attackers), owner)
        owners_forms = requests.edit_forms(requests.read_routes(resource_routes, [owner_admin]))
        before = records.owner_reads(resource_routes, (), owner_admin)
        findings += isolation.run_probes(batch)
        changed = records.changed_records(
            before, records.owner_reads(resource_routes, (), owner_admin), batch, owner_key
        )
        if changed:
            requests.put_back_forms(owners_forms, owner_admin)
        changes += changed
        probes += len(batch)
    measure("cross_tenant_probes", probes)
    isolation.attempts_refused(findings, probes, f"forms on {resource} naming the other tenant", changes=changes)
