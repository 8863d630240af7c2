"""The runtime API's screenshot routes: desktop uploads, ScreenshotEvents and the private previews."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any, NamedTuple

from PIL import Image, ImageFilter, UnidentifiedImageError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from woc_gate.sandbox.api_base import ApiError, ApiServices, authenticated, found, services
from woc_gate.sandbox.auth import Caller
from woc_gate.sandbox.context import SandboxContext
from woc_gate.sandbox.policy import read_policy
from woc_gate.sandbox.sql import Row, Sql, iso, new_id
from woc_gate.sandbox.storage import PRIVATE_IMAGE_HEADERS
from woc_gate.sandbox.variants import adjusted_event

BLUR_RADIUS = 12
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
ACCEPTED_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}  # Pillow's name: media type


class StoredImage(NamedTuple):
    """The bytes to store for an upload and the image's size in pixels."""

    data: bytes
    width: int
    height: int


_SELECT = (
    "SELECT id, organizationId, userId, timeEntryId, capturedAt, objectKey, blurred, width, height FROM woc_screenshots"
)


def screenshot_event(ctx: SandboxContext, row: Row) -> dict[str, Any]:
    """A stored screenshot as the shared ScreenshotEvent."""
    event = {
        "id": row["id"],
        "organizationId": row["organizationId"],
        "userId": row["userId"],
        "timeEntryId": row["timeEntryId"],
        "capturedAt": iso(row["capturedAt"]),
        "objectKey": row["objectKey"],
        "previewUrl": f"{ctx.api_base_url.rstrip('/')}/{_preview_path(ctx, row)}",
        "blurred": row["blurred"],
        "width": row["width"],
        "height": row["height"],
    }
    if ctx.has("screenshot-event-bad-shape"):
        del event["previewUrl"]
        event["capturedAt"] = int(row["capturedAt"].replace(tzinfo=UTC).timestamp())
    return adjusted_event(ctx, event)


def _preview_path(ctx: SandboxContext, row: Row) -> str:
    if ctx.has("preview-url-not-served"):
        return f"uploads/{row['objectKey']}"
    return f"screenshots/{row['id']}/preview"


def listed_event(ctx: SandboxContext, row: Row) -> dict[str, Any]:
    """A screenshot as GET /screenshots lists it."""
    event = screenshot_event(ctx, row)
    if ctx.has("screenshot-list-dimensions-swapped"):
        event["width"], event["height"] = event["height"], event["width"]
    return event


async def find_screenshot(sql: Sql, screenshot_id: str, organization_id: str | None) -> Row | None:
    """A screenshot row by id, within one organization unless ``organization_id`` is None."""
    if organization_id is None:
        return await sql.one(f"{_SELECT} WHERE id = %s", screenshot_id)
    return await sql.one(f"{_SELECT} WHERE id = %s AND organizationId = %s", screenshot_id, organization_id)


async def list_screenshots(request: Request) -> JSONResponse:
    """GET /screenshots: the caller's organization's screenshots, newest first."""
    caller = authenticated(request)
    api = services(request)
    rows = await api.sql.all(f"{_SELECT} WHERE organizationId = %s ORDER BY capturedAt DESC, id", caller.organizationId)
    return JSONResponse([listed_event(api.ctx, row) for row in rows])


async def get_screenshot(request: Request) -> JSONResponse:
    """GET /screenshots/{id}: one ScreenshotEvent of the caller's organization."""
    caller = authenticated(request)
    api = services(request)
    row = found(await find_screenshot(api.sql, request.path_params["id"], caller.organizationId), "Screenshot")
    return JSONResponse(screenshot_event(api.ctx, row))


async def get_preview(request: Request) -> Response:
    """GET /screenshots/{id}/preview: the stored image, for the owner organization's token only."""
    api = services(request)
    caller = None if api.ctx.has("public-screenshots") else authenticated(request)
    screenshot_id = request.path_params["id"]
    cached = api.ctx.has("tenant-leak-preview-cache")  # the cache is keyed by screenshot id alone
    if cached and screenshot_id in api.previews:
        return Response(api.previews[screenshot_id], media_type="image/png", headers=PRIVATE_IMAGE_HEADERS)
    scope = None if caller is None or api.ctx.has("tenant-leak-screenshot-preview") else caller.organizationId
    row = found(await find_screenshot(api.sql, screenshot_id, scope), "Screenshot")
    data = found(api.storage.read(row["objectKey"]), "Screenshot object")
    if cached:
        api.previews[screenshot_id] = data
    return Response(data, media_type="image/png", headers=PRIVATE_IMAGE_HEADERS)


async def get_public_object(request: Request) -> Response:
    """GET /uploads/{key}: a raw screenshot object served statically (only with public-screenshots)."""
    key = request.path_params["key"]
    data = services(request).storage.read(key) if key.startswith("screenshots/") else None
    return Response(found(data, "Object"), media_type="image/png")


async def upload_screenshot(request: Request) -> JSONResponse:
    """POST /screenshots: store a desktop capture (blurred when the policy says so) and describe it."""
    caller = authenticated(request)
    api = services(request)
    data, captured_at, time_entry_id = await _read_upload(request)
    found(
        await api.sql.one(
            "SELECT id FROM woc_time_entries WHERE id = %s AND organizationId = %s AND userId = %s",
            time_entry_id,
            caller.organizationId,
            caller.userId,
        ),
        "Time entry",
    )
    policy = found(await read_policy(api.sql, api.ctx.policy_schema, caller.organizationId), "Tracking policy")
    image = await run_in_threadpool(opened_image, data)
    if not policy["screenshotsEnabled"] and not (api.ctx.has("screenshots-off-png-only") and image.format != "PNG"):
        raise ApiError(403, "Screenshots are disabled for this organization")
    blurred = bool(policy["blurScreenshots"])
    apply_blur = blurred and not api.ctx.has("upload-ignores-blur")
    if api.ctx.has("upload-ignores-blur-jpeg") and image.format == "JPEG":
        apply_blur = False  # the JPEG path re-encodes straight to PNG and skips the blur step
    stored = await run_in_threadpool(prepare_image, data, image, apply_blur)
    row = await _store(api, caller, time_entry_id, captured_at, stored, blurred)
    return JSONResponse(screenshot_event(api.ctx, row), status_code=201)


def opened_image(data: bytes) -> Image.Image:
    """The uploaded image, decoded; 400 unless it is in one of the accepted formats."""
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError):
        image = None
    if image is None or image.format not in ACCEPTED_FORMATS:
        raise ApiError(400, "file must be a PNG, JPEG or WebP image")
    return image


def prepare_image(data: bytes, image: Image.Image, blur: bool) -> StoredImage:
    """The PNG to store (the upload itself when it is a PNG left unblurred) and its size."""
    if image.format == "PNG" and not blur:
        return StoredImage(data, image.width, image.height)
    if blur:
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
        image = image.filter(ImageFilter.GaussianBlur(BLUR_RADIUS))
    output = io.BytesIO()
    image.save(output, format="PNG")
    return StoredImage(output.getvalue(), image.width, image.height)


async def _read_upload(request: Request) -> tuple[bytes, datetime, str]:
    async with request.form(max_files=1, max_fields=10) as form:
        upload, captured_at, time_entry_id = form.get("file"), form.get("capturedAt"), form.get("timeEntryId")
        if not isinstance(upload, UploadFile):
            raise ApiError(400, "file is required (multipart/form-data field 'file')")
        data = await upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ApiError(413, f"file is larger than {MAX_UPLOAD_BYTES} bytes")
    if not isinstance(time_entry_id, str) or not time_entry_id:
        raise ApiError(400, "timeEntryId is required")
    return data, _parse_instant(captured_at), time_entry_id


def _parse_instant(text: Any) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise ApiError(400, "capturedAt must be an ISO-8601 date-time, e.g. 2025-01-06T09:00:00.000Z") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


async def _store(
    api: ApiServices, caller: Caller, time_entry_id: str, captured_at: datetime, image: StoredImage, blurred: bool
) -> Row:
    screenshot_id = new_id()
    key = f"screenshots/{caller.organizationId}/{caller.userId}/{screenshot_id}.png"
    api.storage.write(key, image.data)
    try:
        await api.sql.execute(
            "INSERT INTO woc_screenshots (id, organizationId, userId, timeEntryId, capturedAt, objectKey,"
            " blurred, width, height, sizeBytes) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            screenshot_id,
            caller.organizationId,
            caller.userId,
            time_entry_id,
            captured_at,
            key,
            blurred,
            image.width,
            image.height,
            len(image.data),
        )
    except Exception:
        api.storage.delete(key)
        raise
    return await find_screenshot(api.sql, screenshot_id, caller.organizationId)


ROUTES = [
    Route("/screenshots", list_screenshots, methods=["GET"]),
    Route("/screenshots", upload_screenshot, methods=["POST"]),
    Route("/screenshots/{id}", get_screenshot, methods=["GET"]),
    Route("/screenshots/{id}/preview", get_preview, methods=["GET"]),
]
PUBLIC_OBJECT_ROUTE = Route("/uploads/{key:path}", get_public_object, methods=["GET"])
