"""Policies at and beyond a schema's edges, derived from the JSON schema alone (never from field names).

Valid edges: every numeric field at its exact minimum and maximum. Invalid variants: one step beyond
each bound, the near-miss values of other types for every field, each required field missing, and an
extra field where the type forbids one. Each comes with a label that names the field and the value.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from .contracts import definition_of, validator

Variant = tuple[str, dict[str, Any]]
_HALF, _AS_TEXT = object(), object()  # stand-ins for values that depend on the field's bounds and current value
_NEAR_MISSES: dict[str, tuple[Any, ...]] = {  # values of other types a client or a form may send instead
    "boolean": (0, 1, "true", None),
    "integer": (_HALF, _AS_TEXT, True, None),
    "number": (_AS_TEXT, True, None),
    "string": (7, True, None),
}


def edge_policies(schema: Mapping[str, Any], valid: Mapping[str, Any]) -> Iterator[Variant]:
    """``(label, policy)`` pairs: ``valid`` with one numeric field at its exact lowest or highest valid value."""
    for name, prop in _properties(schema).items():
        low, high = _bounds(prop)
        if low is not None:
            yield f"{name} = {_json(low[0])} (its minimum)", {**valid, name: low[0]}
        if high is not None:
            yield f"{name} = {_json(high[0])} (its maximum)", {**valid, name: high[0]}


def invalid_variants(schema: Mapping[str, Any], valid: Mapping[str, Any]) -> Iterator[Variant]:
    """``(label, policy)`` pairs, each breaking one rule of the schema: a bound, a type, a required field."""
    definition = definition_of(schema)
    for name, prop in _properties(schema).items():
        low, high = _bounds(prop)
        if low is not None:
            yield f"{name} = {_json(low[1])} (below its minimum {_json(low[0])})", {**valid, name: low[1]}
        if high is not None:
            yield f"{name} = {_json(high[1])} (above its maximum {_json(high[0])})", {**valid, name: high[1]}
        yield from _near_misses(name, prop, valid)
    for name in definition.get("required", []):
        yield f"{name} missing (required)", {key: value for key, value in valid.items() if key != name}
    if definition.get("additionalProperties") is False:
        yield "unexpectedField = true (not in the shared type)", {**valid, "unexpectedField": True}


def other_valid_value(prop: Mapping[str, Any], value: Any) -> Any:
    """A valid value of a field other than ``value``: a bound, the other boolean, another member; None without one."""
    low, high = _bounds(prop)
    candidates = [edge[0] for edge in (low, high) if edge is not None]
    candidates += [True, False] if "boolean" in _types(prop) else []
    candidates += list(prop.get("enum", []))
    check = validator(prop)
    return next((candidate for candidate in candidates if candidate != value and check.is_valid(candidate)), None)


def _properties(schema: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return dict(definition_of(schema).get("properties", {}))


def _bounds(prop: Mapping[str, Any]) -> tuple[tuple | None, tuple | None]:
    """``((lowest valid, one step below), (highest valid, one step above))``, each None when unbounded."""
    types = _types(prop)
    if not types & {"integer", "number"}:
        return None, None
    step = prop.get("multipleOf", 1 if "integer" in types else 0.001)
    low = high = None
    if "minimum" in prop:
        low = (prop["minimum"], prop["minimum"] - step)
    elif "exclusiveMinimum" in prop:
        low = (prop["exclusiveMinimum"] + step, prop["exclusiveMinimum"])
    if "maximum" in prop:
        high = (prop["maximum"], prop["maximum"] + step)
    elif "exclusiveMaximum" in prop:
        high = (prop["exclusiveMaximum"] - step, prop["exclusiveMaximum"])
    return low, high


def _near_misses(name: str, prop: Mapping[str, Any], valid: Mapping[str, Any]) -> Iterator[Variant]:
    check = validator(prop)
    expected = " or ".join(_ARTICLED.get(json_type, json_type) for json_type in sorted(_types(prop)))
    seen: list[Any] = []
    for json_type in sorted(_types(prop)):
        for value in _NEAR_MISSES.get(json_type, ()):
            value = _near_miss_value(value, prop, valid.get(name))
            if any(value == other and type(value) is type(other) for other in seen) or check.is_valid(value):
                continue
            seen.append(value)
            yield f"{name} = {_json(value)} ({_type_word(value)}, not {expected})", {**valid, name: value}


def _near_miss_value(value: Any, prop: Mapping[str, Any], current: Any) -> Any:
    """The concrete value of a near miss: a whole number and a half, or a valid number written as text."""
    low = prop.get("minimum", prop.get("exclusiveMinimum", 0))
    if value is _HALF:
        return low + 0.5 if isinstance(low, int) else 1.5
    if value is _AS_TEXT:
        return str(current if isinstance(current, (int, float)) and not isinstance(current, bool) else low)
    return value


def _types(prop: Mapping[str, Any]) -> set[str]:
    json_type = prop.get("type", [])
    return {json_type} if isinstance(json_type, str) else set(json_type)


_ARTICLED = {
    "boolean": "a boolean",
    "integer": "an integer",
    "number": "a number",
    "string": "a string",
    "null": "null",
}


def _type_word(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string"}.get(type(value), "a value")


def _json(value: Any) -> str:
    return json.dumps(value)
