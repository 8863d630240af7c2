"""Both states of each policy switch the desktop's uploads obey, in every image type the API accepts.

``screenshotsEnabled`` off: an upload of any type is refused and nothing is stored. ``blurScreenshots``
on: each stored image is blurred and says so; off: kept as sharp as uploaded. Blur is measured on the
stored image (its preview) against the uploaded checkerboard. The image types are the ones the OpenAPI
document lists for the upload's ``file`` part; without a document, PNG, JPEG and WebP are probed, and
one refused while screenshots are on counts as not accepted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from PIL import UnidentifiedImageError

from ..target.clients import ApiSession, request
from . import CheckFailure, listed
from .contracts import json_payload
from .desktop import screenshot_answered
from .images import capture, edge_energy, writable_formats
from .screenshots import screenshot_list, send_capture

PROBED_TYPES = ("image/png", "image/jpeg", "image/webp")
UPLOAD_PART = "file"  # the multipart field the desktop sends its capture in
BLURRED_AT_MOST = 0.35  # stored edge energy / uploaded edge energy, when the policy says blur
SHARP_AT_LEAST = 0.8  # the same ratio when it does not


class PolicySwitchFailure(CheckFailure):
    """An upload did not obey one state of a policy switch."""


@dataclass(frozen=True)
class UploadTypes:
    """The image types to upload, and whether the API documents them (then each must be accepted)."""

    media_types: tuple[str, ...]
    documented: bool


@dataclass(frozen=True)
class Upload:
    """One capture sent in one image type, into the time entry ``entry_id``, and the answer."""

    media_type: str
    image: bytes
    response: httpx.Response
    entry_id: str


def upload_types(document: Mapping[str, Any] | None, path: str) -> UploadTypes:
    """The image types the document accepts for ``POST path``'s file part (those Pillow can write), else the probe."""
    operation = (document or {}).get("paths", {}).get(path, {}).get("post", {})
    multipart = operation.get("requestBody", {}).get("content", {}).get("multipart/form-data", {})
    part = multipart.get("schema", {}).get("properties", {}).get(UPLOAD_PART, {})
    declared = multipart.get("encoding", {}).get(UPLOAD_PART, {}).get("contentType") or part.get("contentMediaType")
    listed_types = [kind.strip().lower() for kind in (declared or "").split(",")]
    writable = writable_formats()
    documented = tuple(kind for kind in listed_types if kind in writable)
    return UploadTypes(documented, True) if documented else UploadTypes(PROBED_TYPES, False)


def switch_reached_the_desktop(policy: Mapping[str, Any], fields: Mapping[str, Any], *, tenant: str, path: str) -> None:
    """The policy the desktop reads holds the switches just written through web settings."""
    __tracebackhide__ = True
    missed = {name: policy.get(name) for name, value in fields.items() if policy.get(name) != value}
    if missed:
        raise PolicySwitchFailure(
            f"the policy switch written through web settings for tenant {tenant} did not reach GET {path}",
            dict(fields),
            missed,
        )


def uploads_in_each_type(api: ApiSession, media_types: Iterable[str], note: Callable[[str, str], None]) -> list[Upload]:
    """One capture per image type into one fresh time entry, tracking stopped even on failure; records noted."""
    __tracebackhide__ = True
    envelope = api.settings.envelopes
    entry = json_payload(
        api.call("POST", "tracking_start", json={}), envelope=envelope["time_entry"], what="POST tracking start"
    )
    note("time entry", entry["id"])
    uploads = []
    try:
        for media_type in media_types:
            image = capture(media_type)
            response = send_capture(api, entry["id"], image, media_type)
            if shot_id := screenshot_answered(response, envelope["screenshot"]).get("id"):
                note("screenshot", shot_id)
            uploads.append(Upload(media_type, image, response, entry["id"]))
    finally:
        api.call("POST", "tracking_stop", json={})
    return uploads


def refused_in_every_type(api: ApiSession, uploads: list[Upload], *, tenant: str) -> None:
    """With screenshots off, every upload is refused (4xx) and the time entry holds no screenshot afterwards."""
    __tracebackhide__ = True
    problems = [f"{upload.media_type}: HTTP {upload.response.status_code}" for upload in uploads if _stored(upload)]
    entries = {upload.entry_id for upload in uploads}
    kept = [shot for shot in screenshot_list(api) if shot.get("timeEntryId") in entries]
    if kept:
        problems.append(f"{len(kept)} screenshot(s) stored in the entry anyway")
    if problems:
        raise PolicySwitchFailure(
            f"tenant {tenant} has screenshots off, but POST {api.path('screenshots')} took uploads: {listed(problems)}",
            f"a 4xx for every image type ({', '.join(upload.media_type for upload in uploads)}) and nothing stored",
            listed(problems),
        )


def stored_as_blur_says(api: ApiSession, uploads: list[Upload], types: UploadTypes, *, blur: bool, tenant: str) -> None:
    """Every accepted upload is stored blurred when ``blur`` (and says so), as sharp as uploaded when not."""
    __tracebackhide__ = True
    problems = []
    accepted = [upload for upload in uploads if _stored(upload)]
    if types.documented:
        problems += [
            f"{upload.media_type}: refused with HTTP {upload.response.status_code} though documented"
            for upload in uploads
            if not _stored(upload)
        ]
    if not accepted:
        problems.append(f"no image type accepted of {', '.join(types.media_types)}")
    problems += [problem for upload in accepted if (problem := _blur_problem(api, upload, blur))]
    if problems:
        state = "on" if blur else "off"
        raise PolicySwitchFailure(
            f"tenant {tenant} has blur {state}, but uploads were stored otherwise: {listed(problems)}",
            f"every accepted image type stored {_expected_look(blur)}, its blurred flag {str(blur).lower()}",
            listed(problems),
        )


def _blur_problem(api: ApiSession, upload: Upload, blur: bool) -> str:
    """What is wrong with one stored upload under the blur switch ("" when nothing is)."""
    shot = screenshot_answered(upload.response, api.settings.envelopes["screenshot"])
    path = api.path("screenshot_preview", id=str(shot.get("id", "")))
    stored = request(api.client, "GET", path, setting=api.setting)
    try:
        ratio = edge_energy(stored.content) / edge_energy(upload.image)
    except (UnidentifiedImageError, OSError, ZeroDivisionError):
        return f"{upload.media_type}: the stored image cannot be read back (GET {path}: HTTP {stored.status_code})"
    if (blur and ratio > BLURRED_AT_MOST) or (not blur and ratio < SHARP_AT_LEAST):
        return f"{upload.media_type}: stored with {ratio:.0%} of the upload's edge energy"
    if shot.get("blurred") not in (blur, int(blur)):
        return f"{upload.media_type}: stored as expected but its blurred flag says {shot.get('blurred')!r}"
    return ""


def _expected_look(blur: bool) -> str:
    if blur:
        return f"blurred (edge energy at most {BLURRED_AT_MOST:.0%} of the upload's)"
    return f"sharp (edge energy at least {SHARP_AT_LEAST:.0%} of the upload's)"


def _stored(upload: Upload) -> bool:
    return upload.response.status_code < 400
