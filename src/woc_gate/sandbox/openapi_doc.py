"""The runtime API's OpenAPI document, as @nestjs/swagger would publish it from the shared DTOs."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from woc_gate.sandbox.api_base import services
from woc_gate.sandbox.api_records import NAME_LENGTH, RESOURCES, Resource
from woc_gate.sandbox.api_screenshots import ACCEPTED_FORMATS
from woc_gate.sandbox.context import SandboxContext


def document(ctx: SandboxContext) -> dict[str, Any]:
    """OpenAPI 3.1 for the policy, screenshot and record operations (the shared types' schemas where there are)."""
    schemas = _components(ctx.policy_schema) | _components(ctx.screenshot_schema)
    event = {"$ref": _component_ref(ctx.screenshot_schema)}
    return {
        "openapi": "3.1.0",
        "info": {"title": "WorkOnClock runtime API", "version": "1"},
        "paths": {
            "/tracking/policy": {"get": _answer("200", _enveloped({"$ref": _component_ref(ctx.policy_schema)}, ctx))},
            "/screenshots": {
                "get": _answer("200", {"type": "array", "items": event}),
                "post": {"requestBody": _upload_body(), **_answer("201", event)},
            },
            "/screenshots/{id}": {"get": _answer("200", event)},
            **{path: item for resource in RESOURCES for path, item in _record_paths(resource).items()},
        },
        "components": {"schemas": schemas},
    }


async def openapi_json(request: Request) -> JSONResponse:
    """GET /openapi.json: the document (public, as Swagger's is)."""
    return JSONResponse(document(services(request).ctx))


def _components(schema: dict[str, Any]) -> dict[str, Any]:
    # ts-json-schema-generator's "#/definitions/X" become OpenAPI's "#/components/schemas/X"
    text = json.dumps(schema.get("definitions", {})).replace('"#/definitions/', '"#/components/schemas/')
    return json.loads(text)


def _component_ref(schema: dict[str, Any]) -> str:
    return schema["$ref"].replace("#/definitions/", "#/components/schemas/")


def _enveloped(schema: dict[str, Any], ctx: SandboxContext) -> dict[str, Any]:
    for key in reversed([key for key in ctx.policy_envelope.split(".") if key]):
        schema = {"type": "object", "required": [key], "properties": {key: schema}}
    return schema


def _upload_body() -> dict[str, Any]:
    """The desktop's multipart upload, with the image types it accepts (as @ApiConsumes and @ApiBody give it)."""
    fields = {
        "file": {"type": "string", "format": "binary"},
        "capturedAt": {"type": "string", "format": "date-time"},
        "timeEntryId": {"type": "string"},
    }
    multipart = {
        "schema": {"type": "object", "required": list(fields), "properties": fields},
        "encoding": {"file": {"contentType": ", ".join(ACCEPTED_FORMATS.values())}},
    }
    return {"required": True, "content": {"multipart/form-data": multipart}}


def _answer(status: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"responses": {status: {"description": "OK", "content": {"application/json": {"schema": schema}}}}}


def _record_paths(resource: Resource) -> dict[str, Any]:
    """The list (its filters as query parameters), the read by id and the PATCH (its body's schema) of a record."""
    record = {"type": "object", "required": ["id", "organizationId"]}
    listing = _answer("200", {"type": "array", "items": record})
    listing["parameters"] = [
        {"name": name, "in": "query", "required": False, "schema": {"type": kind}}
        for name, kind in resource.filters.items()
    ]
    change = {
        "type": "object",
        "additionalProperties": False,
        "minProperties": 1,
        "properties": {name: _property(kind) for name, kind in resource.writable.items()},
    }
    update = _answer("200", record)
    update["requestBody"] = {"required": True, "content": {"application/json": {"schema": change}}}
    by_id = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
    return {
        f"/{resource.path}": {"get": listing},
        f"/{resource.path}/{{id}}": {"parameters": [by_id], "get": _answer("200", record), "patch": update},
    }


def _property(kind: type) -> dict[str, Any]:
    return {"type": "boolean"} if kind is bool else {"type": "string", "minLength": 1, "maxLength": NAME_LENGTH}
