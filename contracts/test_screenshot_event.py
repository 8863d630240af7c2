"""Runbook §6: shared ScreenshotEvent matches NestJS screenshot responses."""

from __future__ import annotations

import pytest

from woc_gate.checks import screenshots
from woc_gate.config import SMOKE_TENANTS

pytestmark = [pytest.mark.gate("schema-contracts"), pytest.mark.contract]


@pytest.mark.writes
def test_upload_response_matches_shared_screenshot_event(uploaded, screenshot_schema, woc_settings, names):
    screenshots.matches_shared_screenshot_event(
        uploaded,
        screenshot_schema,
        type_name=names["screenshot_type"],
        api_url=woc_settings.api_url,
        what="the upload response",
    )


@pytest.mark.writes
def test_screenshot_by_id_matches_shared_screenshot_event(uploaded, api_as, screenshot_schema, woc_settings, names):
    screenshots.matches_shared_screenshot_event(
        screenshots.screenshot_by_id(api_as("a", "member"), uploaded["id"]),
        screenshot_schema,
        type_name=names["screenshot_type"],
        api_url=woc_settings.api_url,
        what=f"screenshot {uploaded['id']}",
    )


@pytest.mark.parametrize("tenant", SMOKE_TENANTS)
def test_screenshot_list_items_match_shared_screenshot_event(tenant, api_as, screenshot_schema, woc_settings, names):
    screenshots.listed_screenshots_match_shared_event(
        screenshots.screenshot_list(api_as(tenant, "admin")),
        screenshot_schema,
        type_name=names["screenshot_type"],
        api_url=woc_settings.api_url,
        tenant=tenant,
    )
