"""Checks of the screenshot-retention cron: it runs only for ``Authorization: Bearer <CRON_SECRET>``."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from ..config import Settings
from ..target import clients, db
from . import CheckFailure

REFUSALS = (401, 403)
EXPIRED_SCREENSHOTS = (
    "SELECT COUNT(*) AS n FROM woc_screenshots s"
    " JOIN woc_organization_settings o ON o.organizationId = s.organizationId"
    " WHERE s.capturedAt < UTC_TIMESTAMP(3) - INTERVAL o.screenshotRetentionDays DAY"
)
ALL_SCREENSHOTS = "SELECT COUNT(*) AS n FROM woc_screenshots"


@dataclass(frozen=True)
class BadCall:
    """A request to the retention endpoint that must be refused: its description and how to send it."""

    label: str
    method: str
    arguments: Callable[[str], dict[str, Any]]  # from the secret, the request's headers and params


BAD_CALLS = tuple(
    BadCall(f"{label} ({method})", method, arguments)
    for method in ("GET", "POST")
    for label, arguments in (
        ("no Authorization", lambda secret: {}),
        ("a wrong secret", lambda secret: {"headers": {"Authorization": f"Bearer {secrets.token_urlsafe(32)}"}}),
        ("the secret without Bearer", lambda secret: {"headers": {"Authorization": secret}}),
        ("the secret in the query string", lambda secret: {"params": {"secret": secret, "token": secret}}),
        ("the secret as Basic credentials", lambda secret: {"headers": {"Authorization": f"Basic {secret}"}}),
    )
)


def retention_client(settings: Settings) -> httpx.Client:
    """A client of the web app with no credentials, to call the retention endpoint."""
    return clients.anonymous(settings, settings.web_url, "NEXTAUTH_URL")


def call_retention(client: httpx.Client, settings: Settings, call: BadCall) -> httpx.Response:
    """Send one request to the retention endpoint."""
    path = settings.endpoints["cron_retention"]
    return clients.request(client, call.method, path, **call.arguments(settings.var("CRON_SECRET") or ""))


def retention_refuses(response: httpx.Response, settings: Settings, call: BadCall) -> None:
    """The retention endpoint refused the request (401 or 403)."""
    __tracebackhide__ = True
    if response.status_code not in REFUSALS:
        raise CheckFailure(
            f"the retention endpoint {settings.endpoints['cron_retention']} did not refuse {call.label}",
            f"HTTP {' or '.join(map(str, REFUSALS))}",
            f"HTTP {response.status_code}",
        )


def retention_accepts_the_secret(client: httpx.Client, settings: Settings) -> httpx.Response:
    """The retention endpoint runs for ``Authorization: Bearer <CRON_SECRET>``; its answer."""
    __tracebackhide__ = True
    path = settings.endpoints["cron_retention"]
    headers = {"Authorization": f"Bearer {settings.var('CRON_SECRET')}"}
    response = clients.request(client, "GET", path, headers=headers)
    if not response.is_success:
        raise CheckFailure(
            f"the retention endpoint {path} refused the right CRON_SECRET", "HTTP 2xx", f"HTTP {response.status_code}"
        )
    return response


def screenshot_counts(connection) -> dict[str, int]:
    """How many screenshots there are, and how many are past their organization's retention."""
    return {
        "screenshots": db.query(connection, ALL_SCREENSHOTS)[0]["n"],
        "past retention": db.query(connection, EXPIRED_SCREENSHOTS)[0]["n"],
    }


def nothing_deleted(before: dict[str, int], after: dict[str, int], settings: Settings) -> None:
    """Refused requests to the retention endpoint deleted no screenshot."""
    __tracebackhide__ = True
    if after != before:
        raise CheckFailure(
            f"refused requests to the retention endpoint {settings.endpoints['cron_retention']} deleted screenshots",
            before,
            after,
        )
