"""What every web/admin page shares: services, rendering with a CSRF token, the session and error pages."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from http import HTTPStatus
from pathlib import Path
from typing import Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from woc_gate.sandbox.auth import CSRF_COOKIE, CSRF_FIELD, SESSION_COOKIE, SESSION_LIFETIME, Caller, WebSessions
from woc_gate.sandbox.context import SandboxContext
from woc_gate.sandbox.mailer import EmailNotSent, Mailer
from woc_gate.sandbox.policy import Policy, policy_properties, write_policy
from woc_gate.sandbox.sql import Sql
from woc_gate.sandbox.storage import Storage
from woc_gate.sandbox.variants import loses_write_on_second_tenant

log = logging.getLogger("woc_gate.sandbox.web")
TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
DECIDING_ROLES = frozenset({"OWNER", "ADMIN", "MANAGER"})
ORGANIZATION_HEADER = "x-organization-id"  # the organization switcher sets it; a fault trusts it
CSRF_REFUSAL = "This form has expired or did not come from this site; reload it and try again."


@dataclass(frozen=True)
class WebServices:
    """The web app's context, database, screenshot store, sessions and mailer."""

    ctx: SandboxContext
    sql: Sql
    storage: Storage
    sessions: WebSessions
    mailer: Mailer

    @property
    def secure_cookies(self) -> bool:
        """True when the app is served over TLS, so cookies get the Secure flag."""
        return self.ctx.web_base_url.startswith("https://")


class WebError(Exception):
    """A page-level refusal: rendered as an error page with this status."""

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.title = title
        self.message = message


class LoginRequired(Exception):
    """The page needs a signed-in user; the answer is a redirect to /login."""


def services(request: Request) -> WebServices:
    """The services of the app serving this request."""
    return request.app.state.services


def current_caller(request: Request) -> Caller | None:
    """The signed-in user of the request's session cookie, or None."""
    return services(request).sessions.read_session(request.cookies.get(SESSION_COOKIE))


def signed_in(request: Request) -> Caller:
    """The signed-in user; raises LoginRequired without a valid session."""
    caller = current_caller(request)
    if caller is None:
        raise LoginRequired
    switched = request.headers.get(ORGANIZATION_HEADER)
    if switched and services(request).ctx.has("tenant-org-from-request"):
        return replace(caller, organizationId=switched)  # the organization switcher's header, membership unchecked
    return caller


def require_role(caller: Caller, roles: frozenset[str], action: str) -> None:
    """403 unless the caller's role is one of ``roles``."""
    if caller.role not in roles:
        raise WebError(403, "Not allowed", f"Your role ({caller.role}) cannot {action}.")


def page(request: Request, template: str, context: dict[str, Any] | None = None, status: int = 200) -> Response:
    """Render a page with the signed-in user and a CSRF token (setting the CSRF cookie when new)."""
    web = services(request)
    token = web.sessions.csrf_token(request.cookies.get(CSRF_COOKIE))
    cookie = None
    if token is None:
        token, cookie = web.sessions.new_csrf()
    values = {"caller": current_caller(request), "csrf_field": CSRF_FIELD, "csrf_token": token, **(context or {})}
    response = TEMPLATES.TemplateResponse(request, template, values, status_code=status)
    if cookie is not None:
        response.set_cookie(CSRF_COOKIE, cookie, httponly=True, samesite="lax", secure=web.secure_cookies)
    return response


async def checked_form(request: Request) -> FormData:
    """The submitted form, after checking its CSRF token against the CSRF cookie (403 otherwise)."""
    async with request.form(max_files=0, max_fields=50) as form:
        submitted = form.get(CSRF_FIELD)
        if not services(request).sessions.csrf_valid(request.cookies.get(CSRF_COOKIE), submitted):
            raise WebError(403, "Invalid CSRF token", CSRF_REFUSAL)
        return form


def redirect(url: str) -> RedirectResponse:
    """A 303 redirect (the answer to a successful form POST)."""
    return RedirectResponse(url, status_code=303)


def signed_in_redirect(web: WebServices, caller: Caller, url: str) -> RedirectResponse:
    """A redirect that also sets the session cookie for the caller."""
    response = redirect(url)
    response.set_cookie(
        SESSION_COOKIE,
        web.sessions.session_value(caller),
        max_age=int(SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=web.secure_cookies,
    )
    return response


async def store_policy(web: WebServices, organization_id: str, policy: Policy) -> None:
    """Write a validated policy from the settings form or PUT /api/settings (an absent optional field: its default)."""
    properties = policy_properties(web.ctx.policy_schema)
    if web.ctx.has("settings-omitted-field-kept"):  # an update that leaves out what the body leaves out
        policy = {name: policy[name] for name in properties if name in policy}
    else:
        policy = {name: policy.get(name, prop.get("default")) for name, prop in properties.items()}
    if web.ctx.has("web-settings-not-persisted") or (
        web.ctx.has("settings-lost-on-b")
        and loses_write_on_second_tenant(web.ctx, await organization_slug(web.sql, organization_id))
    ):
        policy = {name: value for name, value in policy.items() if name != "blurScreenshots"}
    await write_policy(web.sql, organization_id, policy)


async def organization_slug(sql: Sql, organization_id: str) -> str:
    """The slug of an organization."""
    row = await sql.one("SELECT slug FROM woc_organizations WHERE id = %s", organization_id)
    return row["slug"] if row else ""


async def error_page(request: Request, error: Exception) -> Response:
    """A WebError as an HTML page with its status."""
    assert isinstance(error, WebError)
    return page(request, "error.html", {"title": error.title, "message": error.message}, status=error.status)


async def http_error_page(request: Request, error: Exception) -> Response:
    """Starlette's own errors (unknown page, wrong method, malformed form) as HTML pages."""
    assert isinstance(error, HTTPException)
    context = {"title": HTTPStatus(error.status_code).phrase, "message": error.detail}
    response = page(request, "error.html", context, status=error.status_code)
    response.headers.update(error.headers or {})
    return response


async def email_failure_page(request: Request, error: Exception) -> Response:
    """A flow whose email could not be sent fails loudly: logged, and a 500 page."""
    log.error("email not sent on %s %s: %s", request.method, request.url.path, error)
    return page(request, "error.html", {"title": "Email could not be sent", "message": str(error)}, status=500)


async def login_redirect(request: Request, error: Exception) -> Response:
    """Send an anonymous visitor of an admin page to the login form."""
    return RedirectResponse("/login", status_code=303)


EXCEPTION_HANDLERS = {
    WebError: error_page,
    HTTPException: http_error_page,
    EmailNotSent: email_failure_page,
    LoginRequired: login_redirect,
}
