"""Tenant isolation: one tenant's accounts try to read, list, change and delete the other tenant's records.

The owner tenant's records are harvested through its own accounts (ids from its API lists, ids in
its pages' links); they, the organization's id and slug, the names its records hold and any planted
marker are the canaries (a value both tenants hold is none). Every answer an attacker gets is scanned
for them, and for API list items of other organizations; a request naming another tenant's record
must get a refusal status. What a probe finds is a leak, a missing refusal or a server error, reported
as such.
The other modules of the family build the probes: ``tenant_records`` (ids in paths, writes and what
they leave), ``tenant_requests`` (a tenant named in parameters, headers, cookies) and ``tenant_tokens``.
"""

from __future__ import annotations

import html
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
SHOWN_LEAKS = 3
TOKEN = re.compile(r"[A-Za-z0-9_.+@-]{6,}")
DATE_LIKE = re.compile(r"^\d{4}-\d{2}-\d{2}")
MIN_TEXT = 4
MALFORMED_IDS = ("0", "-1", "null", "undefined", "' OR '1'='1", "../../etc/passwd", "%00", "ü" * 8, "x" * 300, "{id}")
MALFORMED_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789-_'\"%;:<>*"
NOT_FOUND_EITHER = frozenset({400, 422})  # a malformed id may also be refused as a bad request
LEAK, NOT_REFUSED, SERVER_ERROR = "leak", "not refused", "server error"


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
    """What a tenant owns, as its own accounts see it: ids and API records by resource, canaries (token → what)."""

    tenant: str
    organization_id: str = ""
    ids: dict[str, list[str]] = field(default_factory=dict)
    canaries: dict[str, str] = field(default_factory=dict)
    slug: str = ""
    records: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)  # free text of its records (names), found as a whole

    def plant(self, token: str, what: str) -> None:
        """Add a canary: a value only this tenant's records hold."""
        self.canaries[token] = f"tenant {self.tenant}'s {what}"

    def own(self, resource: str, ident: str) -> None:
        """Add a record of a resource (its id a canary too)."""
        if ident and ident not in self.ids.setdefault(resource, []):
            self.ids[resource].append(ident)
            self.plant(ident, f"{resource} id")

    def keep_apart(self, other: Owner) -> None:
        """Drop the canaries and texts the other tenant holds too: only values of one tenant alone betray it."""
        for mine, theirs in ((self.canaries, other.canaries), (self.texts, other.texts)):
            for value in mine.keys() & theirs.keys():
                del mine[value], theirs[value]

    def ids_named(self, name: str) -> list[str]:
        """The owner's ids of the resource a field or parameter name points at (``projectId`` → projects)."""
        stem = _plain(name).removesuffix("ids").removesuffix("id")
        for resource, idents in self.ids.items():
            plain = _plain(resource)
            if stem and plain in (stem, f"{stem}s", f"{stem[:-1]}ies"):
                return idents
        return []

    def values_of(self, name: str) -> list[str]:
        """The distinct values of a field across the owner's API records (``userId`` → the users that own them)."""
        values = (record.get(name) for records in self.records.values() for record in records.values())
        return list(dict.fromkeys(value for value in values if isinstance(value, str) and value))


def _plain(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


@dataclass(frozen=True)
class Probe:
    """One request of an attacker on a route, naming one of the owner's records or the owner tenant (or nothing).

    ``refused`` lists the statuses that must answer it (empty: any status but a server error); ``echoed`` the
    values the request itself sends (an answer repeating them leaks nothing); ``baseline`` the leaks the same
    route shows without them (another test's finding, not this probe's).
    """

    party: Party
    route: Route
    owner: Owner
    ident: str = ""
    refused: frozenset[int] = frozenset()
    params: tuple[tuple[str, str], ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    cookies: tuple[tuple[str, str], ...] = ()
    body: tuple[tuple[str, Any], ...] | None = None
    baseline: frozenset[str] = frozenset()

    @property
    def echoed(self) -> frozenset[str]:
        """The values this request names itself."""
        named = (*self.params, *self.headers, *self.cookies, *(self.body or ()))
        return frozenset({self.ident, *(str(value) for _, value in named)})

    @property
    def named(self) -> str:
        """How the request names the other tenant, for the failure text ("" for an id in the path)."""
        parts = [f"?{name}={value}" for name, value in self.params]
        parts += [f"header {name}: {value}" for name, value in self.headers]
        parts += [f"cookie {name}={value}" for name, value in self.cookies]
        return " with " + ", ".join(parts) if parts else ""

    def send(self) -> httpx.Response:
        """Send the request as the attacker."""
        return send(
            self.party.clients[self.route.surface],
            self.route,
            self.ident,
            self.party.form,
            params=dict(self.params),
            headers=dict(self.headers),
            cookies=dict(self.cookies),
            body=None if self.body is None else dict(self.body),
        )


@dataclass(frozen=True)
class Finding:
    """What one probe found wrong: a leak, a missing refusal or a server error, in one line."""

    kind: str
    line: str


def harvest(routes: Iterable[Route], party: Party, list_envelope: str, slug: str = "") -> Owner:
    """The records a tenant's own account sees through every list route, as ids, records and canaries."""
    owner = Owner(party.tenant, party.organization_id, slug=slug)
    owner.plant(party.organization_id, "organization id")
    if slug:
        owner.plant(slug, "organization slug")
    routes = list(routes)
    for route in routes:
        if route.takes_id or route.method != "GET" or route.surface not in party.clients:
            continue
        response = send(party.clients[route.surface], route)
        if route.surface == "api":
            for item in answer_items(response, list_envelope):
                if item.get("organizationId") not in (None, party.organization_id):
                    continue  # a leaking list: another tenant's record is not this one's canary
                ident = str(item.get("id", ""))
                owner.own(route.resource, ident)
                owner.records.setdefault(route.resource, {})[ident] = item
                if item.get("email"):
                    owner.plant(str(item["email"]), f"{route.resource} email")
                for name, value in item.items():
                    if _free_text(name, value):
                        owner.texts[value] = f"tenant {owner.tenant}'s {route.resource} {name}"
        else:
            for id_route in routes:
                if id_route.resource == route.resource and id_route.takes_id:
                    for ident in id_route.id_pattern().findall(response.text):
                        owner.own(route.resource, ident)
    return owner


def _free_text(name: str, value: Any) -> bool:
    """True for a name of a few words a page shows as they are (not an id, key, address, date or enum).

    One word alone ("General") may be any page's own text; a name of two words rarely is.
    """
    if not isinstance(value, str) or len(value) < MIN_TEXT or re.search(r"(?i)(id|key|url)$", name):
        return False
    words = value.split()
    return len(words) > 1 and " ".join(words) == value and not (DATE_LIKE.match(value) or "@" in value or "/" in value)


def run_probes(probes: Sequence[Probe]) -> list[Finding]:
    """Send every probe (a bounded number at once); what went wrong, one finding per probe."""
    with ThreadPoolExecutor(WORKERS) as pool:
        return [finding for finding in pool.map(probe_finding, probes) if finding]


def probe_finding(probe: Probe) -> Finding | None:
    """What one probe found wrong (another tenant's data, a status that is not a refusal, a server error), or None."""
    response = probe.send()
    leaked = [leak for leak in leaks(response, probe.party, probe.owner, probe.echoed) if leak not in probe.baseline]
    status = response.status_code
    party, route = probe.party, probe.route
    target = f" on tenant {probe.owner.tenant}'s {route.resource} {probe.ident}" if probe.ident else ""
    where = f"{route} as tenant {party.tenant} {party.role}{target}{probe.named}"
    if leaked:
        more = f" and {len(leaked) - SHOWN_LEAKS} more" if len(leaked) > SHOWN_LEAKS else ""
        problem = f"HTTP {status}; " if probe.refused and status not in probe.refused else ""
        return Finding(LEAK, f"{where}: {problem}leaked {', '.join(leaked[:SHOWN_LEAKS])}{more}")
    if status >= 500:
        return Finding(SERVER_ERROR, f"{where}: HTTP {status} (a server error)")
    if probe.refused and status not in probe.refused:
        return Finding(NOT_REFUSED, f"{where}: HTTP {status}")
    return None


def leaks(response: httpx.Response, party: Party, owner: Owner, echoed: Iterable[str] = ()) -> list[str]:
    """What of another tenant an answer to ``party`` holds: its canaries, and API items of other organizations."""
    organizations = {item.get("organizationId") for item in answer_items(response, "")}
    foreign = [f"items of organization {other}" for other in sorted(organizations - {None, party.organization_id})]
    return foreign + leaked_canaries(response, owner.canaries, echoed=echoed) + leaked_texts(response, owner.texts)


def leaked_canaries(response: httpx.Response, canaries: Mapping[str, str], *, echoed: Iterable[str] = ()) -> list[str]:
    """The canaries an answer holds (values the request itself named are echoes, not leaks)."""
    if response.headers.get("content-type", "").startswith("image/"):
        return []
    tokens = set(TOKEN.findall(response.text)) - set(echoed)
    return [f"{canaries[token]} {token}" for token in sorted(tokens & canaries.keys())]


def leaked_texts(response: httpx.Response, texts: Mapping[str, str]) -> list[str]:
    """The owner's free texts an answer holds, each as a whole (as a page or a JSON string shows it)."""
    if response.headers.get("content-type", "").startswith("image/") or not texts:
        return []
    shown = f"{response.text}\n{html.unescape(response.text)}"
    return [f"{what} {value!r}" for value, what in sorted(texts.items()) if value in shown]


def answer_items(response: httpx.Response, envelope: str) -> list[dict[str, Any]]:
    """The objects of a JSON list answer (inside its envelope); none when it is not one."""
    if "json" not in response.headers.get("content-type", ""):
        return []
    try:
        payload = unwrap(json_body(response), envelope)
    except (TargetAnswerError, KeyError):
        return []
    return [item for item in payload if isinstance(item, dict)] if isinstance(payload, list) else []


def attempts_refused(
    findings: Sequence[Finding], probes: int, what: str, refused: Iterable[int] = (), changes: Sequence[str] = ()
) -> None:
    """No finding among the probes: every attempt refused (with one of ``refused``), nothing of the other tenant
    seen or changed, no server error met."""
    __tracebackhide__ = True
    if not findings and not changes:
        return
    reached = sum(finding.kind != SERVER_ERROR for finding in findings)
    errors = len(findings) - reached
    parts = [f"{reached} of {probes} {what} reached the other tenant"] if reached else []
    if errors:
        parts.append(f"{errors}{'' if reached else f' of {probes} {what}'} met a server error")
    if changes:
        parts.append(f"{len(changes)} reading(s) of the other tenant's records changed")
    shown = [finding.line for finding in findings[:SHOWN_FINDINGS]] + list(changes[:SHOWN_FINDINGS])
    hidden = len(findings) + len(changes) - len(shown)
    more = f"\n  … and {hidden} more" if hidden else ""
    statuses = "/".join(map(str, sorted(refused)))
    expected = [f"HTTP {statuses} on another tenant's records"] if statuses else []
    expected += ["none of its data in any answer", "no server error", *(["its records unchanged"] if changes else [])]
    raise IsolationFailure("; ".join(parts), ", ".join(expected), "\n  " + "\n  ".join(shown) + more)


def probe_malformed_and_foreign_ids(
    routes: Sequence[Route], party: Party, owner: Owner, missing: Sequence[str], refused: frozenset[int], examples: int
) -> tuple[list[Finding], int]:
    """Hypothesis-drawn ids (the owner's, missing, malformed) on the id routes; the findings and the probe count."""
    probes = draw_malformed_and_foreign_ids(routes, party, owner, missing, refused, examples)
    return run_probes(probes), len(probes)


def draw_malformed_and_foreign_ids(
    routes: Sequence[Route], party: Party, owner: Owner, missing: Sequence[str], refused: frozenset[int], examples: int
) -> list[Probe]:
    """Hypothesis-drawn ids (the owner's, missing, malformed) on the id routes, as probes to send together."""
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
    return [Probe(party, route, owner, ident, refused | NOT_FOUND_EITHER) for route, ident in drawn]


def anonymous_finding(
    client: httpx.Client, route: Route, ident: str, refused: frozenset[int], login: str
) -> Finding | None:
    """What is wrong with an anonymous request on a protected route (None when it is refused)."""
    response = send(client, route, ident)
    status, location = response.status_code, urlsplit(response.headers.get("location", "")).path
    if status in refused and (not response.is_redirect or location.rstrip("/") == login.rstrip("/")):
        return None
    where = f" to {location}" if response.is_redirect else " (a server error)" if status >= 500 else ""
    return Finding(
        SERVER_ERROR if status >= 500 else NOT_REFUSED, f"{route} {ident} without credentials: HTTP {status}{where}"
    )
