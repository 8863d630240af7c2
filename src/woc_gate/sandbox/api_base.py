"""What every runtime-API route shares: its services, NestJS-shaped errors and the bearer-token caller."""

from __future__ import annotations

from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from woc_gate.sandbox.auth import Caller, read_token
from woc_gate.sandbox.context import SandboxContext
from woc_gate.sandbox.sql import Sql
from woc_gate.sandbox.storage import Storage


@dataclass(frozen=True)
class ApiServices:
    """The runtime API's context, database, screenshot store and its cache of previews (used by a fault)."""

    ctx: SandboxContext
    sql: Sql
    storage: Storage
    previews: dict[str, bytes] = field(default_factory=dict)


class ApiError(Exception):
    """An error answer of the runtime API, shaped like NestJS's HttpException body."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


async def api_error_response(request: Request, error: Exception) -> JSONResponse:
    """``{statusCode, message, error}``, as NestJS answers."""
    assert isinstance(error, ApiError)
    return JSONResponse(
        {"statusCode": error.status, "message": error.message, "error": HTTPStatus(error.status).phrase},
        status_code=error.status,
    )


def services(request: Request) -> ApiServices:
    """The services of the app serving this request."""
    return request.app.state.services


def authenticated(request: Request) -> Caller:
    """The caller of the request's bearer token; 401 without a valid one."""
    caller = read_token(services(request).ctx.jwt_secret, request.headers.get("authorization"))
    if caller is None:
        raise ApiError(401, "Unauthorized")
    return caller


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object body; 400 when it is not one."""
    try:
        body = await request.json()
    except ValueError:
        raise ApiError(400, "Request body must be a JSON object") from None
    if not isinstance(body, dict):
        raise ApiError(400, "Request body must be a JSON object")
    return body


def found(row: Any, what: str) -> Any:
    """The row, or a 404 naming what was not found."""
    if row is None:
        raise ApiError(404, f"{what} not found")
    return row
