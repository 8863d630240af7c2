"""The Resend stand-in: the part of Resend's HTTP API WorkOnClock uses, keeping every email in memory.

With ``ctx.resend_read_key`` set (the gate's own full-access key), ``RESEND_API_KEY`` is a sending-only
key as production uses: reads with it get 401 ``restricted_api_key``. The ``sender-domain-unverified``
fault leaves the sender's domain and its DKIM record ``pending``.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from email.utils import parseaddr
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from woc_gate.sandbox.auth import bearer, secret_matches
from woc_gate.sandbox.context import SandboxContext

Handler = Callable[[Request], Awaitable[JSONResponse]]
REGION = "us-east-1"
DEFAULT_PAGE, MAX_PAGE = 20, 100
# Resend's test recipients (each takes a +label) and the last event each ends with
TEST_RECIPIENTS = {"bounced": "bounced", "complained": "complained", "suppressed": "suppressed"}
_REQUIRED_FIELDS = ("from", "to", "subject")


class Outbox:
    """The emails accepted so far, oldest first."""

    def __init__(self) -> None:
        self.emails: dict[str, dict[str, Any]] = {}

    def accept(self, body: dict[str, Any]) -> str:
        """Keep an email as Resend would describe it; its new id."""
        email_id = str(uuid.uuid4())
        self.emails[email_id] = {
            "object": "email",
            "id": email_id,
            "from": body["from"],
            "to": _addresses(body["to"]),
            "subject": body["subject"],
            "html": body.get("html"),
            "text": body.get("text"),
            "cc": _addresses(body.get("cc")),
            "bcc": _addresses(body.get("bcc")),
            "reply_to": _addresses(body.get("reply_to")),
            "created_at": _now(),
            "last_event": _last_event(_addresses(body["to"])),
            "scheduled_at": None,
        }
        return email_id


def create_mail_app(ctx: SandboxContext) -> Starlette:
    """The Resend stand-in as an ASGI app; it accepts only ``Authorization: Bearer <RESEND_API_KEY>``."""
    app = Starlette(
        routes=[
            Route("/emails", _keyed(send_email), methods=["POST"]),
            Route("/emails", _keyed(list_emails), methods=["GET"]),
            Route("/emails/{id}", _keyed(get_email), methods=["GET"]),
            Route("/domains", _keyed(list_domains), methods=["GET"]),
            Route("/domains/{id}", _keyed(get_domain), methods=["GET"]),
        ]
    )
    app.state.ctx = ctx
    app.state.outbox = Outbox()
    app.state.domain = _domain_record(ctx.email_from)
    return app


async def send_email(request: Request) -> JSONResponse:
    """POST /emails: accept an email; ``{id}``."""
    try:
        body = await request.json()
    except ValueError:
        return resend_error(422, "validation_error", "The request body is not valid JSON.")
    problem = _invalid_email(body)
    if problem is not None:
        return resend_error(422, *problem)
    return JSONResponse({"id": request.app.state.outbox.accept(body)})


async def get_email(request: Request) -> JSONResponse:
    """GET /emails/{id}: one accepted email."""
    email = request.app.state.outbox.emails.get(request.path_params["id"])
    if email is None:
        return resend_error(404, "not_found", "Email not found")
    return JSONResponse(email)


async def list_emails(request: Request) -> JSONResponse:
    """GET /emails: accepted emails, newest first, in pages (``limit`` 1-100, default 20; ``after``/``before`` ids)."""
    emails = list(reversed(request.app.state.outbox.emails.values()))
    try:
        limit = int(request.query_params.get("limit", DEFAULT_PAGE))
    except ValueError:
        limit = 0
    if not 1 <= limit <= MAX_PAGE:
        return resend_error(422, "validation_error", f"The `limit` parameter must be between 1 and {MAX_PAGE}.")
    ids = [email["id"] for email in emails]
    after, before = request.query_params.get("after"), request.query_params.get("before")
    if after in ids:
        emails = emails[ids.index(after) + 1 :]
    elif before in ids:
        emails = emails[: ids.index(before)][-limit:]
    return JSONResponse({"object": "list", "has_more": len(emails) > limit, "data": emails[:limit]})


async def list_domains(request: Request) -> JSONResponse:
    """GET /domains: the sender's domain, verified."""
    return JSONResponse({"object": "list", "has_more": False, "data": [_domain(request)]})


async def get_domain(request: Request) -> JSONResponse:
    """GET /domains/{id}: the sender's domain with its DNS records."""
    domain = _domain(request)
    if request.path_params["id"] != domain["id"]:
        return resend_error(404, "not_found", "Domain not found")
    return JSONResponse(
        {"object": "domain", **domain, "records": _dns_records(domain["name"], domain["status"] == "verified")}
    )


def resend_error(status: int, name: str, message: str) -> JSONResponse:
    """An error in Resend's shape: ``{statusCode, name, message}``."""
    return JSONResponse({"statusCode": status, "name": name, "message": message}, status_code=status)


def _keyed(handler: Handler) -> Handler:
    """The handler, behind Resend's API-key check."""

    async def checked(request: Request) -> JSONResponse:
        ctx = request.app.state.ctx
        given = bearer(request.headers.get("authorization"))
        if ctx.resend_read_key and secret_matches(given, ctx.resend_read_key):
            return await handler(request)
        refusal = _refusal(ctx.resend_api_key, request.headers.get("authorization"))
        if refusal is None and ctx.resend_read_key and handler is not send_email:
            refusal = resend_error(401, "restricted_api_key", "This API key is restricted to only send emails")
        return refusal if refusal is not None else await handler(request)

    return checked


def _refusal(api_key: str, authorization: str | None) -> JSONResponse | None:
    key = bearer(authorization)
    if key is None:
        return resend_error(
            401,
            "missing_api_key",
            "Missing API key in the authorization header. Include the following header in the request:"
            " Authorization: Bearer YOUR_API_KEY",
        )
    if not secret_matches(key, api_key):
        return resend_error(403, "invalid_api_key", "API key is invalid")
    return None


def _invalid_email(body: Any) -> tuple[str, str] | None:
    if not isinstance(body, dict):
        return "validation_error", "The request body must be a JSON object."
    for field in _REQUIRED_FIELDS:
        if not body.get(field):
            return "missing_required_field", f"Missing `{field}` field."
    if not (body.get("html") or body.get("text")):
        return "missing_required_field", "Missing `html` or `text` field."
    for address in _addresses(body["to"]) or [None]:
        if not isinstance(address, str) or "@" not in parseaddr(address)[1]:
            return "validation_error", (
                "Invalid `to` field. The email address needs to follow the `email@example.com`"
                " or `Name <email@example.com>` format."
            )
    return None


def _addresses(value: Any) -> list[Any] | None:
    if value is None:
        return None
    return value if isinstance(value, list) else [value]


def _last_event(recipients: list[Any]) -> str:
    for recipient in recipients:
        local, _, domain = parseaddr(str(recipient))[1].partition("@")
        if domain == "resend.dev" and local.partition("+")[0] in TEST_RECIPIENTS:
            return TEST_RECIPIENTS[local.partition("+")[0]]
    return "delivered"


def _domain_record(email_from: str) -> dict[str, Any]:
    name = parseaddr(email_from)[1].rpartition("@")[2] or "localhost"
    return {"id": str(uuid.uuid5(uuid.NAMESPACE_DNS, name)), "name": name, "region": REGION, "created_at": _now()}


def _domain(request: Request) -> dict[str, Any]:
    verified = not request.app.state.ctx.has("sender-domain-unverified")
    return {**request.app.state.domain, "status": "verified" if verified else "pending"}


def _dns_records(name: str, verified: bool) -> list[dict[str, Any]]:
    return [
        {
            "record": "SPF",
            "name": f"send.{name}",
            "type": "TXT",
            "value": "v=spf1 include:amazonses.com ~all",
            "ttl": "Auto",
            "status": "verified",
        },
        {
            "record": "DKIM",
            "name": f"resend._domainkey.{name}",
            "type": "TXT",
            "value": "p=MIGfMA0GCSqGSIb3DQEB",
            "ttl": "Auto",
            "status": "verified" if verified else "pending",
        },
    ]


def _now() -> str:
    return datetime.now(UTC).isoformat()
