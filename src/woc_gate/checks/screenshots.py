"""Screenshots as the runtime API gives them: uploaded as the desktop client does, read by id and listed."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Mapping
from typing import Any

from PIL import Image, ImageDraw

from ..target.clients import ApiSession
from . import CheckFailure
from .contracts import json_payload, matches_shared_type, preview_url_on_api_base


def png_bytes() -> bytes:
    """A small screenshot-like PNG."""
    image = Image.new("RGB", (320, 200), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 300, 60), fill="navy")
    draw.text((30, 100), "woc-gate contract upload", fill="black")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def upload_as_desktop(api: ApiSession, note: Callable[[str, str], None]) -> dict[str, Any]:
    """Upload a screenshot into a fresh time entry as the desktop client does; ``note(kind, id)`` lists each record."""
    __tracebackhide__ = True
    envelopes = api.settings.envelopes
    entry = json_payload(
        api.call("POST", "tracking_start", json={}),
        envelope=envelopes["time_entry"],
        what=f"POST {api.path('tracking_start')}",
    )
    note("time entry", entry["id"])
    try:
        response = api.call(
            "POST",
            "screenshots",
            files={"file": ("screen.png", png_bytes(), "image/png")},
            data={"capturedAt": dt.datetime.now(dt.UTC).isoformat(), "timeEntryId": entry["id"]},
        )
    finally:
        api.call("POST", "tracking_stop", json={})
    event = json_payload(response, envelope=envelopes["screenshot"], what=f"POST {api.path('screenshots')}")
    note("screenshot", str(event.get("id")))
    return event


def screenshot_by_id(api: ApiSession, screenshot_id: str) -> dict[str, Any]:
    """One screenshot as ``GET /screenshots/:id`` gives it."""
    __tracebackhide__ = True
    return json_payload(
        api.call("GET", "screenshot", {"id": screenshot_id}),
        envelope=api.settings.envelopes["screenshot"],
        what=f"GET {api.path('screenshot', id=screenshot_id)}",
    )


def screenshot_list(api: ApiSession) -> list[dict[str, Any]]:
    """The caller's screenshots as ``GET /screenshots`` lists them."""
    __tracebackhide__ = True
    return json_payload(
        api.call("GET", "screenshots"), envelope=api.settings.envelopes["list"], what=f"GET {api.path('screenshots')}"
    )


def matches_shared_screenshot_event(
    event: Mapping[str, Any], schema: Mapping[str, Any], *, type_name: str, api_url: str, what: str
) -> None:
    """A screenshot validates against the shared type and its previewUrl is built on ``API_BASE_URL``."""
    __tracebackhide__ = True
    matches_shared_type(event, schema, type_name=type_name, what=what)
    preview_url_on_api_base(event, api_url, what=what)


def listed_screenshots_match_shared_event(
    events: list[Mapping[str, Any]], schema: Mapping[str, Any], *, type_name: str, api_url: str, tenant: str
) -> None:
    """A tenant lists at least one screenshot, and every one it lists matches the shared type."""
    __tracebackhide__ = True
    if not events:
        raise CheckFailure(
            f"tenant {tenant} lists no screenshots to compare with the shared {type_name}",
            "at least one screenshot (seed one)",
            "an empty list",
        )
    for event in events:
        what = f"screenshot {event.get('id')} of tenant {tenant}"
        matches_shared_screenshot_event(event, schema, type_name=type_name, api_url=api_url, what=what)
