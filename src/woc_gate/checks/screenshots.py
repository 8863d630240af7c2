"""Screenshots as the runtime API gives them: uploaded as the desktop client does, read by id and listed, and
the same screenshot on every surface that shows it (the API, its database row, its stored object, its admin page).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from ..config import Settings
from ..sources.prisma import Model
from ..target.clients import ApiSession, WebSession, request
from ..target.storage import stored_object
from . import CheckFailure
from .contracts import ContractViolation, json_payload, matches_shared_type, preview_url_on_api_base
from .images import Picture, capture, image_sources, picture
from .records import covering, db_views, shown_fields

UPLOAD_ANSWER, DB_ROW, STORED_OBJECT, ADMIN_PAGE = (
    "the upload answer",
    "the database row",
    "the stored object",
    "the admin page",
)


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
        response = send_capture(api, entry["id"], capture("image/png"), "image/png")
    finally:
        api.call("POST", "tracking_stop", json={})
    event = json_payload(response, envelope=envelopes["screenshot"], what=f"POST {api.path('screenshots')}")
    note("screenshot", str(event.get("id")))
    return event


def send_capture(
    api: ApiSession, entry_id: str, image: bytes, media_type: str, captured_at: dt.datetime | None = None
) -> httpx.Response:
    """``POST screenshots`` as the desktop client does: the image as ``file``, ``capturedAt`` (now unless given),
    ``timeEntryId``."""
    extension = media_type.rpartition("/")[2]
    captured = (captured_at or dt.datetime.now(dt.UTC)).isoformat(timespec="milliseconds")
    return api.call(
        "POST",
        "screenshots",
        files={"file": (f"capture.{extension}", image, media_type)},
        data={"capturedAt": captured, "timeEntryId": entry_id},
    )


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


def every_surface(
    event: Mapping[str, Any], api: ApiSession, web: WebSession, connection, model: Model, settings: Settings
) -> tuple[dict[str, dict[str, Any]], list[Picture]]:
    """An uploaded screenshot on each surface that shows it, as views, and the images those surfaces serve.

    The API's answers (upload, by id, listed), the database row, the stored object's size (when the gate can
    read storage) and the image its admin page shows; the preview's image joins the pictures only.
    """
    __tracebackhide__ = True
    shot_id = str(event["id"])
    by_id = screenshot_by_id(api, shot_id)
    every_listed = screenshot_list(api)
    listed = next((item for item in every_listed if str(item.get("id")) == shot_id), None)
    if listed is None:
        raise ContractViolation(
            f"the uploaded screenshot {shot_id} is not listed by GET {api.path('screenshots')}",
            "the screenshot among the listed ones",
            "not listed",
        )
    fields = set(event) | set(by_id) | set(listed)
    views = {
        UPLOAD_ANSWER: dict(event),
        f"GET {settings.endpoints['screenshot']}": dict(by_id),
        f"GET {settings.endpoints['screenshots']}": covering(listed, shown_fields(every_listed)),
        f"{DB_ROW} ({model.table})": db_views(connection, model, [shot_id], fields).get(shot_id, {"id": None}),
    }
    preview_path = api.path("screenshot_preview", id=shot_id)
    preview = request(api.client, "GET", preview_path, setting=api.setting)
    pictures = [_served(preview, f"GET {settings.endpoints['screenshot_preview']}")]
    kept = stored_object(settings, str(event.get("objectKey")))
    if kept is not None:
        pictures.append(_image(picture(kept[0], kept[1], STORED_OBJECT), f"{STORED_OBJECT} {event.get('objectKey')}"))
        views[STORED_OBJECT] = pictures[-1].size
    if shown := admin_page_image(web, settings, shot_id):
        pictures.append(shown)
        views[ADMIN_PAGE] = shown.size
    return views, pictures


def admin_page_image(web: WebSession, settings: Settings, shot_id: str) -> Picture | None:
    """The image a screenshot's admin page shows: one whose src names the screenshot, else the largest (a logo
    is smaller). None when its HTML holds none (a page that draws it in the browser: the smoke test's to see)."""
    __tracebackhide__ = True
    path = settings.endpoints["admin_screenshot"].format(id=shot_id)
    page = request(web.client, "GET", path, setting="NEXTAUTH_URL")
    if page.status_code != 200:
        raise ContractViolation(
            f"the admin page {path} of screenshot {shot_id} does not open", "HTTP 200", f"HTTP {page.status_code}"
        )
    shown = []
    for source in sorted(image_sources(page.text), key=lambda source: shot_id not in source):
        if urlsplit(source).netloc and not source.startswith(str(settings.web_url)):
            continue  # the admin's session stays on the web app
        image = request(web.client, "GET", source, setting="NEXTAUTH_URL")
        found = picture(image.content, image.headers.get("content-type"), f"{ADMIN_PAGE} image {source}")
        if found is not None and shot_id in source:
            return found
        shown += [found] if found is not None else []
    return max(shown, key=lambda found: found.width * found.height, default=None)


def _served(response, where: str) -> Picture:
    __tracebackhide__ = True
    return _image(
        picture(response.content, response.headers.get("content-type"), where), f"{where} (HTTP {response.status_code})"
    )


def _image(shown: Picture | None, where: str) -> Picture:
    __tracebackhide__ = True
    if shown is None:
        raise ContractViolation(f"{where} is not an image", "the screenshot's image", "bytes that are no image")
    return shown
