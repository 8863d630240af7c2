"""Each app-level fault: its direct probe shows the defect on a stack with it, and not on a clean one; the switch."""

import io
from contextlib import closing

import pytest
from PIL import Image
from sandbox_clients import (
    TENANTS,
    api_session,
    checkerboard_png,
    database,
    http_client,
    outbox,
    running_entry,
    send_contact_message,
    upload,
    user_of,
    web_client,
)

from woc_gate.errors import SandboxError
from woc_gate.sandbox import stack
from woc_gate.sandbox.sql import new_id

# Faults whose probes do not disturb each other, so one stack can carry them all.
COMBINABLE = (
    "policy-field-renamed",
    "web-settings-not-persisted",
    "screenshot-event-bad-shape",
    "tracking-stop-lost",
    "upload-ignores-blur",
    "tenant-leak-project-read",
    "tenant-leak-list",
    "tenant-leak-web-user",
    "tenant-leak-screenshot-preview",
    "cron-no-secret",
    "invite-email-not-sent",
)
# These break logins, storage access or email for the whole stack: one more stack for them.
ISOLATING = ("login-broken", "public-screenshots", "legacy-table", "email-provider-optional")


def policy_field_renamed(ctx):
    with api_session(ctx, "a", "MEMBER") as api:
        policy = api.get("/tracking/policy").json()["data"]
    return "screenshotInterval" in policy and "screenshotIntervalMinutes" not in policy


def web_settings_not_persisted(ctx):
    with closing(web_client(ctx, "b", "OWNER")) as web:
        before = web.get("/api/settings").json()
        flipped = {**before, "blurScreenshots": not before["blurScreenshots"]}
        try:
            answer = web.put("/api/settings", json=flipped)
            return answer.status_code == 200 and web.get("/api/settings").json() != flipped
        finally:
            web.put("/api/settings", json=before)


def screenshot_event_bad_shape(ctx):
    with api_session(ctx, "a", "ADMIN") as api:
        event = upload(api, running_entry(api), checkerboard_png()).json()
    return "previewUrl" not in event and isinstance(event["capturedAt"], int)


def tracking_stop_lost(ctx):
    with api_session(ctx, "b", "MEMBER") as api:
        entry_id = running_entry(api)
        stopped = api.post("/tracking/stop")
        return stopped.status_code == 200 and api.get(f"/time-entries/{entry_id}").json()["endedAt"] is None


def upload_ignores_blur(ctx):
    assert TENANTS["b"]["policy"]["blurScreenshots"] is True
    with api_session(ctx, "b", "ADMIN") as api:
        data = checkerboard_png()
        event = upload(api, running_entry(api), data).json()
        stored = api.get(f"/screenshots/{event['id']}/preview").content
    return Image.open(io.BytesIO(stored)).tobytes() == Image.open(io.BytesIO(data)).tobytes()


def tenant_leak_project_read(ctx):
    with api_session(ctx, "a", "OWNER") as api_a, api_session(ctx, "b", "OWNER") as api_b:
        project = api_a.get("/projects").json()[0]
        return api_b.get(f"/projects/{project['id']}").status_code == 200


def tenant_leak_list(ctx):
    with api_session(ctx, "a", "OWNER") as api:
        organizations = {entry["organizationId"] for entry in api.get("/time-entries").json()}
        return organizations - {api.user["organizationId"]} != set()


def tenant_leak_web_user(ctx):
    member_a = user_of(ctx, "a", "MEMBER")
    with closing(web_client(ctx, "b", "OWNER")) as web:
        return web.get(f"/admin/users/{member_a['id']}").status_code == 200


def tenant_leak_screenshot_preview(ctx):
    with api_session(ctx, "a", "MEMBER") as api_a, api_session(ctx, "b", "MEMBER") as api_b:
        event = upload(api_a, running_entry(api_a), checkerboard_png()).json()
        return api_b.get(f"/screenshots/{event['id']}/preview").status_code == 200


def cron_no_secret(ctx):
    with closing(web_client(ctx)) as web:
        return web.post("/api/cron/screenshot-retention").status_code == 200


def invite_email_not_sent(ctx):
    email = f"probe-{new_id()}@invite.test"
    with closing(web_client(ctx, "a", "OWNER")) as web:
        answer = web.post("/admin/invites", data={"email": email, "role": "MEMBER", "csrfToken": web.csrf})
    return answer.status_code == 303 and outbox(ctx, email) == []


def login_broken(ctx):
    with closing(web_client(ctx)) as web:
        entry = TENANTS["a"]["account"][0]
        answer = web.post(
            "/login", data={"email": entry["email"], "password": entry["password"], "csrfToken": web.csrf}
        )
    return answer.status_code == 401


def public_screenshots(ctx):
    with api_session(ctx, "b", "OWNER") as api:
        event = upload(api, running_entry(api), checkerboard_png()).json()
    with http_client(ctx, ctx.api_base_url) as anonymous:
        preview = anonymous.get(f"/screenshots/{event['id']}/preview")
        raw = anonymous.get(f"/uploads/{event['objectKey']}")
    return preview.status_code == 200 and raw.status_code == 200


def legacy_table(ctx):
    with api_session(ctx, "a", "ADMIN") as api:
        user_id = api.user["id"]
    with database(ctx) as db, db.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'users'"
        )
        if cursor.fetchone() == (0,):
            return False
        return cursor.execute("SELECT id FROM users WHERE id = %s AND lastLoginAt IS NOT NULL", (user_id,)) == 1


def email_provider_optional(ctx):
    """The contact flow succeeds although no provider key is configured: its email is silently dropped."""
    return send_contact_message(ctx, f"probe {new_id()}").status_code == 200 and not ctx.resend_api_key


PROBES = {name: globals()[name.replace("-", "_")] for name in (*COMBINABLE, *ISOLATING)}


@pytest.mark.parametrize("fault", COMBINABLE)
def test_probe_shows_the_combinable_fault(faulty_stack, fault):
    assert PROBES[fault](faulty_stack(COMBINABLE).ctx)


@pytest.mark.parametrize("fault", ISOLATING)
def test_probe_shows_the_isolating_fault(faulty_stack, fault):
    assert PROBES[fault](faulty_stack(ISOLATING).ctx)


@pytest.mark.parametrize("fault", PROBES)
def test_probe_is_clean_without_the_fault(clean_stack, fault):
    assert not PROBES[fault](clean_stack.ctx)


def test_a_switched_fault_turns_on_and_off_on_the_running_stack(dev_stack_factory):
    sandbox = dev_stack_factory(fault_switch=True)
    try:
        sandbox.switch_faults(["policy-field-renamed"])
        assert policy_field_renamed(sandbox.ctx)
    finally:
        sandbox.switch_faults()
    assert not policy_field_renamed(sandbox.ctx)


def test_a_stack_started_without_the_switch_ignores_the_file_and_refuses_to_switch(clean_stack):
    switch = clean_stack.state_dir / stack.FAULT_SWITCH_FILE
    switch.write_text("policy-field-renamed\n")
    try:
        assert not policy_field_renamed(clean_stack.ctx)
        with pytest.raises(SandboxError) as refused:
            clean_stack.switch_faults(["policy-field-renamed"])
    finally:
        switch.unlink()
    assert str(refused.value) == (
        f"the stack in {clean_stack.state_dir} was started without fault_switch; it cannot switch faults"
    )


@pytest.mark.parametrize("applied_at_start", ["legacy-table", "settings-omitted-field-kept"])  # the database, the tree
def test_a_fault_applied_at_start_cannot_be_switched(dev_stack_factory, applied_at_start):
    with pytest.raises(SandboxError) as refused:
        dev_stack_factory(fault_switch=True).switch_faults([applied_at_start, "tracking-stop-lost"])
    assert str(refused.value) == (
        f"fault {applied_at_start} cannot be switched on a running stack: it is applied as the stack starts;"
        " start a stack with it"
    )
