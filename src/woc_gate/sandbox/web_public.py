"""The public flows: registration, email verification, password reset, invite acceptance, contact form."""

from __future__ import annotations

import re
import secrets
import string
from datetime import timedelta

import pymysql
from pymysql.cursors import Cursor
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from woc_gate.sandbox.auth import hash_token, new_link_token
from woc_gate.sandbox.emails import contact_email, password_reset_email, verification_email
from woc_gate.sandbox.passwords import hash_password
from woc_gate.sandbox.policy import insert_default_settings
from woc_gate.sandbox.sql import Row, fetch_rows, new_id, utc_now
from woc_gate.sandbox.web_base import WebError, checked_form, current_caller, page, redirect, services

RESET_LIFETIME = timedelta(hours=1)
MIN_PASSWORD_LENGTH = 8
ROLES = {"OWNER": "Owner", "ADMIN": "Administrator", "MANAGER": "Manager", "MEMBER": "Member"}
RESET_SENT = "If an account exists for that address, we have emailed a password reset link."


def _bad_link() -> WebError:
    return WebError(400, "Link not valid", "This link is invalid, expired or already used; ask for a new one.")


async def register_form(request: Request) -> Response:
    """GET /register: create an organization and its owner."""
    return page(request, "register.html", {"title": "Create your organization", "form": {}})


async def register(request: Request) -> Response:
    """POST /register: the organization, its four roles and settings, the owner, and a verification email."""
    web = services(request)
    form = await checked_form(request)
    fields = {name: str(form.get(name, "")).strip() for name in ("organization", "name", "email")}
    password = str(form.get("password", ""))
    problem = _registration_problem(fields, password)
    if problem is None:
        password_hash = await run_in_threadpool(hash_password, password)
        try:
            user_id = await web.sql.run(
                lambda cursor: _create_organization(cursor, web.ctx.policy_schema, fields, password_hash)
            )
        except pymysql.IntegrityError:
            problem = "An account with this email already exists."
    if problem is not None:
        context = {"title": "Create your organization", "form": fields, "error": problem}
        return page(request, "register.html", context, status=400)
    token = web.sessions.verification_token(user_id)
    await web.mailer.send(verification_email(web.ctx.web_base_url, fields["email"], token))
    return redirect("/login?notice=registered")


def _registration_problem(fields: dict[str, str], password: str) -> str | None:
    if not all(fields.values()):
        return "Fill in every field."
    if "@" not in fields["email"]:
        return "Give a valid email address."
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters."
    return None


def _create_organization(cursor: Cursor, schema: dict, fields: dict[str, str], password_hash: str) -> str:
    now = utc_now()
    organization_id = new_id()
    cursor.execute(
        "INSERT INTO woc_organizations (id, name, slug, status, createdAt, updatedAt)"
        " VALUES (%s, %s, %s, 'ACTIVE', %s, %s)",
        (organization_id, fields["organization"], _free_slug(cursor, fields["organization"]), now, now),
    )
    permissions = _usual_permissions(cursor)
    role_ids = {key: new_id() for key in ROLES}
    for key, name in ROLES.items():
        cursor.execute(
            "INSERT INTO woc_roles (id, organizationId, `key`, name) VALUES (%s, %s, %s, %s)",
            (role_ids[key], organization_id, key, name),
        )
        cursor.executemany(
            "INSERT INTO woc_role_permissions (roleId, permissionId) VALUES (%s, %s)",
            [(role_ids[key], permission_id) for permission_id in permissions.get(key, [])],
        )
    insert_default_settings(cursor, schema, organization_id)
    user_id = new_id()
    cursor.execute(
        "INSERT INTO woc_users (id, organizationId, email, name, passwordHash, status, roleId, createdAt)"
        " VALUES (%s, %s, %s, %s, %s, 'ACTIVE', %s, %s)",
        (user_id, organization_id, fields["email"], fields["name"], password_hash, role_ids["OWNER"], now),
    )
    return user_id


def _usual_permissions(cursor: Cursor) -> dict[str, list[str]]:
    """For each role key, the permissions most organizations' roles of that key hold."""
    rows = fetch_rows(
        cursor,
        "SELECT r.`key` AS roleKey, rp.permissionId, COUNT(*) AS holders,"
        " (SELECT COUNT(*) FROM woc_roles other WHERE other.`key` = r.`key`) AS roles"
        " FROM woc_role_permissions rp JOIN woc_roles r ON r.id = rp.roleId"
        " GROUP BY r.`key`, rp.permissionId ORDER BY rp.permissionId",
    )
    usual: dict[str, list[str]] = {}
    for row in rows:
        if 2 * row["holders"] > row["roles"]:
            usual.setdefault(row["roleKey"], []).append(row["permissionId"])
    return usual


def _free_slug(cursor: Cursor, name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "organization"
    while fetch_rows(cursor, "SELECT id FROM woc_organizations WHERE slug = %s", (slug,)):
        slug = f"{slug}-{''.join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(6))}"
    return slug


async def verify_email(request: Request) -> Response:
    """GET /verify-email?token=…: mark the address verified."""
    web = services(request)
    user_id = web.sessions.verified_user(request.query_params.get("token", ""))
    if user_id is None:
        raise _bad_link()
    await web.sql.execute(
        "UPDATE woc_users SET emailVerifiedAt = COALESCE(emailVerifiedAt, %s) WHERE id = %s", utc_now(), user_id
    )
    context = {
        "title": "Email verified",
        "message": "Your email address is verified.",
        "next_url": "/login",
        "next_label": "Sign in",
    }
    return page(request, "message.html", context)


async def forgot_password_form(request: Request) -> Response:
    """GET /forgot-password: ask for a reset link."""
    return page(request, "forgot_password.html", {"title": "Reset your password"})


async def forgot_password(request: Request) -> Response:
    """POST /forgot-password: a reset row and email for a known address; the same answer either way."""
    web = services(request)
    form = await checked_form(request)
    user = await web.sql.one(
        "SELECT id, email FROM woc_users WHERE email = %s AND status = 'ACTIVE'", str(form.get("email", "")).strip()
    )
    if user is not None:
        token, token_hash = new_link_token()
        await web.sql.execute(
            "INSERT INTO woc_password_resets (id, userId, tokenHash, expiresAt) VALUES (%s, %s, %s, %s)",
            new_id(),
            user["id"],
            token_hash,
            utc_now() + RESET_LIFETIME,
        )
        await web.mailer.send(password_reset_email(web.ctx.web_base_url, user["email"], token))
    return page(request, "message.html", {"title": "Check your email", "message": RESET_SENT})


async def reset_password_form(request: Request) -> Response:
    """GET /reset-password?token=…: choose a new password."""
    token = request.query_params.get("token", "")
    if await _open_reset(request, token) is None:
        raise _bad_link()
    return page(request, "reset_password.html", {"title": "Choose a new password", "token": token})


async def reset_password(request: Request) -> Response:
    """POST /reset-password: set the new password and use up the link."""
    web = services(request)
    form = await checked_form(request)
    token, password = str(form.get("token", "")), str(form.get("password", ""))
    if len(password) < MIN_PASSWORD_LENGTH:
        error = f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters."
        context = {"title": "Choose a new password", "token": token, "error": error}
        return page(request, "reset_password.html", context, status=400)
    password_hash = await run_in_threadpool(hash_password, password)
    if not await web.sql.run(lambda cursor: _use_reset(cursor, hash_token(token), password_hash)):
        raise _bad_link()
    return redirect("/login?notice=reset")


async def _open_reset(request: Request, token: str) -> Row | None:
    return await services(request).sql.one(
        "SELECT id FROM woc_password_resets WHERE tokenHash = %s AND usedAt IS NULL AND expiresAt > %s",
        hash_token(token),
        utc_now(),
    )


def _use_reset(cursor: Cursor, token_hash: str, password_hash: str) -> bool:
    rows = fetch_rows(
        cursor,
        "SELECT id, userId FROM woc_password_resets"
        " WHERE tokenHash = %s AND usedAt IS NULL AND expiresAt > %s FOR UPDATE",
        (token_hash, utc_now()),
    )
    if not rows:
        return False
    cursor.execute("UPDATE woc_users SET passwordHash = %s WHERE id = %s", (password_hash, rows[0]["userId"]))
    cursor.execute("UPDATE woc_password_resets SET usedAt = %s WHERE id = %s", (utc_now(), rows[0]["id"]))
    return True


async def accept_invite_form(request: Request) -> Response:
    """GET /invite/accept?token=…: join the inviting organization."""
    token = request.query_params.get("token", "")
    invite = await services(request).sql.one(
        "SELECT i.email, o.name AS organization FROM woc_invites i JOIN woc_organizations o ON o.id = i.organizationId"
        " WHERE i.tokenHash = %s AND i.acceptedAt IS NULL AND i.expiresAt > %s",
        hash_token(token),
        utc_now(),
    )
    if invite is None:
        raise _bad_link()
    return page(request, "accept_invite.html", {"title": "Accept invite", "token": token, **invite})


async def accept_invite(request: Request) -> Response:
    """POST /invite/accept: create the invited user with the invited role."""
    web = services(request)
    form = await checked_form(request)
    token, name, password = (str(form.get(field, "")) for field in ("token", "name", "password"))
    if not name.strip() or len(password) < MIN_PASSWORD_LENGTH:
        message = f"Give your name and a password of at least {MIN_PASSWORD_LENGTH} characters."
        raise WebError(400, "Invalid details", message)
    password_hash = await run_in_threadpool(hash_password, password)
    caller = current_caller(request) if web.ctx.has("tenant-invite-joins-session-org") else None
    into = caller.organizationId if caller else None  # the fault: the session's organization, not the invite's
    try:
        joined = await web.sql.run(lambda cursor: _join(cursor, hash_token(token), name.strip(), password_hash, into))
    except pymysql.IntegrityError:
        raise WebError(409, "Already a member", "An account with this email already exists; sign in instead.") from None
    if not joined:
        raise _bad_link()
    return redirect("/login?notice=joined")


def _join(cursor: Cursor, token_hash: str, name: str, password_hash: str, into: str | None = None) -> bool:
    rows = fetch_rows(
        cursor,
        "SELECT i.id, r.organizationId, i.email, r.id AS roleId FROM woc_invites i"
        " JOIN woc_roles r ON r.organizationId = COALESCE(%s, i.organizationId) AND r.`key` = i.roleKey"
        " WHERE i.tokenHash = %s AND i.acceptedAt IS NULL AND i.expiresAt > %s FOR UPDATE",
        (into, token_hash, utc_now()),
    )
    if not rows:
        return False
    invite, now = rows[0], utc_now()
    cursor.execute(
        "INSERT INTO woc_users"
        " (id, organizationId, email, name, passwordHash, status, roleId, emailVerifiedAt, createdAt)"
        " VALUES (%s, %s, %s, %s, %s, 'ACTIVE', %s, %s, %s)",
        (new_id(), invite["organizationId"], invite["email"], name, password_hash, invite["roleId"], now, now),
    )
    cursor.execute("UPDATE woc_invites SET acceptedAt = %s WHERE id = %s", (now, invite["id"]))
    return True


async def contact_form(request: Request) -> Response:
    """GET /contact: the public contact form."""
    return page(request, "contact.html", {"title": "Contact us", "form": {}})


async def contact(request: Request) -> Response:
    """POST /contact: store the message and notify CONTACT_TO."""
    web = services(request)
    form = await checked_form(request)
    fields = {name: str(form.get(name, "")).strip() for name in ("name", "email", "message")}
    if not all(fields.values()) or "@" not in fields["email"]:
        error = "Give your name, a valid email address and a message."
        context = {"title": "Contact us", "form": fields, "error": error}
        return page(request, "contact.html", context, status=400)
    await web.sql.execute(
        "INSERT INTO woc_contact_messages (id, name, email, message) VALUES (%s, %s, %s, %s)",
        new_id(),
        fields["name"],
        fields["email"],
        fields["message"],
    )
    await web.mailer.send(contact_email(web.ctx.contact_to, fields["name"], fields["email"], fields["message"]))
    return page(request, "message.html", {"title": "Message sent", "message": "Thanks, we will get back to you soon."})


ROUTES = [
    Route("/register", register_form, methods=["GET"]),
    Route("/register", register, methods=["POST"]),
    Route("/verify-email", verify_email, methods=["GET"]),
    Route("/forgot-password", forgot_password_form, methods=["GET"]),
    Route("/forgot-password", forgot_password, methods=["POST"]),
    Route("/reset-password", reset_password_form, methods=["GET"]),
    Route("/reset-password", reset_password, methods=["POST"]),
    Route("/invite/accept", accept_invite_form, methods=["GET"]),
    Route("/invite/accept", accept_invite, methods=["POST"]),
    Route("/contact", contact_form, methods=["GET"]),
    Route("/contact", contact, methods=["POST"]),
]
