"""What an OpenAPI document says a response looks like, compared with a shared type's shape."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..target.clients import ApiSession, request, unwrap
from .contracts import ContractViolation, definition_of, json_payload


def published_document(api: ApiSession, path: str) -> dict[str, Any]:
    """The OpenAPI document the runtime API publishes at ``path``."""
    __tracebackhide__ = True
    return json_payload(request(api.client, "GET", path, setting=api.setting), envelope="", what=f"GET {path}")


def documented_payload(document: Mapping[str, Any], path: str, envelope: str) -> dict[str, Any]:
    """The documented schema of the payload of ``GET path``, inside its configured envelope."""
    __tracebackhide__ = True
    documented = response_schema(document, path)
    for key in filter(None, envelope.split(".")):
        documented = unwrap(documented.get("properties", {}), key)
    return documented


def response_schema(document: Mapping[str, Any], path: str, *, method: str = "get") -> dict[str, Any]:
    """The JSON schema of the 200/201 response of one operation, ``$ref`` resolved."""
    __tracebackhide__ = True
    operation = document.get("paths", {}).get(path, {}).get(method)
    if operation is None:
        raise ContractViolation(
            f"the OpenAPI document does not describe {method.upper()} {path}",
            f"an operation {method.upper()} {path}",
            sorted(document.get("paths", {})),
        )
    responses = operation.get("responses", {})
    response = responses.get("200") or responses.get("201") or {}
    schema = response.get("content", {}).get("application/json", {}).get("schema")
    if schema is None:
        raise ContractViolation(
            f"the OpenAPI document gives no JSON response for {method.upper()} {path}",
            "content application/json schema",
            response,
        )
    return resolve(document, schema)


def resolve(document: Mapping[str, Any], schema: Mapping[str, Any]) -> dict[str, Any]:
    """A schema with its local ``#/components/...`` references replaced by what they point at."""
    if "$ref" in schema:
        target: Any = document
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return resolve(document, target)
    resolved = dict(schema)
    if "properties" in resolved:
        resolved["properties"] = {name: resolve(document, prop) for name, prop in resolved["properties"].items()}
    if "items" in resolved:
        resolved["items"] = resolve(document, resolved["items"])
    return resolved


def shape(schema: Mapping[str, Any]) -> dict[str, Any]:
    """The part of an object schema both sides must agree on: property types, formats, required names."""
    definition = definition_of(schema)
    properties = {
        name: {key: prop[key] for key in ("type", "format") if key in prop}
        for name, prop in definition.get("properties", {}).items()
    }
    return {"properties": properties, "required": sorted(definition.get("required", []))}


def documented_as_shared(
    documented: Mapping[str, Any], shared: Mapping[str, Any], *, what: str, type_name: str
) -> None:
    """The documented response has the shared type's properties, types, formats and required fields."""
    __tracebackhide__ = True
    documented_shape, shared_shape = shape(documented), shape(shared)
    if documented_shape != shared_shape:
        differences = _differences(documented_shape, shared_shape)
        raise ContractViolation(
            f"the OpenAPI document describes {what} differently from the shared {type_name}: {differences}",
            _differing_part(shared_shape, documented_shape),
            _differing_part(documented_shape, shared_shape),
        )


def _differing_part(shape: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    """The properties (and required list) of one shape that differ from the other's: what a failure shows."""
    names = set(shape["properties"]) | set(other["properties"])
    part: dict[str, Any] = {
        name: shape["properties"].get(name, "absent")
        for name in sorted(names)
        if shape["properties"].get(name) != other["properties"].get(name)
    }
    if shape["required"] != other["required"]:
        part["required"] = shape["required"]
    return part


def _differences(documented: dict[str, Any], shared: dict[str, Any]) -> str:
    parts = []
    for name in sorted(set(shared["properties"]) | set(documented["properties"])):
        ours, theirs = shared["properties"].get(name), documented["properties"].get(name)
        if theirs is None:
            parts.append(f"{name} undocumented")
        elif ours is None:
            parts.append(f"{name} not in the shared type")
        elif ours != theirs:
            parts.append(f"{name} documented as {theirs}, shared as {ours}")
    if documented["required"] != shared["required"]:
        parts.append(f"required {documented['required']} instead of {shared['required']}")
    return "; ".join(parts)
