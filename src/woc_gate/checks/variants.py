"""Invalid variants of a valid object, derived from its JSON schema: the inputs a contract must refuse."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any

from .contracts import definition_of

_WRONG_TYPE = {"boolean": "yes", "integer": "10", "number": "1.5", "string": 7}


def invalid_variants(schema: Mapping[str, Any], valid: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(label, object)`` pairs, each breaking one rule of the schema: range, type, required, extra field."""
    definition = definition_of(schema)
    properties = definition.get("properties", {})
    for name, prop in properties.items():
        yield from _out_of_range(name, prop, valid)
        yield from _wrong_type(name, prop, valid)
    for name in definition.get("required", []):
        broken = copy.deepcopy(dict(valid))
        broken.pop(name, None)
        yield f"{name} missing", broken
    if definition.get("additionalProperties") is False:
        yield "an extra field", {**copy.deepcopy(dict(valid)), "unexpectedField": True}


def _out_of_range(name: str, prop: Mapping[str, Any], valid: Mapping[str, Any]) -> Iterator[tuple[str, dict]]:
    if "minimum" in prop:
        yield f"{name} below its minimum {prop['minimum']}", {**valid, name: prop["minimum"] - 1}
    if "maximum" in prop:
        yield f"{name} above its maximum {prop['maximum']}", {**valid, name: prop["maximum"] + 1}
    if prop.get("type") == "integer":
        yield f"{name} not a whole number", {**valid, name: (prop.get("minimum", 1)) + 0.5}


def _wrong_type(name: str, prop: Mapping[str, Any], valid: Mapping[str, Any]) -> Iterator[tuple[str, dict]]:
    json_type = prop.get("type")
    if isinstance(json_type, str) and json_type in _WRONG_TYPE:
        yield f"{name} of the wrong type", {**valid, name: _WRONG_TYPE[json_type]}
