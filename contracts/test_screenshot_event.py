"""Runbook §6: shared ScreenshotEvent matches NestJS screenshot responses."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image, ImageDraw

from woc_gate.checks import contracts
from woc_gate.config import SMOKE_TENANTS

pytestmark = [pytest.mark.gate("schema-contracts"), pytest.mark.contract]


def png_bytes() -> bytes:
    """A small screenshot-like PNG."""
    image = Image.new("RGB", (320, 200), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 300, 60), fill="navy")
    draw.text((30, 100), "woc-gate contract upload", fill="black")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def uploaded(api_as, woc_settings, record_write, tenant_lock):
    """A screenshot uploaded as tenant A's member into a fresh time entry, as the desktop client does."""
    api = api_as("a", "member")
    envelope = woc_settings.envelopes["screenshot"]
    with tenant_lock("a"):
        entry = contracts.json_payload(
            api.call("POST", "tracking_start", json={}),
            envelope=woc_settings.envelopes["time_entry"],
            what=f"POST {api.path('tracking_start')}",
        )
        record_write("a", "time entry", entry["id"])
        try:
            response = api.call(
                "POST",
                "screenshots",
                files={"file": ("screen.png", png_bytes(), "image/png")},
                data={"capturedAt": dt.datetime.now(dt.UTC).isoformat(), "timeEntryId": entry["id"]},
            )
        finally:
            api.call("POST", "tracking_stop", json={})
    event = contracts.json_payload(response, envelope=envelope, what=f"POST {api.path('screenshots')}")
    record_write("a", "screenshot", str(event.get("id")))
    return event


def check(event, schema, settings, names, what):
    contracts.matches_shared_type(event, schema, type_name=names["screenshot_type"], what=what)
    contracts.preview_url_on_api_base(event, settings.api_url, what=what)


@pytest.mark.writes
def test_upload_response_matches_shared_screenshot_event(uploaded, screenshot_schema, woc_settings, names):
    check(uploaded, screenshot_schema, woc_settings, names, "the upload response")


@pytest.mark.writes
def test_screenshot_by_id_matches_shared_screenshot_event(uploaded, api_as, screenshot_schema, woc_settings, names):
    api = api_as("a", "member")
    event = contracts.json_payload(
        api.call("GET", "screenshot", {"id": uploaded["id"]}),
        envelope=woc_settings.envelopes["screenshot"],
        what=f"GET {api.path('screenshot', id=uploaded['id'])}",
    )
    check(event, screenshot_schema, woc_settings, names, f"screenshot {uploaded['id']}")


@pytest.mark.parametrize("tenant", SMOKE_TENANTS)
def test_screenshot_list_items_match_shared_screenshot_event(tenant, api_as, screenshot_schema, woc_settings, names):
    api = api_as(tenant, "admin")
    items = contracts.json_payload(
        api.call("GET", "screenshots"), envelope=woc_settings.envelopes["list"], what=f"GET {api.path('screenshots')}"
    )
    assert items, f"tenant {tenant} has no screenshots to compare; seed at least one"
    for event in items:
        check(event, screenshot_schema, woc_settings, names, f"screenshot {event.get('id')} of tenant {tenant}")
