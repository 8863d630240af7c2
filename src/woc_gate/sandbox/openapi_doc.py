"""The runtime API's OpenAPI document, as @nestjs/swagger would publish it from the shared DTOs."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from woc_gate.sandbox.api_base import services
from woc_gate.sandbox.api_screenshots import ACCEPTED_FORMATS
from woc_gate.sandbox.context import SandboxContext


def document(ctx: SandboxContext) -> dict[str, Any]:
    """OpenAPI 3.1 for the policy and screenshot operations, built from the shared types' schemas."""
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
