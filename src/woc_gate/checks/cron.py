"""Checks of the screenshot-retention cron: it runs only for ``Authorization: Bearer <CRON_SECRET>``.

Refusals are judged by their status and by their effects: before the first refused call an expired
screenshot (the canary) is planted in a smoke tenant through the desktop API, and after every refused
call it must still be there. Faults that prove them: ``cron-no-secret``, ``cron-secret-prefix``,
``cron-refused-but-run``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from ..config import Settings
from ..target import clients, db
from ..target.clients import ApiSession
from . import CheckFailure
from .desktop import run_desktop_sequence
from .policies import api_policy

REFUSALS = (401, 403)
RETENTION_FIELD = "screenshotRetentionDays"
CANARY_MARGIN = timedelta(days=2)  # past retention by more than any clock skew or day rounding
EXPIRED_SCREENSHOTS = (
    "SELECT COUNT(*) AS n FROM woc_screenshots s"
    " JOIN woc_organization_settings o ON o.organizationId = s.organizationId"
    " WHERE s.capturedAt < UTC_TIMESTAMP(3) - INTERVAL o.screenshotRetentionDays DAY"
)
SCREENSHOT_EXISTS = "SELECT COUNT(*) AS n FROM woc_screenshots WHERE id = %s"


@dataclass(frozen=True)
class BadCall:
    """A request to the retention endpoint that must be refused: its description and how to send it."""

    label: str
    method: str
    # from the secret, the request's headers and params; None when the secret admits no such variant
    arguments: Callable[[str], dict[str, Any] | None]


def _bearer(token: str | None) -> dict[str, Any] | None:
    if token is None:
        return None
    return {"headers": {"Authorization": f"Bearer {token}".strip()}}  # HTTP allows no trailing space


def _other_last(secret: str) -> str:
    return secret[:-1] + ("B" if secret.endswith("A") else "A")


# A deployment that compares with startsWith, case-insensitively or over the first N characters takes one of these.
NEAR_MISSES: tuple[tuple[str, Callable[[str], str | None]], ...] = (
    ("an empty Bearer token", lambda secret: ""),
    ("the secret's first half", lambda secret: secret[: len(secret) // 2]),
    ("the secret without its last character", lambda secret: secret[:-1]),
    ("the secret with its last character changed", _other_last),
    ("the secret with one character more", lambda secret: secret + "A"),
    ("the secret with its case changed", lambda secret: secret.swapcase() if secret.swapcase() != secret else None),
)
WRONG_FORMS: tuple[tuple[str, Callable[[str], dict[str, Any] | None]], ...] = (
    ("no Authorization", lambda secret: {}),
    ("a wrong secret", lambda secret: _bearer(secrets.token_urlsafe(32))),
    ("the secret without Bearer", lambda secret: {"headers": {"Authorization": secret}}),
    ("the secret in the query string", lambda secret: {"params": {"secret": secret, "token": secret}}),
    ("the secret as Basic credentials", lambda secret: {"headers": {"Authorization": f"Basic {secret}"}}),
)
BAD_CALLS = tuple(
    BadCall(f"{label} ({method})", method, arguments)
    for method in ("GET", "POST")
    for label, arguments in (
        *WRONG_FORMS,
        *((label, lambda secret, near=near: _bearer(near(secret))) for label, near in NEAR_MISSES),
    )
)


@dataclass(frozen=True)
class Canary:
    """A screenshot past its organization's retention, planted in a smoke tenant for the job to act on."""

    tenant: str
    screenshot_id: str
    captured_at: datetime


def retention_client(settings: Settings) -> httpx.Client:
    """A client of the web app with no credentials, to call the retention endpoint."""
    return clients.anonymous(settings, settings.web_url, "NEXTAUTH_URL")


def call_retention(client: httpx.Client, settings: Settings, call: BadCall) -> httpx.Response | None:
    """Send one request to the retention endpoint; None when the secret admits no such variant."""
    arguments = call.arguments(settings.var("CRON_SECRET") or "")
    if arguments is None:
        return None
    return clients.request(client, call.method, settings.endpoints["cron_retention"], **arguments)


def retention_refuses(response: httpx.Response | None, settings: Settings, call: BadCall) -> None:
    """The retention endpoint refused the request (401 or 403); a secret without letters has no case to change."""
    __tracebackhide__ = True
    if response is not None and response.status_code not in REFUSALS:
        raise CheckFailure(
            f"the retention endpoint {settings.endpoints['cron_retention']} did not refuse {call.label}",
            f"HTTP {' or '.join(map(str, REFUSALS))}",
            f"HTTP {response.status_code}",
        )


def run_retention(client: httpx.Client, settings: Settings) -> httpx.Response:
    """Run the retention job with ``Authorization: Bearer <CRON_SECRET>``; its answer."""
    path = settings.endpoints["cron_retention"]
    return clients.request(client, "GET", path, headers={"Authorization": f"Bearer {settings.var('CRON_SECRET')}"})


def retention_accepts_the_secret(response: httpx.Response, settings: Settings) -> None:
    """The retention endpoint ran the job for the right secret (HTTP 2xx)."""
    __tracebackhide__ = True
    if not response.is_success:
        raise CheckFailure(
            f"the retention endpoint {settings.endpoints['cron_retention']} refused the right CRON_SECRET",
            "HTTP 2xx",
            f"HTTP {response.status_code}",
        )


def plant_canary(api: ApiSession, tenant: str, note: Callable[[str, str], None]) -> Canary | None:
    """Upload, as the desktop does, a capture older than the tenant's retention; None when the product refuses it."""
    retention = api_policy(api).get(RETENTION_FIELD)
    if not isinstance(retention, int):
        return None
    captured_at = datetime.now(UTC) - timedelta(days=retention) - CANARY_MARGIN
    screenshot_id = run_desktop_sequence(api, note, captured_at=captured_at).screenshot.get("id")
    return Canary(tenant, screenshot_id, captured_at) if screenshot_id else None


def retention_state(connection, canary: Canary | None) -> dict[str, int]:
    """What the retention job would delete: how many screenshots are past retention; whether the canary is stored."""
    state = {"screenshots past retention": db.query(connection, EXPIRED_SCREENSHOTS)[0]["n"]}
    if canary is not None:
        state["canary stored"] = db.query(connection, SCREENSHOT_EXISTS, (canary.screenshot_id,))[0]["n"]
    return state


def nothing_deleted(
    before: dict[str, int], after: dict[str, int], canary: Canary | None, settings: Settings, call: BadCall
) -> None:
    """A refused request to the retention endpoint deleted none of the screenshots the job would delete."""
    __tracebackhide__ = True
    if any(after[key] < count for key, count in before.items()):
        planted = f" (canary: screenshot {canary.screenshot_id} of tenant {canary.tenant})" if canary else ""
        raise CheckFailure(
            f"a request with {call.label} to the retention endpoint {settings.endpoints['cron_retention']}"
            f" deleted screenshots past retention{planted}",
            before,
            after,
        )


def job_deleted_the_canary(after: dict[str, int], canary: Canary, settings: Settings) -> None:
    """The retention job, run with the right secret, deleted the planted canary."""
    __tracebackhide__ = True
    if after["canary stored"]:
        raise CheckFailure(
            f"the retention job ({settings.endpoints['cron_retention']}) kept screenshot {canary.screenshot_id} of "
            f"tenant {canary.tenant}, captured {canary.captured_at:%Y-%m-%d}, past the tenant's retention",
            "the screenshot deleted",
            "still stored",
        )
