"""The web/admin stand-in over real HTTP: login, CSRF, admin pages, the settings form, /api/settings, cron."""

import re
from contextlib import closing
from datetime import UTC, datetime, timedelta

import pytest
from sandbox_clients import (
    TENANTS,
    Page,
    account,
    api_session,
    checkerboard_png,
    running_entry,
    typed,
    upload,
    user_of,
    web_client,
)

POLICY_LABELS = {
    "screenshotsEnabled": ("checkbox", "Screenshots enabled", None, None),
    "screenshotIntervalMinutes": ("number", "Screenshot interval minutes", "1", "60"),
    "blurScreenshots": ("checkbox", "Blur screenshots", None, None),
    "idleTimeoutMinutes": ("number", "Idle timeout minutes", "1", "120"),
    "screenshotRetentionDays": ("number", "Screenshot retention days", "1", "365"),
    "allowManualTime": ("checkbox", "Allow manual time", None, None),
}
ADMIN_PAGES = {
    "/admin": "Dashboard",
    "/admin/users": "Users",
    "/admin/projects": "Projects",
    "/admin/settings": "Tracking policy",
    "/admin/adhoc": "Adhoc requests",
    "/admin/invites": "Invites",
}


def test_health_is_200(visitor):
    assert visitor.get("/api/health").json() == {"status": "ok"}


def test_login_form_has_labelled_fields_a_button_and_a_csrf_token(visitor):
    page = Page(visitor.get("/login").text)
    assert (page.h1, page.labels, page.buttons) == ("Sign in", {"Email": "email", "Password": "password"}, ["Sign in"])
    assert page.inputs["email"]["type"] == "email"


@pytest.mark.parametrize("tenant", ["a", "b"])
def test_login_sets_an_httponly_lax_session_cookie_and_redirects_to_admin(visitor, tenant):
    entry = account(tenant, "OWNER")
    answer = visitor.post(
        "/login", data={"email": entry["email"], "password": entry["password"], "csrfToken": visitor.csrf}
    )
    assert (answer.status_code, answer.headers["location"]) == (303, "/admin")
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("next-auth.session-token=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie


def test_login_with_a_wrong_password_is_401_with_an_alert(visitor):
    answer = visitor.post(
        "/login", data={"email": account("a", "OWNER")["email"], "password": "nope", "csrfToken": visitor.csrf}
    )
    assert (answer.status_code, Page(answer.text).messages) == (401, ["Invalid email or password."])


@pytest.mark.parametrize(
    "path",
    [
        "/login",
        "/logout",
        "/register",
        "/forgot-password",
        "/reset-password",
        "/invite/accept",
        "/contact",
        "/admin/settings",
        "/admin/invites",
        "/admin/adhoc/any/approve",
        "/admin/adhoc/any/reject",
    ],
)
def test_every_form_post_without_a_valid_csrf_token_is_403(web, path):
    client = web["a", "OWNER"]
    for token in (None, "forged"):
        answer = client.post(path, data={} if token is None else {"csrfToken": token})
        assert (answer.status_code, Page(answer.text).h1) == (403, "Invalid CSRF token")


def test_logout_ends_the_session(ctx):
    with closing(web_client(ctx, "b", "MEMBER")) as client:
        answer = client.post("/logout", data={"csrfToken": client.csrf})
        assert answer.headers["location"] == "/login?notice=signed-out"
        assert client.get("/admin").headers["location"] == "/login"


@pytest.mark.parametrize("path", [*ADMIN_PAGES, "/admin/users/any", "/admin/screenshots/any"])
def test_admin_pages_redirect_visitors_to_login(visitor, path):
    answer = visitor.get(path)
    assert (answer.status_code, answer.headers["location"]) == (303, "/login")


@pytest.mark.parametrize("tenant", ["a", "b"])
@pytest.mark.parametrize(("path", "heading"), ADMIN_PAGES.items())
def test_admin_pages_render_for_owners(web, tenant, path, heading):
    answer = web[tenant, "OWNER"].get(path)
    assert (answer.status_code, Page(answer.text).h1) == (200, heading)


def test_dashboard_counts_the_tenants_rows(web):
    text = web["a", "ADMIN"].get("/admin").text
    assert TENANTS["a"]["name"] in text
    assert re.search(r"<dt>Projects</dt><dd>(\d+)</dd>", text).group(1) == str(len(TENANTS["a"]["projects"]))


def test_users_page_lists_only_the_tenant(web):
    text = web["b", "ADMIN"].get("/admin/users").text
    assert all(entry["email"] in text for entry in TENANTS["b"]["account"])
    assert not any(entry["email"] in text for entry in TENANTS["a"]["account"])


def test_user_detail_in_the_tenant_and_404_across(web, ctx):
    member_a = user_of(ctx, "a", "MEMBER")
    answer = web["a", "OWNER"].get(f"/admin/users/{member_a['id']}")
    assert (answer.status_code, Page(answer.text).h1) == (200, account("a", "MEMBER")["name"])
    assert web["b", "OWNER"].get(f"/admin/users/{member_a['id']}").status_code == 404


def test_screenshot_detail_and_image_for_the_tenant_only(web, ctx):
    with api_session(ctx, "a", "MEMBER") as api:
        data = checkerboard_png()
        event = upload(api, running_entry(api), data).json()
    page = web["a", "OWNER"].get(f"/admin/screenshots/{event['id']}")
    assert (page.status_code, Page(page.text).h1) == (200, "Screenshot")
    assert f'src="/admin/screenshots/{event["id"]}/image"' in page.text
    assert web["a", "ADMIN"].get(f"/admin/screenshots/{event['id']}/image").content == data
    assert web["b", "OWNER"].get(f"/admin/screenshots/{event['id']}").status_code == 404
    assert web["b", "OWNER"].get(f"/admin/screenshots/{event['id']}/image").status_code == 404


def test_settings_form_has_one_labelled_input_per_policy_property(web):
    page = Page(web["a", "OWNER"].get("/admin/settings").text)
    found = {
        name: (
            field["type"],
            next(label for label, target in page.labels.items() if target == name),
            field.get("min"),
            field.get("max"),
        )
        for name, field in page.inputs.items()
        if field["type"] != "hidden"
    }
    assert found == POLICY_LABELS
    assert "Save" in page.buttons


def test_settings_form_saves_for_owners(web):
    client = web["a", "OWNER"]
    before = client.get("/api/settings").json()
    form = {name: str(value) for name, value in before.items() if not isinstance(value, bool)}
    form.update({name: "true" for name, value in before.items() if value is True}, screenshotIntervalMinutes="17")
    try:
        answer = client.post("/admin/settings", data={**form, "csrfToken": client.csrf})
        assert (answer.status_code, answer.headers["location"]) == (303, "/admin/settings?saved=1")
        assert client.get("/api/settings").json() == {**before, "screenshotIntervalMinutes": 17}
    finally:
        client.put("/api/settings", json=before)


def test_settings_form_rejects_out_of_range_values(web):
    client = web["b", "ADMIN"]
    before = client.get("/api/settings").json()
    answer = client.post(
        "/admin/settings",
        data={
            "screenshotIntervalMinutes": "0",
            "idleTimeoutMinutes": "5",
            "screenshotRetentionDays": "5",
            "csrfToken": client.csrf,
        },
    )
    assert (answer.status_code, Page(answer.text).messages) == (
        400,
        ["screenshotIntervalMinutes: 0 is less than the minimum of 1"],
    )
    assert client.get("/api/settings").json() == before


def test_members_cannot_save_settings(web):
    client = web["a", "MEMBER"]
    page = Page(client.get("/admin/settings").text)
    assert "Save" not in page.buttons
    assert client.post("/admin/settings", data={"csrfToken": client.csrf}).status_code == 403
    answer = client.put("/api/settings", json=TENANTS["a"]["policy"])
    assert answer.json() == {"error": "Only owners and admins can change the tracking policy"}


@pytest.mark.parametrize("tenant", ["a", "b"])
def test_api_settings_is_the_bare_policy_of_the_tenant(web, tenant):
    assert typed(web[tenant, "MEMBER"].get("/api/settings").json()) == typed(TENANTS[tenant]["policy"])


def test_api_settings_put_stores_and_returns_the_policy(web):
    client = web["b", "OWNER"]
    before = client.get("/api/settings").json()
    changed = {**before, "blurScreenshots": not before["blurScreenshots"], "idleTimeoutMinutes": 42}
    try:
        answer = client.put("/api/settings", json=changed)
        assert (answer.status_code, typed(answer.json())) == (200, typed(changed))
        assert typed(client.get("/api/settings").json()) == typed(changed)
    finally:
        client.put("/api/settings", json=before)


@pytest.mark.parametrize(
    ("change", "error", "path"),
    [
        ({"screenshotRetentionDays": 366}, "366 is greater than the maximum of 365", "$.screenshotRetentionDays"),
        ({"screenshotsEnabled": "yes"}, "'yes' is not of type 'boolean'", "$.screenshotsEnabled"),
        ({"idleTimeoutMinutes": 2.5}, "2.5 is not of type 'integer'", "$.idleTimeoutMinutes"),
        ({"allowManualTime": None}, "None is not of type 'boolean'", "$.allowManualTime"),
        ({"extra": 1}, "Additional properties are not allowed ('extra' was unexpected)", "$"),
    ],
)
def test_api_settings_put_rejects_invalid_policies_and_changes_nothing(web, change, error, path):
    client = web["a", "ADMIN"]
    before = client.get("/api/settings").json()
    answer = client.put("/api/settings", json={**before, **change})
    assert (answer.status_code, answer.json()) == (400, {"error": error, "path": path})
    assert client.get("/api/settings").json() == before


def test_api_settings_put_rejects_a_missing_field(web):
    client = web["a", "ADMIN"]
    before = client.get("/api/settings").json()
    answer = client.put("/api/settings", json={key: value for key, value in before.items() if key != "blurScreenshots"})
    assert answer.json() == {"error": "'blurScreenshots' is a required property", "path": "$"}


def test_api_settings_put_needs_json(web):
    answer = web["a", "OWNER"].put(
        "/api/settings", content=b"blurScreenshots=true", headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert (answer.status_code, answer.json()) == (415, {"error": "Content-Type must be application/json"})


def test_api_settings_needs_a_session(visitor):
    assert (visitor.get("/api/settings").status_code, visitor.put("/api/settings", json={}).status_code) == (401, 401)


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-secret", "Basic x"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_cron_refuses_a_missing_or_wrong_secret(visitor, authorization, method):
    headers = {"Authorization": authorization} if authorization else {}
    answer = visitor.request(method, "/api/cron/screenshot-retention", headers=headers)
    assert (answer.status_code, answer.json()) == (401, {"error": "Unauthorized"})


def test_cron_deletes_only_screenshots_past_retention(visitor, ctx):
    with api_session(ctx, "b", "ADMIN") as api:
        entry_id = running_entry(api)
        old = upload(
            api, entry_id, checkerboard_png(), _days_ago(TENANTS["b"]["policy"]["screenshotRetentionDays"] + 1)
        ).json()
        recent = upload(api, entry_id, checkerboard_png(), _days_ago(1)).json()
        answer = visitor.post("/api/cron/screenshot-retention", headers={"Authorization": f"Bearer {ctx.cron_secret}"})
        assert answer.status_code == 200
        assert answer.json()["deletedScreenshots"] >= 1
        assert api.get(f"/screenshots/{old['id']}").status_code == 404
        assert not (ctx.storage_dir / old["objectKey"]).exists()
        assert api.get(f"/screenshots/{recent['id']}").status_code == 200


def _days_ago(days):
    return (datetime.now(UTC) - timedelta(days=days)).isoformat()
