"""Another tenant named in the request: its ids in query and filter parameters, its organization in headers and cookies.

A route that takes the tenant, or a filter's scope, from the request instead of the session shows the
named tenant's data. Every id-less GET route is probed with each parameter it may take (the OpenAPI
document's, the inventory's, the names products use, the id fields of the owner's records), each given
the owner's matching values; and with the headers and cookies that commonly carry an organization,
given its id and slug. What the route already shows the caller without them is its baseline: that is
the cross-tenant test's finding, so a probe reports only what naming the other tenant added.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urljoin, urlsplit

from ..target.flows import PageForms
from ..target.routes import Route, send
from .openapi import resolve
from .tenant import WORKERS, Owner, Party, Probe, leaks
from .tenant_records import documented_operation

PRODUCT_PARAMETERS = (
    "organizationId",
    "orgId",
    "org",
    "organization",
    "orgSlug",
    "slug",
    "tenant",
    "tenantId",
    "workspaceId",
    "userId",
    "user",
    "memberId",
    "projectId",
    "project",
    "timeEntryId",
    "screenshotId",
    "id",
    "ids",
    "filter[organizationId]",
    "filter[userId]",
)
TENANT_HEADERS = (
    "X-Organization-Id",
    "X-Org-Id",
    "X-Tenant-Id",
    "X-Workspace-Id",
    "X-Organization",
    "X-Org",
    "X-Tenant",
    "X-Org-Slug",
    "X-Tenant-Slug",
)
TENANT_COOKIES = (
    "organizationId",
    "orgId",
    "org",
    "currentOrg",
    "currentOrganization",
    "orgSlug",
    "tenant",
    "tenantId",
)
TENANT_FIELDS = ("organizationId", "orgId", "org", "tenantId", "slug")
TENANT_WORDS = ("org", "tenant", "workspace", "company")
PER_KIND = 2  # values tried per parameter and kind of record
NOT_IDS = frozenset({"boolean", "integer", "number"})
Baselines = dict[tuple[str, str, Route], frozenset[str]]


def parameter_names(route: Route, owner: Owner, document: Mapping[str, Any] | None) -> list[str]:
    """The query parameters to try: the inventory's, the document's, the usual ones, the records' id fields."""
    documented = []
    for parameter in documented_operation(document, route).get("parameters", []):
        parameter = resolve(document or {}, parameter)
        if (
            parameter.get("in") == "query"
            and resolve(document or {}, parameter.get("schema", {})).get("type") not in NOT_IDS
        ):
            documented.append(parameter["name"])
    fields = (name for records in owner.records.values() for record in records.values() for name in record)
    learned = [name for name in fields if name.lower().endswith("id") and name != "id"]
    return list(dict.fromkeys([*route.params, *documented, *PRODUCT_PARAMETERS, *learned]))


def tenant_values(name: str, route: Route, owner: Owner) -> list[str]:
    """The owner's values a parameter, header or cookie of this name may take: its organization, ids of its records."""
    inner = re.sub(r"^\w+\[(\w+)\]$", r"\1", name)
    plain = re.sub(r"[^a-z]", "", inner.lower())
    if "slug" in plain:
        values = [owner.slug]
    elif any(word in plain for word in TENANT_WORDS):
        values = [owner.organization_id] if plain.endswith("id") else [owner.organization_id, owner.slug]
    else:
        values = owner.ids_named(inner)[:PER_KIND] + owner.values_of(inner)[:PER_KIND]
        if plain in ("id", "ids"):
            values += owner.ids.get(route.resource, [])[:PER_KIND]
    if not values:  # a name that says nothing of what it takes: the organization and a record of the route's own
        values = [owner.organization_id, owner.slug, *owner.ids.get(route.resource, [])[:1]]
    return list(dict.fromkeys(value for value in values if value))


def read_routes(routes: Iterable[Route], parties: Iterable[Party]) -> list[tuple[Party, Route]]:
    """Each attacker with each id-less GET route of its surfaces."""
    routes = [route for route in routes if route.method == "GET" and not route.takes_id]
    return [(party, route) for party in parties for route in routes if route.surface in party.clients]


def baselines(pairs: Sequence[tuple[Party, Route]], owner: Owner) -> Baselines:
    """What each attacker's plain request on each route already shows of the owner (the cross-tenant test's finding)."""

    def shown(pair: tuple[Party, Route]) -> frozenset[str]:
        party, route = pair
        return frozenset(leaks(Probe(party, route, owner).send(), party, owner))

    with ThreadPoolExecutor(WORKERS) as pool:
        found = pool.map(shown, pairs)
    return {(party.tenant, party.role, route): leaked for (party, route), leaked in zip(pairs, found, strict=True)}


def parameter_probes(
    pairs: Sequence[tuple[Party, Route]], owner: Owner, document: Mapping[str, Any] | None, seen: Baselines
) -> list[Probe]:
    """Each route with each parameter it may take, set to each of the owner's matching values."""
    return [
        Probe(party, route, owner, params=((name, value),), baseline=seen[party.tenant, party.role, route])
        for party, route in pairs
        for name in parameter_names(route, owner, document)
        for value in tenant_values(name, route, owner)
    ]


def header_and_cookie_probes(pairs: Sequence[tuple[Party, Route]], owner: Owner, seen: Baselines) -> list[Probe]:
    """Each route with each header and each cookie that may carry an organization, set to the owner's id or slug."""
    probes = []
    for party, route in pairs:
        baseline = seen[party.tenant, party.role, route]
        for name in TENANT_HEADERS:
            for value in tenant_values(name, route, owner):
                probes.append(Probe(party, route, owner, headers=((name, value),), baseline=baseline))
        for name in TENANT_COOKIES:
            for value in tenant_values(name, route, owner):
                probes.append(Probe(party, route, owner, cookies=((name, value),), baseline=baseline))
    return probes


def edit_forms(pairs: Sequence[tuple[Party, Route]]) -> dict[tuple[str, Route], dict[str, str]]:
    """The forms of each party's web pages that post back what they show, by (party's role, action): their fields.

    Sent back unchanged (a settings form), such a form changes nothing of the sender's own records.
    """
    forms = {}
    for party, route in pairs:
        if route.surface == "web":
            for form in PageForms.parse(send(party.clients["web"], route).text):
                if form.edits_in_place:
                    action = Route(route.resource, "web", "POST", urlsplit(urljoin(route.path, form.action)).path)
                    forms[party.role, action] = form.fields
    return forms


def form_probes(pairs: Sequence[tuple[Party, Route]], owner: Owner) -> list[Probe]:
    """Each attacker's own edit forms sent back as they are, plus a field naming the owner tenant (its id or slug).

    A product that takes the tenant from the form writes the attacker's values into the owner's records.
    """
    parties = {party.role: party for party, _ in pairs}
    return [
        Probe(parties[role], action, owner, body=tuple({**fields, name: value}.items()))
        for (role, action), fields in edit_forms(pairs).items()
        for name in TENANT_FIELDS
        for value in tenant_values(name, action, owner)
    ]


def put_back_forms(forms: Mapping[tuple[str, Route], Mapping[str, str]], party: Party) -> None:
    """Send the owner's own edit forms back as they were read: what a form naming it wrote is undone."""
    for (_, action), fields in forms.items():
        send(party.clients["web"], action, body=fields)
