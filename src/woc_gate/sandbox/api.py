"""The runtime API stand-in (NestJS with direct SQL): login, tracking policy and tracking; records in api_records."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from pymysql.cursors import Cursor
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from woc_gate.sandbox import api_adhoc, api_screenshots, openapi_doc
from woc_gate.sandbox.api_base import (
    ApiError,
    ApiServices,
    api_error_response,
    authenticated,
    found,
    json_body,
    services,
)
from woc_gate.sandbox.api_records import RESOURCES, TIME_ENTRIES, resource_routes
from woc_gate.sandbox.auth import Caller, check_login, issue_token
from woc_gate.sandbox.context import SandboxContext
from woc_gate.sandbox.layout import OPENAPI_PATH
from woc_gate.sandbox.policy import read_policy
from woc_gate.sandbox.sql import Sql, fetch_rows, jsonable, new_id, utc_now
from woc_gate.sandbox.storage import open_storage
from woc_gate.sandbox.variants import omitted_defaults

# The legacy-table fault's write: the pre-prefix `users` table still gets touched on every login.
LEGACY_LOGIN_WRITE = (
    "INSERT INTO users (id, email, lastLoginAt) VALUES (%s, %s, %s)"
    " ON DUPLICATE KEY UPDATE lastLoginAt = VALUES(lastLoginAt)"
)


def create_api_app(ctx: SandboxContext) -> Starlette:
    """The runtime API as an ASGI app, serving the given sandbox."""
    api = ApiServices(ctx, Sql(ctx.db), open_storage(ctx))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        api.sql.close()

    routes = [
        Route("/health", health, methods=["GET"]),
        Route(OPENAPI_PATH, openapi_doc.openapi_json, methods=["GET"]),
        Route("/auth/login", login, methods=["POST"]),
        Route("/tracking/policy", tracking_policy, methods=["GET"]),
        Route("/tracking/start", start_tracking, methods=["POST"]),
        Route("/tracking/stop", stop_tracking, methods=["POST"]),
        *api_screenshots.ROUTES,
        *api_adhoc.ROUTES,
        *(route for resource in RESOURCES for route in resource_routes(resource)),
    ]
    if ctx.has("public-screenshots"):
        routes.append(api_screenshots.PUBLIC_OBJECT_ROUTE)
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={ApiError: api_error_response, HTTPException: http_error_response},
    )
    app.state.services = api
    return app


async def http_error_response(request: Request, error: Exception) -> JSONResponse:
    """Starlette's own errors (unknown route, wrong method, bad form) in the NestJS shape."""
    assert isinstance(error, HTTPException)
    return await api_error_response(request, ApiError(error.status_code, error.detail))


async def health(request: Request) -> JSONResponse:
    """GET /health: 200 when the database answers."""
    await services(request).sql.one("SELECT 1 AS ok")
    return JSONResponse({"status": "ok"})


async def login(request: Request) -> JSONResponse:
    """POST /auth/login: a bearer token for valid credentials of an active user; 401 otherwise."""
    api = services(request)
    body = await json_body(request)
    email, password = body.get("email"), body.get("password")
    if not isinstance(email, str) or not isinstance(password, str):
        raise ApiError(400, "email and password are required strings")
    caller = await check_login(api.sql, email, password)
    if caller is None:
        raise ApiError(401, "Invalid credentials")
    if api.ctx.has("legacy-table"):
        await api.sql.execute(LEGACY_LOGIN_WRITE, caller.userId, caller.email, utc_now())
    user = {"id": caller.userId, "organizationId": caller.organizationId, "email": caller.email, "role": caller.role}
    return JSONResponse({"accessToken": issue_token(api.ctx.jwt_secret, caller), "user": user})


async def tracking_policy(request: Request) -> JSONResponse:
    """GET /tracking/policy: the organization's TrackingPolicy, wrapped in the configured envelope."""
    caller = authenticated(request)
    api = services(request)
    policy = found(await read_policy(api.sql, api.ctx.policy_schema, caller.organizationId), "Tracking policy")
    if api.ctx.has("policy-field-renamed"):
        policy["screenshotInterval"] = policy.pop("screenshotIntervalMinutes")
    return JSONResponse(envelop(api.ctx.policy_envelope, omitted_defaults(api.ctx, policy)))


def envelop(dotted_key: str, payload: Any) -> Any:
    """The payload wrapped under a dotted key (``data.policy`` → ``{"data": {"policy": …}}``); "" leaves it bare."""
    for key in reversed([part for part in dotted_key.split(".") if part]):
        payload = {key: payload}
    return payload


async def start_tracking(request: Request) -> JSONResponse:
    """POST /tracking/start: open a DESKTOP time entry for the caller, closing the one running before."""
    caller = authenticated(request)
    api = services(request)
    body = await json_body(request) if await request.body() else {}
    project_id = body.get("projectId")
    if project_id is not None:
        if not isinstance(project_id, str):
            raise ApiError(400, "projectId must be a string")
        found(
            await api.sql.one(
                "SELECT id FROM woc_projects WHERE id = %s AND organizationId = %s",
                project_id,
                caller.organizationId,
            ),
            "Project",
        )
    entry = await api.sql.run(lambda cursor: _open_entry(cursor, caller, project_id))
    return JSONResponse(jsonable(entry), status_code=201)


async def stop_tracking(request: Request) -> JSONResponse:
    """POST /tracking/stop: close the caller's running time entry and return it; 404 when none runs."""
    caller = authenticated(request)
    api = services(request)
    keep_open = api.ctx.has("tracking-stop-lost")
    entry = found(
        await api.sql.run(lambda cursor: _close_entry(cursor, caller, keep_open)),
        "Running time entry",
    )
    return JSONResponse(jsonable(entry))


def _running_entry(cursor: Cursor, caller: Caller) -> dict[str, Any] | None:
    rows = fetch_rows(
        cursor,
        f"{TIME_ENTRIES.select} WHERE t.organizationId = %s AND t.userId = %s AND t.endedAt IS NULL"
        " ORDER BY t.startedAt DESC LIMIT 1 FOR UPDATE",
        (caller.organizationId, caller.userId),
    )
    return rows[0] if rows else None


def _open_entry(cursor: Cursor, caller: Caller, project_id: str | None) -> dict[str, Any]:
    now = utc_now()
    cursor.execute(
        "UPDATE woc_time_entries SET endedAt = %s WHERE organizationId = %s AND userId = %s AND endedAt IS NULL",
        (now, caller.organizationId, caller.userId),
    )
    entry_id = new_id()
    cursor.execute(
        "INSERT INTO woc_time_entries (id, organizationId, userId, projectId, startedAt, source)"
        " VALUES (%s, %s, %s, %s, %s, 'DESKTOP')",
        (entry_id, caller.organizationId, caller.userId, project_id, now),
    )
    return fetch_rows(cursor, f"{TIME_ENTRIES.select} WHERE t.id = %s", (entry_id,))[0]


def _close_entry(cursor: Cursor, caller: Caller, keep_open: bool) -> dict[str, Any] | None:
    entry = _running_entry(cursor, caller)
    if entry is None:
        return None
    entry["endedAt"] = utc_now()
    if not keep_open:
        cursor.execute("UPDATE woc_time_entries SET endedAt = %s WHERE id = %s", (entry["endedAt"], entry["id"]))
    return entry
