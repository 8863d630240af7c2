"""The runtime API's adhoc time requests: a desktop user asks for time it did not track (decided in the web app)."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from woc_gate.sandbox.api_base import ApiError, authenticated, json_body, services
from woc_gate.sandbox.sql import new_id


async def request_adhoc_time(request: Request) -> JSONResponse:
    """POST /adhoc-requests: ``{startedAt, endedAt, reason}`` for the caller, pending a manager's decision."""
    caller = authenticated(request)
    body = await json_body(request)
    try:
        started, ended = (datetime.fromisoformat(str(body[key])) for key in ("startedAt", "endedAt"))
    except (KeyError, ValueError):
        raise ApiError(400, "startedAt and endedAt must be ISO 8601 date-times") from None
    reason = str(body.get("reason", "")).strip()
    if ended <= started or not reason:
        raise ApiError(400, "endedAt must follow startedAt, and a reason is required")
    request_id = new_id()
    await services(request).sql.execute(
        "INSERT INTO woc_adhoc_requests (id, organizationId, userId, startedAt, endedAt, reason)"
        " VALUES (%s, %s, %s, %s, %s, %s)",
        request_id,
        caller.organizationId,
        caller.userId,
        _utc(started),
        _utc(ended),
        reason,
    )
    return JSONResponse({"id": request_id, "status": "PENDING"}, status_code=201)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


ROUTES = [Route("/adhoc-requests", request_adhoc_time, methods=["POST"])]
