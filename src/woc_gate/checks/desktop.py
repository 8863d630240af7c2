"""The desktop client's runtime sequence against ``WOC_API_URL``, and checks of what it left behind.

The sequence is the desktop's own: fetch the policy, start tracking, upload a capture (multipart:
``file``, ``capturedAt``, ``timeEntryId``) when the policy asks for screenshots, stop tracking.
The checks then look at the effects: the entry closed, the screenshot visible to the tenant's admin.
Both states of the policy's switches, for every image type, are ``policy_switches``'.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from ..errors import TargetAnswerError
from ..target.boundary import json_body
from ..target.clients import ApiSession, request, unwrap
from . import CheckFailure
from .images import capture
from .policies import api_policy
from .screenshots import send_capture

CLOCK_SLACK_SECONDS = 5.0  # server and gate clocks, and rounding of stored instants
VISIBLE_WITHIN_SECONDS = 30.0


class DesktopFailure(CheckFailure):
    """The desktop client's runtime sequence, or what it left on the target, is wrong."""


@dataclass
class DesktopRun:
    """What one desktop sequence did: the policy, the answers of start, upload and stop, the image sent."""

    policy: dict[str, Any]
    started: httpx.Response
    upload: httpx.Response | None
    stopped: httpx.Response
    image: bytes
    wall_seconds: float
    uploaded_at: float  # time.monotonic() when the upload was answered
    upload_envelope: str = ""

    @property
    def entry_id(self) -> str | None:
        """The id of the time entry the sequence started."""
        return _json(self.started).get("id")

    @property
    def screenshot(self) -> dict[str, Any]:
        """The ScreenshotEvent the upload answered (empty when there was none)."""
        return screenshot_answered(self.upload, self.upload_envelope)


def screenshot_answered(upload: httpx.Response | None, envelope: str) -> dict[str, Any]:
    """The ScreenshotEvent an upload answered (empty when it stored none)."""
    if upload is None or upload.status_code >= 300:
        return {}
    try:
        event = unwrap(_json(upload), envelope)
    except KeyError:  # no such envelope: screenshot_accepted reports the answer as it is
        return {}
    return event if isinstance(event, dict) else {}


def run_desktop_sequence(
    api: ApiSession, note: Callable[[str, str], None], captured_at: datetime | None = None
) -> DesktopRun:
    """Policy, start, upload (when screenshots are on, and also when off, to prove it is refused), stop.

    The capture is taken now unless ``captured_at`` says otherwise (a client uploading what it buffered
    offline). Tracking is stopped even when the upload fails; ``note(kind, id)`` lists each record as
    soon as it exists.
    """
    policy = api_policy(api)
    envelope = api.settings.envelopes["screenshot"]
    began = time.monotonic()
    started = api.call("POST", "tracking_start")
    image = capture("image/png")
    entry_id = _json(started).get("id", "")
    if entry_id:
        note("time entry", entry_id)
    try:
        upload = send_capture(api, entry_id, image, "image/png", captured_at)
        uploaded_at = time.monotonic()
        if shot_id := screenshot_answered(upload, envelope).get("id"):
            note("screenshot", shot_id)
    finally:
        stopped = api.call("POST", "tracking_stop")
    wall = time.monotonic() - began
    return DesktopRun(policy, started, upload, stopped, image, wall, uploaded_at, envelope)


def desktop_login_answers_user(api: ApiSession, tenant: str) -> None:
    """The desktop login answered a token and the user it belongs to, in the smoke tenant's organization."""
    __tracebackhide__ = True
    if not api.user.get("id") or not api.user.get("organizationId"):
        raise DesktopFailure(
            f"The desktop login of tenant {tenant} answered no user (POST {api.path('api_login')})",
            "a user with id and organizationId",
            api.user,
        )


def tracking_started(run: DesktopRun, path: str) -> None:
    """``POST tracking_start`` answered with a running time entry."""
    __tracebackhide__ = True
    body = _json(run.started)
    if run.started.status_code not in (200, 201) or not body.get("id") or body.get("endedAt"):
        raise DesktopFailure(
            f"Tracking start did not open a time entry (POST {path})",
            "HTTP 200/201 with a running time entry (an id, no endedAt)",
            f"HTTP {run.started.status_code}: {_excerpt(run.started)}",
        )


def tracking_stopped(run: DesktopRun, path: str) -> None:
    """``POST tracking_stop`` answered with the entry, ended."""
    __tracebackhide__ = True
    body = _json(run.stopped)
    if run.stopped.status_code not in (200, 201) or body.get("id") != run.entry_id or not body.get("endedAt"):
        raise DesktopFailure(
            f"Tracking stop did not answer with the ended entry {run.entry_id} (POST {path})",
            "HTTP 200 with the time entry and its endedAt",
            f"HTTP {run.stopped.status_code}: {_excerpt(run.stopped)}",
        )


def screenshot_accepted(run: DesktopRun, path: str) -> None:
    """The desktop upload was stored (2xx with a ScreenshotEvent id) when the policy asks for screenshots."""
    __tracebackhide__ = True
    if run.upload is None or run.upload.status_code not in (200, 201) or not run.screenshot.get("id"):
        status = run.upload.status_code if run.upload is not None else "no upload"
        raise DesktopFailure(
            f"The desktop screenshot upload was not stored (POST {path})",
            "HTTP 201 with a ScreenshotEvent",
            f"HTTP {status}: {_excerpt(run.upload) if run.upload is not None else ''}",
        )


def entry_closed_with_plausible_duration(api: ApiSession, run: DesktopRun, tenant: str) -> None:
    """The started entry, read back by id, has ended, after no longer than the sequence took."""
    __tracebackhide__ = True
    path = api.path("time_entry", id=run.entry_id or "")
    response = request(api.client, "GET", path)
    entry = unwrap(_json(response), api.settings.envelopes["time_entry"]) if response.status_code == 200 else {}
    if not entry.get("endedAt"):
        raise DesktopFailure(
            f"Tracking stop left the time entry {run.entry_id} of tenant {tenant} open (GET {path})",
            "endedAt set after POST tracking stop",
            f"HTTP {response.status_code}, endedAt {entry.get('endedAt')!r}",
        )
    duration = (_instant(entry["endedAt"]) - _instant(entry["startedAt"])).total_seconds()
    if not 0 <= duration <= run.wall_seconds + CLOCK_SLACK_SECONDS:
        raise DesktopFailure(
            f"The time entry {run.entry_id} of tenant {tenant} has an implausible duration",
            f"0 to {run.wall_seconds + CLOCK_SLACK_SECONDS:.1f} s (the sequence took {run.wall_seconds:.1f} s)",
            f"{duration:.1f} s ({entry['startedAt']} to {entry['endedAt']})",
        )


def visible_to_admin(admin: ApiSession, run: DesktopRun, tenant: str) -> float:
    """Seconds from the upload's answer until the tenant's admin sees the screenshot; fails after a bound."""
    __tracebackhide__ = True
    shot_id = run.screenshot["id"]
    path = admin.path("screenshot", id=shot_id)
    while True:
        response = request(admin.client, "GET", path)
        waited = time.monotonic() - run.uploaded_at
        if response.status_code == 200 and _json(response):
            return waited
        if waited > VISIBLE_WITHIN_SECONDS:
            raise DesktopFailure(
                f"The uploaded screenshot {shot_id} of tenant {tenant} is not visible to its admin (GET {path})",
                f"HTTP 200 within {VISIBLE_WITHIN_SECONDS:.0f} s",
                f"HTTP {response.status_code} after {waited:.1f} s",
            )
        time.sleep(0.2)


def _json(response: httpx.Response | None) -> Any:
    try:
        body = json_body(response) if response is not None else {}
    except TargetAnswerError:
        return {}
    return body if isinstance(body, dict) else {}


def _instant(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _excerpt(response: httpx.Response) -> str:
    return response.text[:200]
