"""Runbook §3 step 5 and §7: the desktop client's runtime sequence against WOC_API_URL, and its effects.

Each test that needs a state of the tenant's policy switches it through web settings for itself and
puts the original back afterwards, so no test depends on how a tenant happens to be configured.
"""

from __future__ import annotations

import pytest

from woc_gate.checks import desktop, policy_switches
from woc_gate.config import SMOKE_TENANTS

pytestmark = [pytest.mark.gate("desktop-runtime"), pytest.mark.smoke, pytest.mark.writes]


@pytest.mark.parametrize("tenant", SMOKE_TENANTS)
def test_tracking_stop_closes_the_entry_with_a_plausible_duration(tenant, desktop_run, desktop_as, woc_settings):
    run = desktop_run(tenant)
    desktop.tracking_started(run, woc_settings.endpoints["tracking_start"])
    desktop.entry_closed_with_plausible_duration(desktop_as(tenant, "member"), run, tenant)


@pytest.mark.parametrize("tenant", SMOKE_TENANTS)
def test_uploads_in_every_image_type_are_refused_while_screenshots_are_off(
    tenant, switched_policy, uploads_in_each_type, desktop_as
):
    switched_policy(tenant, screenshotsEnabled=False)
    policy_switches.refused_in_every_type(desktop_as(tenant, "member"), uploads_in_each_type(tenant), tenant=tenant)


@pytest.mark.parametrize("tenant", SMOKE_TENANTS)
@pytest.mark.parametrize("blur", [True, False], ids=["blur_on", "blur_off"])
def test_uploads_in_every_image_type_are_stored_as_the_blur_switch_says(
    tenant, blur, switched_policy, uploads_in_each_type, upload_types, desktop_as
):
    switched_policy(tenant, screenshotsEnabled=True, blurScreenshots=blur)
    uploads = uploads_in_each_type(tenant)
    policy_switches.stored_as_blur_says(desktop_as(tenant, "member"), uploads, upload_types, blur=blur, tenant=tenant)


@pytest.mark.parametrize("tenant", SMOKE_TENANTS)
def test_uploaded_screenshot_visible_to_the_tenant_admin(
    tenant, switched_policy, desktop_run, api_as, woc_settings, measure
):
    switched_policy(tenant, screenshotsEnabled=True)
    run = desktop_run(tenant)
    desktop.screenshot_accepted(run, woc_settings.endpoints["screenshots"])
    measure("upload_to_admin_seconds", desktop.visible_to_admin(api_as(tenant, "admin"), run, tenant))
