"""One record, every surface: a record as the API lists it, reads it by id and the database row holds it agree.

Each surface is a *view*: the fields it shows. Values are compared for what they mean, not how they
are written: instants as instants (``Z`` or ``+00:00``, a DATETIME in the row), booleans stored as 0/1
as booleans, numbers as numbers, links without their query string (two answers may sign one URL
differently), and a field a view leaves out, or gives as null, as its default (NULL for a nullable
column, else the Prisma ``@default`` or the shared type's ``default``).

The record's table is found by its id among the Prisma models (no table is named here); the columns
compared are those of the model's fields the API shows under the same name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from ..config import Settings
from ..sources.prisma import Datamodel, DefaultFunction, Model
from ..target import db
from ..target.clients import ApiSession, request
from ..target.routes import Route
from . import listed
from .contracts import ContractViolation, definition_of, json_payload

View = Mapping[str, Any]
ABSENT = "absent"
LINK_KEY = re.compile(r"(url|uri|href|link)$", re.IGNORECASE)
_KINDS = {"DateTime": "instant", "Boolean": "boolean", "Int": "number", "BigInt": "number", "Float": "number"}
_KINDS |= {"Decimal": "number"}


class RecordMismatch(ContractViolation):
    """One record reads differently on two surfaces."""


def covering(view: View, fields: Iterable[str]) -> dict[str, Any]:
    """A record as a surface that shows ``fields`` gives it: a field it leaves out counts as its default."""
    return {name: view.get(name) for name in fields}


def field_kinds(model: Model | None = None, schema: Mapping[str, Any] | None = None) -> dict[str, str]:
    """How to read each field (``instant``, ``boolean``, ``number``, ``link``), from Prisma's and the shared types."""
    kinds = {field.name: _KINDS[field.type] for field in (model.fields if model else ()) if field.type in _KINDS}
    for name, prop in definition_of(schema or {}).get("properties", {}).items():
        if prop.get("format") == "date-time":
            kinds[name] = "instant"
        elif prop.get("format") == "uri":
            kinds[name] = "link"
        elif prop.get("type") in ("boolean", "integer", "number"):
            kinds[name] = "boolean" if prop["type"] == "boolean" else "number"
    return kinds


def field_defaults(model: Model | None = None, schema: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The value a left-out field means: the shared type's ``default``, else the Prisma ``@default`` (not computed)."""
    defaults = {
        field.name: field.default
        for field in (model.fields if model else ())
        if field.has_default and not isinstance(field.default, DefaultFunction)
    }
    for name, prop in definition_of(schema or {}).get("properties", {}).items():
        if "default" in prop:
            defaults[name] = prop["default"]
    return defaults


def meaning(name: str, value: Any, kinds: Mapping[str, str], defaults: Mapping[str, Any]) -> str:
    """What a field's value means, as comparable text (``absent`` when left out without a default)."""
    if value is None:
        value = defaults.get(name)
    if value is None:
        return ABSENT
    kind = kinds.get(name) or ("link" if LINK_KEY.search(name) else "")
    if kind == "instant":
        return _instant(value)
    if kind == "boolean" and value in (0, 1):
        return json.dumps(bool(value))
    if kind == "number" and not isinstance(value, bool):
        return _number(value)
    if kind == "link" and isinstance(value, str):
        return urlunsplit(urlsplit(value)._replace(query="", fragment=""))
    return json.dumps(value, sort_keys=True, default=str)


def disagreements(views: Mapping[str, View], kinds: Mapping[str, str], defaults: Mapping[str, Any]) -> list[str]:
    """Each field the views give different meanings: ``width is 200 in A but 320 in B, C``."""
    found = []
    for name in sorted({name for view in views.values() for name in view}):
        by_meaning: dict[str, list[str]] = {}
        for surface, view in views.items():
            if name in view:
                by_meaning.setdefault(meaning(name, view[name], kinds, defaults), []).append(surface)
        if len(by_meaning) > 1:
            seen = [f"{shown} in {', '.join(where)}" for shown, where in by_meaning.items()]
            found.append(f"{name} is " + " but ".join(seen))
    return found


def same_on_every_surface(
    views_by_record: Mapping[str, Mapping[str, View]],
    kinds: Mapping[str, str],
    defaults: Mapping[str, Any],
    *,
    what: str,
) -> None:
    """Every record reads the same on every surface that shows it, field by field."""
    __tracebackhide__ = True
    found = {record: disagreements(views, kinds, defaults) for record, views in views_by_record.items()}
    problems = [f"record {record}: {problem}" for record, differing in found.items() for problem in differing]
    if problems:
        surfaces = sorted({surface for views in views_by_record.values() for surface in views})
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise RecordMismatch(
            f"{what} read differently on different surfaces: {problems[0]}{more}",
            f"every field the same on {', '.join(surfaces)}",
            f"{len(problems)} field(s) differ in {sum(map(bool, found.values()))} of {len(found)} record(s): "
            + listed(problems, 3),
        )


def list_and_read_paths(routes: Iterable[Route]) -> dict[str, tuple[str, str]]:
    """Each resource's API list path and read-by-id path (the list's path and ``/{id}``), when it has both."""
    routes = [route for route in routes if route.surface == "api" and route.method == "GET"]
    lists = {route.resource: route.path for route in routes if not route.takes_id}
    return {
        route.resource: (lists[route.resource], route.path)
        for route in routes
        if route.resource in lists and route.path == lists[route.resource].rstrip("/") + "/{id}"
    }


def envelope_of(settings: Settings, path: str) -> str:
    """The envelope configured for the endpoint at ``path`` (none when no endpoint has that path)."""
    names = [name for name, endpoint in settings.endpoints.items() if endpoint == path]
    return next((settings.envelopes[name] for name in names if name in settings.envelopes), "")


def api_views(api: ApiSession, list_path: str, read_path: str, *, envelope: str, sample: int) -> dict[str, dict]:
    """The first ``sample`` records of a list, each as listed and as read by id (``read_path`` with ``{id}``)."""
    __tracebackhide__ = True
    listed_records = _payload(api, list_path, api.settings.envelopes["list"])
    if not isinstance(listed_records, list) or not listed_records:
        raise RecordMismatch(f"GET {list_path} lists no records to compare", "a list of records", listed_records)
    reads = {}
    for item in listed_records[:sample]:
        record_id = str(item.get("id"))
        path = read_path.replace("{id}", quote(record_id, safe=""))
        response = request(api.client, "GET", path, setting=api.setting)
        if response.status_code == 404 and record_id not in _listed_ids(api, list_path):
            continue  # deleted since it was listed (by the retention job, say): nothing to compare
        reads[record_id] = (item, json_payload(response, envelope=envelope, what=f"GET {path}"))
    if not reads:
        raise RecordMismatch(f"every record GET {list_path} listed was gone when read by id", "records", "none left")
    list_fields, read_fields = shown_fields(listed_records), shown_fields(read for _, read in reads.values())
    return {
        record_id: {f"GET {list_path}": covering(item, list_fields), f"GET {read_path}": covering(read, read_fields)}
        for record_id, (item, read) in reads.items()
    }


def shown_fields(records: Iterable[View]) -> set[str]:
    """The fields a surface shows: those it gives for any of its records (a summary list may show fewer)."""
    return {name for record in records for name in record}


def with_db_views(connection, datamodel: Datamodel, views: dict[str, dict], *, what: str) -> Model:
    """Add each record's database row to its views (a missing row shows no id); the model whose table holds them."""
    __tracebackhide__ = True
    first = next(iter(next(iter(views.values())).values()))
    model = model_holding(connection, datamodel.models, first)
    if model is None:
        raise RecordMismatch(
            f"no table of the Prisma schema holds {what} {first.get('id')}", "a model whose table has this id", first
        )
    fields = {name for record in views.values() for view in record.values() for name in view}
    rows = db_views(connection, model, list(views), fields)
    for record_id, record in views.items():
        record[f"the database row ({model.table})"] = rows.get(record_id) or {"id": None}
    return model


def model_holding(connection, models: Iterable[Model], record: View) -> Model | None:
    """The model whose table holds the record's id, trying first the models with most of the record's fields."""
    record_id = record.get("id")
    if record_id is None:
        return None
    candidates = []
    for model in models:
        if len(model.primary_key) == 1:
            shared = len(set(record) & {field.name for field in model.fields if field.column})
            candidates.append((shared, model))
    for shared, model in sorted(candidates, key=lambda pair: -pair[0]):
        key = model.field(model.primary_key[0]).column
        sql = f"SELECT 1 AS found FROM `{model.table}` WHERE `{key}` = %s"
        if shared > 1 and db.query(connection, sql, (record_id,)):
            return model
    return None


def db_views(connection, model: Model, ids: list[Any], fields: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The rows of these ids, each as a view over the model's fields among ``fields`` (keyed by the id as text)."""
    key = model.field(model.primary_key[0])
    columns = [field for field in model.fields if field.column and field.name in set(fields) and field != key]
    selected = "".join(f", `{field.column}` AS `{field.name}`" for field in columns)
    placeholders = ", ".join(["%s"] * len(ids))
    where = f"`{key.column}` IN ({placeholders})"
    rows = db.query(
        connection, f"SELECT `{key.column}` AS `{key.name}`{selected} FROM `{model.table}` WHERE {where}", tuple(ids)
    )
    return {str(row[key.name]): row for row in rows}


def _payload(api: ApiSession, path: str, envelope: str) -> Any:
    __tracebackhide__ = True
    return json_payload(request(api.client, "GET", path, setting=api.setting), envelope=envelope, what=f"GET {path}")


def _listed_ids(api: ApiSession, list_path: str) -> set[str]:
    __tracebackhide__ = True
    return {str(item.get("id")) for item in _payload(api, list_path, api.settings.envelopes["list"])}


def _instant(value: Any) -> str:
    moment = value
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return json.dumps(value)
    if not isinstance(moment, datetime):
        return json.dumps(value)
    moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _number(value: Any) -> str:
    try:
        return format(Decimal(str(value)).normalize(), "f")
    except InvalidOperation:
        return json.dumps(value)
