"""Runbook §3 step 5: the post-migration smoke checks, one test per line, in a real browser and as the desktop."""

from __future__ import annotations

import pytest

from woc_gate.checks import desktop, smoke
from woc_gate.checks.contracts import json_payload
from woc_gate.plugin.fixtures import smoke_account

pytestmark = [pytest.mark.gate("migration-runbook"), pytest.mark.smoke]
TENANT = "a"


@pytest.mark.browser
def test_web_login(page, woc_settings):
    smoke.web_login_succeeds(page, woc_settings, smoke_account(woc_settings, TENANT, "admin"))


@pytest.mark.browser
def test_admin_dashboard(admin_page, woc_settings):
    smoke.page_shows_heading(admin_page(TENANT), woc_settings, "admin", "dashboard")


@pytest.mark.browser
def test_user_list(admin_page, api_as, woc_settings):
    users = json_payload(
        api_as(TENANT, "admin").call("GET", "users"), envelope=woc_settings.envelopes["list"], what="GET users"
    )
    page = admin_page(TENANT)
    smoke.page_shows_heading(page, woc_settings, "admin_users", "users")
    smoke.page_lists_every(page, "user", woc_settings.endpoints["admin_users"], [user["email"] for user in users])


@pytest.mark.browser
def test_project_list(admin_page, api_as, woc_settings):
    projects = json_payload(
        api_as(TENANT, "admin").call("GET", "projects"), envelope=woc_settings.envelopes["list"], what="GET projects"
    )
    page = admin_page(TENANT)
    smoke.page_shows_heading(page, woc_settings, "admin_projects", "projects")
    smoke.page_lists_every(page, "project", woc_settings.endpoints["admin_projects"], [p["name"] for p in projects])


@pytest.mark.browser
@pytest.mark.writes
def test_settings_read_write(admin_page, restored_policy, woc_settings):
    restored_policy(TENANT)  # the change below is put back afterwards, even when the test fails
    page = admin_page(TENANT)
    _, changed = smoke.harmless_change(smoke.settings_field(page, woc_settings))
    smoke.save_settings_field(page, woc_settings, changed)
    page.reload()
    smoke.settings_change_persists(page, woc_settings, changed)


def test_desktop_login(desktop_as):
    desktop.desktop_login_answers_user(desktop_as(TENANT, "member"), TENANT)


@pytest.mark.writes
def test_tracking_start_stop(desktop_run, woc_settings):
    run = desktop_run(TENANT)
    desktop.tracking_started(run, woc_settings.endpoints["tracking_start"])
    desktop.tracking_stopped(run, woc_settings.endpoints["tracking_stop"])


@pytest.mark.writes
def test_screenshot_upload(desktop_run, woc_settings):
    desktop.screenshot_accepted(desktop_run(TENANT), woc_settings.endpoints["screenshots"])


@pytest.mark.browser
@pytest.mark.writes
def test_uploaded_screenshot_shown_on_its_admin_page(desktop_run, admin_page, woc_settings):
    run = desktop_run(TENANT)
    desktop.screenshot_accepted(run, woc_settings.endpoints["screenshots"])
    smoke.screenshot_page_shows_image(admin_page(TENANT), woc_settings, run.screenshot["id"])
