"""Tenant isolation: one tenant's accounts try to read, list, change and delete the other tenant's records.

The owner tenant's records are harvested through its own accounts (ids from its API lists, ids in
its pages' links); they and any planted marker are the canaries. Every answer an attacker gets is
scanned for them; a request naming another tenant's record must get a refusal status.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from ..errors import TargetAnswerError
from ..target.boundary import json_body
from ..target.clients import unwrap
from ..target.routes import Route, send
from . import CheckFailure

WORKERS = 8  # requests in flight at once: enough for speed, few enough to spare the target
SHOWN_FINDINGS = 8
TOKEN = re.compile(r"[A-Za-z0-9_.+@-]{6,}")
MALFORMED_IDS = ("0", "-1", "null", "undefined", "' OR '1'='1", "../../etc/passwd", "%00", "ü" * 8, "x" * 300, "{id}")
MALFORMED_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789-_'\"%;:<>*"
NOT_FOUND_EITHER = frozenset({400, 422})  # a malformed id may also be refused as a bad request


class IsolationFailure(CheckFailure):
    """A tenant's account reached, changed or saw another tenant's data."""


@dataclass
class Party:
    """A smoke account on both surfaces: tenant, role, organization, clients, the form fields a web POST needs."""

    tenant: str
    role: str
    organization_id: str
    clients: Mapping[str, httpx.Client]
    form: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Owner:
    """What a tenant owns, as its own accounts see it: record ids by resource, and canaries (token → what it is)."""

    tenant: str
    organization_id: str = ""
    ids: dict[str, list[str]] = field(default_factory=dict)
    canaries: dict[str, str] = field(default_factory=dict)

    def plant(self, token: str, what: str) -> None:
        """Add a canary: a value only this tenant's records hold."""
        self.canaries[token] = f"tenant {self.tenant}'s {what}"


@dataclass(frozen=True)
class Probe:
    """One request of an attacker on a route, naming one of the owner's records (or none, for a list)."""

    party: Party
    route: Route
    owner: Owner
    ident: str = ""
    refused: frozenset[int] = frozenset()


def harvest(routes: Iterable[Route], party: Party, list_envelope: str) -> Owner:
    """The records a tenant's own account sees through every list route, as ids and canaries."""
    owner = Owner(party.tenant, party.organization_id)
    routes = list(routes)
    for route in routes:
        if route.takes_id or route.method != "GET" or route.surface not in party.clients:
            continue
        response = send(party.clients[route.surface], route)
        if route.surface == "api":
            for item in _items(response, list_envelope):
                if item.get("organizationId") not in (None, party.organization_id):
                    continue  # a leaking list: another tenant's record is not this one's canary
                _own(owner, route.resource, str(item.get("id", "")))
                if item.get("email"):
                    owner.plant(str(item["email"]), f"{route.resource} email")
        else:
            for id_route in routes:
                if id_route.resource == route.resource and id_route.takes_id:
                    for ident in id_route.id_pattern().findall(response.text):
                        _own(owner, route.resource, ident)
    return owner


def _own(owner: Owner, resource: str, ident: str) -> None:
    if ident and ident not in owner.ids.setdefault(resource, []):
        owner.ids[resource].append(ident)
        owner.plant(ident, f"{resource} id")


def cross_tenant_probes(
    routes: Iterable[Route], parties: Iterable[Party], owner: Owner, refused: frozenset[int], per_resource: int
) -> list[Probe]:
    """Every attacker on every route: lists read once, id routes once per owned record (at most ``per_resource``)."""
    probes = []
    for party in parties:
        for route in routes:
            if route.surface not in party.clients:
                continue
            if not route.takes_id:
                if route.method == "GET":  # an id-less write would change the attacker's own tenant
                    probes.append(Probe(party, route, owner))
                continue
            for ident in owner.ids.get(route.resource, [])[:per_resource]:
                probes.append(Probe(party, route, owner, ident, refused))
    return probes


def run_probes(probes: Sequence[Probe]) -> list[str]:
    """Send every probe (a bounded number at once); what went wrong, one line per probe."""
    with ThreadPoolExecutor(WORKERS) as pool:
        return [finding for finding in pool.map(probe_finding, probes) if finding]


def probe_finding(probe: Probe) -> str:
    """What one probe found wrong (a status that is not a refusal, another tenant's data), or ""."""
    party, route = probe.party, probe.route
    response = send(party.clients[route.surface], route, probe.ident, party.form)
    problems = []
    if route.takes_id and response.status_code not in probe.refused:
        problems.append(f"HTTP {response.status_code}")
    leaked = leaked_canaries(response, probe.owner.canaries, echoed=probe.ident)
    if route.surface == "api" and not route.takes_id:
        leaked = _foreign_items(response, party.organization_id, probe.owner) + leaked
    if not problems and not leaked:
        return ""
    if leaked:
        problems.append("leaked " + ", ".join(leaked[:3]) + (f" and {len(leaked) - 3} more" if len(leaked) > 3 else ""))
    target = f" on tenant {probe.owner.tenant}'s {route.resource} {probe.ident}" if probe.ident else ""
    return f"{route} as tenant {party.tenant} {party.role}{target}: {'; '.join(problems)}"


def leaked_canaries(response: httpx.Response, canaries: Mapping[str, str], *, echoed: str = "") -> list[str]:
    """The canaries an answer holds (the id the request itself named is an echo, not a leak)."""
    if response.headers.get("content-type", "").startswith("image/"):
        return []
    tokens = set(TOKEN.findall(response.text)) - {echoed}
    return [f"{canaries[token]} {token}" for token in sorted(tokens & canaries.keys())]


def _foreign_items(response: httpx.Response, organization_id: str, owner: Owner) -> list[str]:
    items = _items(response, "")
    foreign = [item for item in items if item.get("organizationId") not in (None, organization_id)]
    if not foreign:
        return []
    theirs = sum(item["organizationId"] == owner.organization_id for item in foreign)
    return [f"{len(foreign)} item(s) of other organizations ({theirs} of tenant {owner.tenant}'s)"]


def _items(response: httpx.Response, envelope: str) -> list[dict[str, Any]]:
    try:
        payload = unwrap(json_body(response), envelope)
    except (TargetAnswerError, KeyError):
        return []
    return [item for item in payload if isinstance(item, dict)] if isinstance(payload, list) else []


def attempts_refused(findings: Sequence[str], probes: int, refused: Iterable[int], what: str) -> None:
    """No finding among the probes: every cross-tenant attempt refused, nothing of the other tenant seen."""
    __tracebackhide__ = True
    if findings:
        shown = findings[:SHOWN_FINDINGS]
        more = f"\n  … and {len(findings) - len(shown)} more" if len(findings) > len(shown) else ""
        raise IsolationFailure(
            f"{len(findings)} of {probes} {what} reached the other tenant",
            f"HTTP {'/'.join(map(str, sorted(refused)))} on another tenant's records, none of its data in any answer",
            "\n  " + "\n  ".join(shown) + more,
        )


def snapshot(routes: Iterable[Route], party: Party) -> dict[str, str]:
    """The owner's API lists as it sees them, to compare before and after the attempts."""
    return {
        str(route): json.dumps(json_body(send(party.clients["api"], route)), sort_keys=True)
        for route in routes
        if route.surface == "api" and route.method == "GET" and not route.takes_id and "api" in party.clients
    }


def nothing_changed(before: Mapping[str, str], after: Mapping[str, str], owner: str, attackers: str) -> None:
    """The owner's records read the same after the other tenant's attempts as before."""
    __tracebackhide__ = True
    changed = sorted(route for route in before if before[route] != after.get(route))
    if changed:
        raise IsolationFailure(
            f"Tenant {attackers}'s refused attempts changed tenant {owner}'s records",
            "the same records before and after",
            f"changed: {', '.join(changed)}",
        )


def probe_malformed_and_foreign_ids(
    routes: Sequence[Route], party: Party, owner: Owner, missing: Sequence[str], refused: frozenset[int], examples: int
) -> tuple[list[str], int]:
    """Hypothesis-drawn ids (the owner's, missing, malformed) on the id routes; the findings and the probe count."""
    foreign = [ident for idents in owner.ids.values() for ident in idents] or list(missing)
    ids = st.one_of(
        st.sampled_from(foreign),
        st.sampled_from(list(missing)),
        st.sampled_from(MALFORMED_IDS),
        st.text(alphabet=MALFORMED_ALPHABET, min_size=1, max_size=64),
    )
    id_routes = [route for route in routes if route.takes_id and route.surface in party.clients]
    drawn: dict[tuple[Route, str], None] = {}

    @seed(zlib.crc32(f"{party.tenant}:{party.role}".encode()))  # fixed per account: a second run draws the same ids
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(route=st.sampled_from(id_routes), ident=ids)
    def draw(route: Route, ident: str) -> None:
        drawn[route, ident] = None

    if id_routes:
        draw()  # drawing only: the requests then go out together, a bounded number at once
    probes = [Probe(party, route, owner, ident, refused | NOT_FOUND_EITHER) for route, ident in drawn]
    return run_probes(probes), len(probes)


def anonymous_finding(client: httpx.Client, route: Route, ident: str, refused: frozenset[int], login: str) -> str:
    """What is wrong with an anonymous request on a protected route ("" when it is refused)."""
    response = send(client, route, ident)
    location = urlsplit(response.headers.get("location", "")).path
    if response.status_code in refused and (not response.is_redirect or location.rstrip("/") == login.rstrip("/")):
        return ""
    where = f" to {location}" if response.is_redirect else ""
    return f"{route} {ident} without credentials: HTTP {response.status_code}{where}"
