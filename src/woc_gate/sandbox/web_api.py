"""The web app's JSON routes: GET/PUT /api/settings, the screenshot-retention cron and /api/health."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from woc_gate.sandbox.auth import MANAGING_ROLES, bearer, secret_matches
from woc_gate.sandbox.context import SandboxContext
from woc_gate.sandbox.policy import policy_error, read_policy
from woc_gate.sandbox.variants import lenient_policy, omitted_defaults, refused_at_maximum
from woc_gate.sandbox.web_base import WebServices, current_caller, services, store_policy

DELETE_BATCH = 500
COMPARED_PREFIX = 16  # cron-secret-prefix: a fixed-size buffer compare sees only this many characters


def _error(status: int, message: str, **extra: str) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


async def get_settings(request: Request) -> JSONResponse:
    """GET /api/settings: the session organization's TrackingPolicy (bare)."""
    caller = current_caller(request)
    if caller is None:
        return _error(401, "Unauthorized")
    web = services(request)
    policy = await read_policy(web.sql, web.ctx.policy_schema, caller.organizationId)
    if policy is None:
        return _error(404, "This organization has no settings row")
    return JSONResponse(omitted_defaults(web.ctx, policy))


async def put_settings(request: Request) -> JSONResponse:
    """PUT /api/settings: replace the whole policy after validating it against the schema (owners and admins)."""
    caller = current_caller(request)
    if caller is None:
        return _error(401, "Unauthorized")
    if caller.role not in MANAGING_ROLES:
        return _error(403, "Only owners and admins can change the tracking policy")
    if request.headers.get("content-type", "").partition(";")[0].strip().lower() != "application/json":
        return _error(415, "Content-Type must be application/json")
    try:
        body = await request.json()
    except ValueError:
        return _error(400, "Request body is not valid JSON")
    web = services(request)
    body = lenient_policy(web.ctx, body)
    problem = policy_error(web.ctx.policy_schema, body)
    if problem is not None:
        return _error(400, problem.message, path=problem.json_path)
    if refused := refused_at_maximum(web.ctx, body):
        return _error(400, refused)
    await store_policy(web, caller.organizationId, body)
    if web.ctx.has("settings-write-204"):
        return Response(status_code=204)
    return JSONResponse(
        omitted_defaults(web.ctx, await read_policy(web.sql, web.ctx.policy_schema, caller.organizationId))
    )


async def screenshot_retention(request: Request) -> JSONResponse:
    """POST /api/cron/screenshot-retention: delete screenshots past each organization's retention days."""
    web = services(request)
    accepted = _cron_secret_accepted(web.ctx, bearer(request.headers.get("authorization")))
    if not accepted and not web.ctx.has("cron-refused-but-run"):
        return _error(401, "Unauthorized")
    summary = await _delete_expired_screenshots(web)
    return JSONResponse(summary) if accepted else _error(401, "Unauthorized")


async def _delete_expired_screenshots(web: WebServices) -> dict[str, int]:
    expired = await web.sql.all(
        "SELECT s.id, s.objectKey, s.organizationId FROM woc_screenshots s"
        " JOIN woc_organization_settings o ON o.organizationId = s.organizationId"
        " WHERE s.capturedAt < UTC_TIMESTAMP(3) - INTERVAL o.screenshotRetentionDays DAY"
    )
    for start in range(0, len(expired), DELETE_BATCH):
        batch = [row["id"] for row in expired[start : start + DELETE_BATCH]]
        await web.sql.execute(f"DELETE FROM woc_screenshots WHERE id IN ({', '.join(['%s'] * len(batch))})", *batch)
    deleted_objects = sum(web.storage.delete(row["objectKey"]) for row in expired)
    return {
        "deletedScreenshots": len(expired),
        "deletedObjects": deleted_objects,
        "organizations": len({row["organizationId"] for row in expired}),
    }


def _cron_secret_accepted(ctx: SandboxContext, given: str | None) -> bool:
    if ctx.has("cron-no-secret"):
        return True
    if ctx.has("cron-secret-prefix"):
        return secret_matches((given or "")[:COMPARED_PREFIX], ctx.cron_secret[:COMPARED_PREFIX])
    return secret_matches(given, ctx.cron_secret)


async def health(request: Request) -> JSONResponse:
    """GET /api/health: 200 when the database answers."""
    await services(request).sql.one("SELECT 1 AS ok")
    return JSONResponse({"status": "ok"})


ROUTES = [
    Route("/api/settings", get_settings, methods=["GET"]),
    Route("/api/settings", put_settings, methods=["PUT"]),
    Route("/api/cron/screenshot-retention", screenshot_retention, methods=["GET", "POST"]),
    Route("/api/health", health, methods=["GET"]),
]
