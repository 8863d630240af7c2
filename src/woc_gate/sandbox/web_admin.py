"""The admin pages: dashboard, users, projects, screenshots, the tracking-policy form, adhoc requests, invites."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pymysql.cursors import Cursor
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from woc_gate.sandbox.auth import MANAGING_ROLES, Caller, new_link_token
from woc_gate.sandbox.emails import adhoc_decision_email, invite_email
from woc_gate.sandbox.policy import (
    Policy,
    field_label,
    policy_error,
    policy_properties,
    policy_required,
    read_policy,
)
from woc_gate.sandbox.sql import Row, fetch_rows, new_id, utc_now
from woc_gate.sandbox.storage import PRIVATE_IMAGE_HEADERS
from woc_gate.sandbox.web_base import (
    DECIDING_ROLES,
    WebError,
    checked_form,
    page,
    redirect,
    require_role,
    services,
    signed_in,
    store_policy,
)

INVITE_LIFETIME = timedelta(days=7)
INVITABLE_ROLES = ("ADMIN", "MANAGER", "MEMBER")
DECISIONS = {"approve": "APPROVED", "reject": "REJECTED"}
_USER_SELECT = (
    "SELECT u.id, u.organizationId, u.email, u.name, u.status, r.`key` AS role"
    " FROM woc_users u JOIN woc_roles r ON r.id = u.roleId"
)


def _found(row: Any, what: str) -> Any:
    if row is None:
        raise WebError(404, "Not found", f"{what} does not exist in your organization.")
    return row


async def dashboard(request: Request) -> Response:
    """GET /admin: the organization and its counts."""
    caller = signed_in(request)
    sql = services(request).sql
    organization = await sql.one("SELECT name, slug FROM woc_organizations WHERE id = %s", caller.organizationId)
    counts = await sql.one(
        "SELECT (SELECT COUNT(*) FROM woc_users WHERE organizationId = %s) AS users,"
        " (SELECT COUNT(*) FROM woc_projects WHERE organizationId = %s) AS projects,"
        " (SELECT COUNT(*) FROM woc_time_entries WHERE organizationId = %s) AS timeEntries,"
        " (SELECT COUNT(*) FROM woc_screenshots WHERE organizationId = %s) AS screenshots,"
        " (SELECT COUNT(*) FROM woc_adhoc_requests WHERE organizationId = %s AND status = 'PENDING')"
        " AS pendingAdhoc",
        *[caller.organizationId] * 5,
    )
    return page(request, "admin/dashboard.html", {"title": "Dashboard", "organization": organization, "counts": counts})


async def users(request: Request) -> Response:
    """GET /admin/users: the organization's users."""
    caller = signed_in(request)
    rows = await services(request).sql.all(
        f"{_USER_SELECT} WHERE u.organizationId = %s ORDER BY u.name, u.id", caller.organizationId
    )
    return page(request, "admin/users.html", {"title": "Users", "users": rows})


async def user_detail(request: Request) -> Response:
    """GET /admin/users/{id}: one user of the organization, with recent entries and screenshots."""
    caller = signed_in(request)
    web = services(request)
    user_id = request.path_params["id"]
    if web.ctx.has("tenant-leak-web-user"):
        user = await web.sql.one(f"{_USER_SELECT} WHERE u.id = %s", user_id)
    else:
        user = await web.sql.one(
            f"{_USER_SELECT} WHERE u.id = %s AND u.organizationId = %s", user_id, caller.organizationId
        )
    _found(user, "This user")
    entries = await web.sql.all(
        "SELECT startedAt, endedAt, source FROM woc_time_entries WHERE userId = %s ORDER BY startedAt DESC LIMIT 10",
        user["id"],
    )
    screenshots = await web.sql.all(
        "SELECT id, capturedAt FROM woc_screenshots WHERE userId = %s ORDER BY capturedAt DESC LIMIT 20", user["id"]
    )
    context = {"title": user["name"], "user": user, "entries": entries, "screenshots": screenshots}
    return page(request, "admin/user.html", context)


async def projects(request: Request) -> Response:
    """GET /admin/projects: the organization's projects."""
    caller = signed_in(request)
    rows = await services(request).sql.all(
        "SELECT id, name, archived, createdAt FROM woc_projects WHERE organizationId = %s ORDER BY name, id",
        caller.organizationId,
    )
    return page(request, "admin/projects.html", {"title": "Projects", "projects": rows})


async def _screenshot(request: Request, caller: Caller) -> Row:
    row = await services(request).sql.one(
        "SELECT s.id, s.userId, u.name AS userName, s.timeEntryId, s.capturedAt, s.objectKey, s.blurred,"
        " s.width, s.height FROM woc_screenshots s JOIN woc_users u ON u.id = s.userId"
        " WHERE s.id = %s AND s.organizationId = %s",
        request.path_params["id"],
        caller.organizationId,
    )
    return _found(row, "This screenshot")


async def screenshot_detail(request: Request) -> Response:
    """GET /admin/screenshots/{id}: a screenshot of the organization, with its image."""
    shot = await _screenshot(request, signed_in(request))
    return page(request, "admin/screenshot.html", {"title": "Screenshot", "shot": shot})


async def screenshot_image(request: Request) -> Response:
    """GET /admin/screenshots/{id}/image: the stored image, for the session's organization only."""
    shot = await _screenshot(request, signed_in(request))
    data = _found(services(request).storage.read(shot["objectKey"]), "This screenshot's image")
    return Response(data, media_type="image/png", headers=PRIVATE_IMAGE_HEADERS)


async def settings_form(request: Request) -> Response:
    """GET /admin/settings: the tracking-policy form, one labelled input per policy property."""
    caller = signed_in(request)
    web = services(request)
    policy = _found(await read_policy(web.sql, web.ctx.policy_schema, caller.organizationId), "A tracking policy")
    notice = "Settings saved." if request.query_params.get("saved") else None
    return _settings_page(request, policy, notice=notice)


async def save_settings(request: Request) -> Response:
    """POST /admin/settings: validate the form against the policy schema and store it (owners and admins)."""
    caller = signed_in(request)
    form = await checked_form(request)
    require_role(caller, MANAGING_ROLES, "change the tracking policy")
    web = services(request)
    policy = policy_from_form(web.ctx.policy_schema, form)
    error = policy_error(web.ctx.policy_schema, policy)
    if error is not None:
        return _settings_page(request, policy, error=f"{'.'.join(map(str, error.path))}: {error.message}", status=400)
    named = form.get("organizationId") if web.ctx.has("tenant-org-from-request") else None
    await store_policy(web, str(named or caller.organizationId), policy)
    return redirect("/admin/settings?saved=1")


def _settings_page(
    request: Request, policy: Policy, *, notice: str | None = None, error: str | None = None, status: int = 200
) -> Response:
    fields = policy_fields(services(request).ctx.policy_schema, policy)
    context = {"title": "Tracking policy", "fields": fields, "notice": notice, "error": error}
    return page(request, "admin/settings.html", context, status=status)


def policy_fields(schema: dict[str, Any], policy: Policy) -> list[dict[str, Any]]:
    """One form field per schema property: name, label, kind, bounds, hint and current value."""
    return [
        {
            "name": name,
            "label": field_label(name, prop),
            "kind": prop.get("type", "string"),
            "minimum": prop.get("minimum"),
            "maximum": prop.get("maximum"),
            "hint": prop.get("description"),
            "value": policy.get(name),
        }
        for name, prop in policy_properties(schema).items()
    ]


def policy_from_form(schema: dict[str, Any], form: FormData) -> Policy:
    """The policy a submitted form describes (unchecked boxes are false; unparsable numbers stay text)."""
    policy: Policy = {}
    required = policy_required(schema)
    for name, prop in policy_properties(schema).items():
        raw = form.get(name)
        if name not in required and prop.get("type") != "boolean" and not raw:
            continue
        if prop.get("type") == "boolean":
            policy[name] = raw in ("true", "on", "1")
        elif prop.get("type") in ("integer", "number"):
            policy[name] = _number(str(raw or ""), prop["type"])
        else:
            policy[name] = raw
    return policy


def _number(text: str, kind: str) -> int | float | str:
    try:
        return int(text) if kind == "integer" else float(text)
    except ValueError:
        return text


async def adhoc_requests(request: Request) -> Response:
    """GET /admin/adhoc: the organization's pending adhoc time requests, with Approve and Reject."""
    caller = signed_in(request)
    require_role(caller, DECIDING_ROLES, "decide adhoc requests")
    rows = await services(request).sql.all(
        "SELECT a.id, u.name AS userName, p.name AS projectName, a.startedAt, a.endedAt, a.reason"
        " FROM woc_adhoc_requests a JOIN woc_users u ON u.id = a.userId"
        " LEFT JOIN woc_projects p ON p.id = a.projectId"
        " WHERE a.organizationId = %s AND a.status = 'PENDING' ORDER BY a.createdAt, a.id",
        caller.organizationId,
    )
    decided = request.query_params.get("decided")
    notice = f"Request {decided}; the requester was notified." if decided in ("approved", "rejected") else None
    return page(request, "admin/adhoc.html", {"title": "Adhoc requests", "requests": rows, "notice": notice})


async def decide_adhoc(request: Request) -> Response:
    """POST /admin/adhoc/{id}/approve|reject: record the decision and email the requester."""
    caller = signed_in(request)
    await checked_form(request)
    require_role(caller, DECIDING_ROLES, "decide adhoc requests")
    web = services(request)
    status = DECISIONS[request.url.path.rpartition("/")[2]]
    request_id = request.path_params["id"]
    decided = await web.sql.run(lambda cursor: _decide(cursor, caller, request_id, status))
    _found(decided, "This pending request")
    await web.mailer.send(adhoc_decision_email(decided, status))
    return redirect(f"/admin/adhoc?decided={status.lower()}")


def _decide(cursor: Cursor, caller: Caller, request_id: str, status: str) -> Row | None:
    rows = fetch_rows(
        cursor,
        "SELECT a.id, a.userId, a.projectId, a.startedAt, a.endedAt, u.email, u.name"
        " FROM woc_adhoc_requests a JOIN woc_users u ON u.id = a.userId"
        " WHERE a.id = %s AND a.organizationId = %s AND a.status = 'PENDING' FOR UPDATE",
        (request_id, caller.organizationId),
    )
    if not rows:
        return None
    decided = rows[0]
    cursor.execute(
        "UPDATE woc_adhoc_requests SET status = %s, decidedById = %s, decidedAt = %s WHERE id = %s",
        (status, caller.userId, utc_now(), request_id),
    )
    if status == "APPROVED":
        cursor.execute(
            "INSERT INTO woc_time_entries (id, organizationId, userId, projectId, startedAt, endedAt, source)"
            " VALUES (%s, %s, %s, %s, %s, %s, 'ADHOC')",
            (
                new_id(),
                caller.organizationId,
                decided["userId"],
                decided["projectId"],
                decided["startedAt"],
                decided["endedAt"],
            ),
        )
    return decided


async def invites(request: Request) -> Response:
    """GET /admin/invites: the invite form and the pending invites."""
    caller = signed_in(request)
    require_role(caller, MANAGING_ROLES, "invite people")
    rows = await services(request).sql.all(
        "SELECT email, roleKey, expiresAt FROM woc_invites WHERE organizationId = %s AND acceptedAt IS NULL"
        " ORDER BY createdAt DESC, id",
        caller.organizationId,
    )
    notice = "Invite sent." if request.query_params.get("sent") else None
    context = {"title": "Invites", "invites": rows, "roles": INVITABLE_ROLES, "notice": notice}
    return page(request, "admin/invites.html", context)


async def send_invite(request: Request) -> Response:
    """POST /admin/invites: store a hashed invite token and email the invite link."""
    caller = signed_in(request)
    form = await checked_form(request)
    require_role(caller, MANAGING_ROLES, "invite people")
    web = services(request)
    email, role = str(form.get("email", "")).strip(), str(form.get("role", ""))
    if "@" not in email or role not in INVITABLE_ROLES:
        roles = ", ".join(INVITABLE_ROLES)
        raise WebError(400, "Invalid invite", f"Give an email address and one of the roles {roles}.")
    token, token_hash = new_link_token()
    await web.sql.execute(
        "INSERT INTO woc_invites (id, organizationId, email, roleKey, tokenHash, expiresAt)"
        " VALUES (%s, %s, %s, %s, %s, %s)",
        new_id(),
        caller.organizationId,
        email,
        role,
        token_hash,
        utc_now() + INVITE_LIFETIME,
    )
    organization = await web.sql.one("SELECT name FROM woc_organizations WHERE id = %s", caller.organizationId)
    if not web.ctx.has("invite-email-not-sent"):
        await web.mailer.send(invite_email(web.ctx.web_base_url, email, organization["name"], token))
    return redirect("/admin/invites?sent=1")


ROUTES = [
    Route("/admin", dashboard, methods=["GET"]),
    Route("/admin/users", users, methods=["GET"]),
    Route("/admin/users/{id}", user_detail, methods=["GET"]),
    Route("/admin/projects", projects, methods=["GET"]),
    Route("/admin/screenshots/{id}", screenshot_detail, methods=["GET"]),
    Route("/admin/screenshots/{id}/image", screenshot_image, methods=["GET"]),
    Route("/admin/settings", settings_form, methods=["GET"]),
    Route("/admin/settings", save_settings, methods=["POST"]),
    Route("/admin/adhoc", adhoc_requests, methods=["GET"]),
    *(Route(f"/admin/adhoc/{{id}}/{decision}", decide_adhoc, methods=["POST"]) for decision in DECISIONS),
    Route("/admin/invites", invites, methods=["GET"]),
    Route("/admin/invites", send_invite, methods=["POST"]),
]
