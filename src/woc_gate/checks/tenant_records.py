"""Ids in paths: another tenant's records read, changed and deleted by id, and what the owner reads before and after.

The owner reads every record the probes name (and every route they read) before they go out: that is
its records' state to compare afterwards, and a cache warmed the way its own use warms it, so that an
answer served from a cache meets the probes too. Every write carries a real change (valid for the
route's schema when the OpenAPI document describes it), and a refusal proves nothing until the
owner's re-read shows the record unchanged; a change the refused attempt made is put back.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from ..errors import TargetAnswerError
from ..target.boundary import json_body
from ..target.routes import Route, send
from .openapi import resolve
from .tenant import DATE_LIKE, WORKERS, Owner, Party, Probe

MARK = " (woc-gate)"  # what a change appends to a free-text field
WRITE_REFUSALS = frozenset({400, 422})  # a validator may refuse a write before the tenant check; the re-read proves it
FIXED_FIELDS = frozenset({"id", "organizationId", "createdAt", "updatedAt"})
UNCHANGED_FORMATS = frozenset({"date-time", "date", "email", "uri", "uuid"})
Reading = tuple[int, Any]  # the owner's answer: status, and the JSON payload (or whether the record is listed)


def documented_operation(document: Mapping[str, Any] | None, route: Route) -> dict[str, Any]:
    """The OpenAPI operation of an API route (its path parameters named as the document names them); {} if none."""
    if not document or route.surface != "api":
        return {}
    shape = re.sub(r"\{[^}]*\}", "{}", route.path)
    for path, item in document.get("paths", {}).items():
        if re.sub(r"\{[^}]*\}", "{}", path) == shape and route.method.lower() in item:
            operation = dict(item[route.method.lower()])
            operation["parameters"] = [*item.get("parameters", []), *operation.get("parameters", [])]
            return operation
    return {}


def request_schema(document: Mapping[str, Any] | None, route: Route) -> dict[str, Any]:
    """The JSON schema of a route's request body in the OpenAPI document, references resolved; {} if none."""
    body = documented_operation(document, route).get("requestBody", {})
    schema = body.get("content", {}).get("application/json", {}).get("schema")
    return resolve(document or {}, schema) if schema else {}


def change_payload(route: Route, record: Mapping[str, Any], owner: Owner, document: Mapping[str, Any] | None) -> dict:
    """A real change to a record: the documented body's fields, else the record's own, each given another valid value.

    Free text gets a mark appended, booleans flip, a reference moves to another of the owner's records,
    a bounded number steps by one; enums, dates, emails and ids stay out (a change there may be refused
    as invalid, or lock the owner out of its own record).
    """
    schema = request_schema(document, route)
    fields = schema.get("properties", {}) if schema else {name: {} for name in record}
    payload = {}
    for name, spec in fields.items():
        if name in FIXED_FIELDS or spec.get("readOnly") or "enum" in spec or spec.get("format") in UNCHANGED_FORMATS:
            continue
        value = _changed(name, record.get(name), spec, owner)
        if value is not None:
            payload[name] = value
    return payload


def _changed(name: str, value: Any, spec: Mapping[str, Any], owner: Owner) -> Any:
    kind = spec.get("type") or {bool: "boolean", str: "string", int: "integer", float: "number"}.get(type(value))
    if kind == "boolean":
        return not value if isinstance(value, bool) else True
    if name.lower().endswith("id") and name != "id":
        return next((ident for ident in owner.ids_named(name) if ident != value), None)
    if kind == "string" and (value is None or isinstance(value, str)):
        text = value or ""
        if "@" in text or DATE_LIKE.match(text) or (text.isupper() and not spec):
            return None
        limit = spec.get("maxLength", len(text) + len(MARK))
        return (text[: limit - len(MARK)] + MARK).strip() if limit > len(MARK) else None
    if kind in ("integer", "number") and isinstance(value, int | float) and ("maximum" in spec or "minimum" in spec):
        return value + 1 if value + 1 <= spec.get("maximum", value + 1) else value - 1
    return None


def cross_tenant_probes(
    routes: Iterable[Route],
    parties: Iterable[Party],
    owner: Owner,
    refused: frozenset[int],
    per_resource: int,
    document: Mapping[str, Any] | None = None,
) -> list[Probe]:
    """Every attacker on every route: lists read once, id routes once per owned record (at most ``per_resource``).

    Writes carry a change to the record; an id-less write is left out (it would change the attacker's own tenant).
    """
    routes, probes = list(routes), []
    for route in routes:
        records = owner.records.get(route.resource, {})
        idents = owner.ids.get(route.resource, [])[:per_resource] if route.takes_id else [""]
        for ident in idents if route.takes_id or route.method == "GET" else []:
            write = route.method != "GET"
            changes = write and route.method != "DELETE"
            body = change_payload(route, records.get(ident, {}), owner, document) if changes else None
            statuses = (refused | WRITE_REFUSALS if write else refused) if route.takes_id else frozenset()
            for party in parties:
                if route.surface in party.clients:
                    probes.append(Probe(party, route, owner, ident, statuses, body=_frozen(body)))
    return probes


def _frozen(body: Mapping[str, Any] | None) -> tuple[tuple[str, Any], ...] | None:
    return None if body is None else tuple(body.items())


def named_records(probes: Iterable[Probe]) -> set[tuple[str, str]]:
    """The owner's records the probes name, as (resource, id); ids it does not hold (drawn, malformed) left out."""
    return {
        (probe.route.resource, probe.ident)
        for probe in probes
        if probe.ident in probe.owner.ids.get(probe.route.resource, ())
    }


def owner_reads(
    routes: Iterable[Route], named: Iterable[tuple[str, str]], party: Party
) -> dict[tuple[Route, str], Reading]:
    """The owner's own reading of each named record and of each id-less route, sent before the probes (and after).

    Each record is read through every GET route of its resource: by id (the answer), or in a list (listed or not).
    """
    named = set(named)
    requests: dict[tuple[Route, str], None] = {}
    for route in routes:
        if route.method == "GET" and route.surface in party.clients:
            idents = [ident for resource, ident in named if resource == route.resource]
            requests.update(
                dict.fromkeys((route, ident) for ident in idents) if route.takes_id else {(route, ""): None}
            )
    with ThreadPoolExecutor(WORKERS) as pool:
        answers = pool.map(lambda key: send(party.clients[key[0].surface], *key), requests)
    readings: dict[tuple[Route, str], Reading] = {}
    for (route, ident), response in zip(requests, answers, strict=True):
        readings[route, ident] = (response.status_code, _payload(response))
        if not route.takes_id:
            for listed in (i for resource, i in named if resource == route.resource):
                readings[route, listed] = (response.status_code, listed in response.text)
    return readings


def _payload(response: httpx.Response) -> Any:
    if "json" not in response.headers.get("content-type", ""):
        return None  # a page or an image: its status tells whether the record is still there
    try:
        return json_body(response)
    except TargetAnswerError:
        return None


def changed_records(
    before: Mapping[tuple[Route, str], Reading],
    after: Mapping[tuple[Route, str], Reading],
    probes: Iterable[Probe],
    owner: str,
) -> list[str]:
    """What the owner reads differently after the attempts: a record gone or come, or a field a write carried.

    Other fields are left alone: a timestamp the product moves on every read is no change an attempt made.
    """
    written = _written(probes)
    lines = []
    for (route, ident), (status, payload) in before.items():
        now_status, now_payload = after.get((route, ident), (0, None))
        if status != now_status:
            change = f"HTTP {status} before, {now_status} after"
        elif isinstance(payload, bool) and payload != now_payload:
            change = "listed before, not after" if payload else "not listed before, listed after"
        elif fields := _drifted(payload, now_payload, written.get(ident, set())):
            was, now = _leaves(payload), _leaves(now_payload)
            change = "; ".join(
                f"{name} {json.dumps(was[name])} before, {json.dumps(now.get(name))} after" for name in fields
            )
        else:
            continue
        record = f"{route.resource} {ident}" if ident else route.resource
        lines.append(f"tenant {owner}'s {record} read through {route}: {change}")
    return lines


def _written(probes: Iterable[Probe]) -> dict[str, set[str]]:
    """The fields the probes' writes carried, by record id."""
    written: dict[str, set[str]] = {}
    for probe in probes:
        written.setdefault(probe.ident, set()).update(name for name, _ in probe.body or ())
    return written


def _drifted(before: Any, after: Any, fields: Iterable[str]) -> list[str]:
    before, after = _leaves(before), _leaves(after)
    return sorted(name for name in fields if name in before and before[name] != after.get(name))


def _leaves(payload: Any) -> dict[str, Any]:
    """A JSON object's fields, those of objects inside it (an envelope) too."""
    if not isinstance(payload, dict):
        return {}
    inner = (_leaves(value) for value in payload.values() if isinstance(value, dict))
    return {**{name: value for found in inner for name, value in found.items()}, **payload}


def put_back(
    probes: Sequence[Probe],
    before: Mapping[tuple[Route, str], Reading],
    after: Mapping[tuple[Route, str], Reading],
    party: Party,
) -> None:
    """Undo, through the owner, what refused API writes changed: each field they carried written back as it was read."""
    written, done = _written(probes), set()
    for probe in probes:
        if probe.body is None or probe.route.method not in ("PATCH", "PUT") or probe.route.surface not in party.clients:
            continue
        for (route, ident), (_, payload) in before.items():
            fields = _drifted(payload, after.get((route, ident), (0, None))[1], written.get(ident, set()))
            if ident == probe.ident and fields and (probe.route, ident) not in done:
                original = {name: value for name, value in _leaves(payload).items() if name in dict(probe.body)}
                send(party.clients[probe.route.surface], probe.route, ident, party.form, body=original)
                done.add((probe.route, ident))
