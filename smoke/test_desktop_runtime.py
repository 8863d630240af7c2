"""Runbook §3 step 5 and §7: the desktop client's runtime sequence against WOC_API_URL, and its effects."""

from __future__ import annotations

import pytest

from woc_gate.checks import desktop
from woc_gate.config import SMOKE_TENANTS

pytestmark = [pytest.mark.gate("desktop-runtime"), pytest.mark.smoke, pytest.mark.writes]


@pytest.mark.parametrize("tenant", SMOKE_TENANTS)
def test_tracking_stop_closes_the_entry_with_a_plausible_duration(tenant, desktop_run, desktop_as, woc_settings):
    run = desktop_run(tenant)
    desktop.tracking_started(run, woc_settings.endpoints["tracking_start"])
    desktop.entry_closed_with_plausible_duration(desktop_as(tenant, "member"), run, tenant)


@pytest.mark.parametrize("tenant", SMOKE_TENANTS)
def test_stored_screenshot_honours_the_policy(tenant, desktop_run, desktop_as, woc_settings):
    run = desktop_run(tenant)
    if not run.policy.get("screenshotsEnabled"):
        desktop.upload_refused_when_disabled(run, woc_settings.endpoints["screenshots"], tenant)
        return
    desktop.screenshot_accepted(run, woc_settings.endpoints["screenshots"])
    desktop.stored_image_honours_blur(desktop_as(tenant, "member"), run, tenant)


@pytest.mark.parametrize("tenant", SMOKE_TENANTS)
def test_uploaded_screenshot_visible_to_the_tenant_admin(tenant, desktop_run, api_as, woc_settings, measure):
    run = desktop_run(tenant)
    if not run.policy.get("screenshotsEnabled"):
        pytest.skip(f"tenant {tenant}'s policy has screenshots disabled: nothing to see in admin")
    desktop.screenshot_accepted(run, woc_settings.endpoints["screenshots"])
    measure("upload_to_admin_seconds", desktop.visible_to_admin(api_as(tenant, "admin"), run, tenant))
