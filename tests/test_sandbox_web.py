"""The web/admin stand-in over real HTTP: login, admin pages, settings, cron, the five email flows, CSRF."""

import asyncio
import dataclasses
import re
from contextlib import closing
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest

from test_sandbox_api import (
    TENANTS,
    account,
    api_session,
    http_client,
    checkerboard_png,
    database,
    running_entry,
    typed,
    upload,
)
from woc_gate.sandbox.mailer import Email, EmailNotSent, Mailer
from woc_gate.sandbox.sql import new_id

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


class Page(HTMLParser):
    """The parts of a page the tests read: h1, labels, inputs, buttons, alert and status messages."""

    def __init__(self, html):
        super().__init__()
        self.h1, self.labels, self.inputs, self.buttons, self.messages = "", {}, {}, [], []
        self._open = None  # (tag, kind, label target, text so far)
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "input" and "id" in attributes:
            self.inputs[attributes["id"]] = attributes
        kind = "message" if attributes.get("role") in ("alert", "status") else tag
        if kind in ("h1", "label", "button", "message"):
            self._open = (tag, kind, attributes.get("for"), "")

    def handle_data(self, data):
        if self._open:
            self._open = (*self._open[:3], self._open[3] + data)

    def handle_endtag(self, tag):
        if not self._open or tag != self._open[0]:
            return
        _, kind, target, text = self._open
        text = text.strip()
        if kind == "h1" and not self.h1:
            self.h1 = text
        elif kind == "label":
            self.labels[text] = target
        elif kind == "button":
            self.buttons.append(text)
        elif kind == "message":
            self.messages.append(text)
        self._open = None


def csrf_of(html):
    return re.search(r'name="csrfToken" value="([^"]+)"', html).group(1)


def web_client(ctx, tenant=None, role=None):
    """A web client with a CSRF token (``client.csrf``), signed in as a smoke account when one is given."""
    client = http_client(ctx, ctx.web_base_url, follow_redirects=False)
    client.csrf = csrf_of(client.get("/login").text)
    if tenant is not None:
        entry = account(tenant, role)
        answer = client.post(
            "/login", data={"email": entry["email"], "password": entry["password"], "csrfToken": client.csrf}
        )
        assert answer.status_code == 303, answer.text
    return client


def outbox(ctx, to):
    """The emails the mail app accepted for one address, newest first."""
    with http_client(ctx, ctx.mail_base_url, headers={"Authorization": f"Bearer {ctx.resend_api_key}"}) as mail:
        listing = mail.get("/emails").json()
    return [email for email in listing["data"] if to in email["to"]]


def link_in(email, path):
    """The link to ``path`` in an email's text, as a path and query on the web app."""
    return re.search(rf"https?://[^\s]+({re.escape(path)}\?token=[^\s]+)", email["text"]).group(1)


@pytest.fixture(scope="module")
def ctx(clean_stack):
    return clean_stack.ctx


@pytest.fixture(scope="module")
def web(ctx):
    opened = {
        (tenant, role): web_client(ctx, tenant, role) for tenant in TENANTS for role in ("OWNER", "ADMIN", "MEMBER")
    }
    yield opened
    for client in opened.values():
        client.close()


@pytest.fixture
def visitor(ctx):
    with closing(web_client(ctx)) as client:
        yield client


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


def user_of(ctx, tenant, role):
    """The API's description of a smoke account (id, organizationId, email, role)."""
    with api_session(ctx, tenant, role) as client:
        return client.user


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


@pytest.fixture
def registration(visitor, ctx):
    """Register a new organization through /register; its form and answer. The organization is removed after."""
    email = f"founder-{new_id()}@newco.test"
    form = {"organization": "New Co", "name": "Fay Founder", "email": email, "password": "founder-pass-1"}
    answer = visitor.post("/register", data={**form, "csrfToken": visitor.csrf})
    yield form, answer
    with database(ctx) as db, db.cursor() as cursor:
        if cursor.execute("SELECT organizationId FROM woc_users WHERE email = %s", (email,)):
            (organization_id,) = cursor.fetchone()
            for statement in REMOVE_ORGANIZATION:
                cursor.execute(statement, (organization_id,))


REMOVE_ORGANIZATION = (
    "DELETE FROM woc_users WHERE organizationId = %s",
    "DELETE rp FROM woc_role_permissions rp JOIN woc_roles r ON r.id = rp.roleId WHERE r.organizationId = %s",
    "DELETE FROM woc_roles WHERE organizationId = %s",
    "DELETE FROM woc_organization_settings WHERE organizationId = %s",
    "DELETE FROM woc_organizations WHERE id = %s",
)
ROLE_PERMISSIONS = (
    "SELECT r.`key`, p.`key` FROM woc_roles r JOIN woc_organizations o ON o.id = r.organizationId"
    " JOIN woc_role_permissions rp ON rp.roleId = r.id JOIN woc_permissions p ON p.id = rp.permissionId"
    " WHERE o.id = (SELECT organizationId FROM woc_users WHERE email = %s) ORDER BY r.`key`, p.`key`"
)


def test_register_creates_the_organization_its_owner_and_settings(registration, ctx):
    form, answer = registration
    assert (answer.status_code, answer.headers["location"]) == (303, "/login?notice=registered")
    with database(ctx) as db, db.cursor() as cursor:
        cursor.execute(
            "SELECT o.name, o.status, r.`key`, u.status, u.emailVerifiedAt FROM woc_users u"
            " JOIN woc_roles r ON r.id = u.roleId JOIN woc_organizations o ON o.id = u.organizationId"
            " WHERE u.email = %s",
            (form["email"],),
        )
        assert cursor.fetchone() == ("New Co", "ACTIVE", "OWNER", "ACTIVE", None)
        cursor.execute(
            "SELECT s.screenshotIntervalMinutes FROM woc_organization_settings s"
            " JOIN woc_users u ON u.organizationId = s.organizationId WHERE u.email = %s",
            (form["email"],),
        )
        assert cursor.fetchall() == ((10,),)


def test_registered_roles_get_the_same_permissions_as_the_seeded_ones(registration, ctx):
    form, _ = registration
    with database(ctx) as db, db.cursor() as cursor:
        cursor.execute(ROLE_PERMISSIONS, (form["email"],))
        registered = cursor.fetchall()
        cursor.execute(ROLE_PERMISSIONS, (account("a", "OWNER")["email"],))
        assert registered == cursor.fetchall()


def test_register_sends_a_verification_link_that_verifies(registration, ctx, visitor):
    form, _ = registration
    (sent,) = outbox(ctx, form["email"])
    assert sent["subject"] == "Verify your email for WorkOnClock"
    assert Page(visitor.get(link_in(sent, "/verify-email")).text).h1 == "Email verified"
    with database(ctx) as db, db.cursor() as cursor:
        cursor.execute("SELECT emailVerifiedAt IS NOT NULL FROM woc_users WHERE email = %s", (form["email"],))
        assert cursor.fetchone() == (1,)


def test_register_refuses_a_taken_email(registration, visitor):
    form, _ = registration
    answer = visitor.post("/register", data={**form, "csrfToken": visitor.csrf})
    assert (answer.status_code, Page(answer.text).messages) == (400, ["An account with this email already exists."])


def test_forgot_password_answers_the_same_and_mails_only_known_addresses(visitor, ctx):
    known, unknown = account("b", "MEMBER")["email"], "nobody@nowhere.test"
    answers = [
        visitor.post("/forgot-password", data={"email": email, "csrfToken": visitor.csrf}) for email in (known, unknown)
    ]
    assert answers[0].text == answers[1].text
    assert Page(answers[0].text).messages == [
        "If an account exists for that address, we have emailed a password reset link."
    ]
    assert outbox(ctx, known)[0]["subject"] == "Reset your WorkOnClock password"
    assert outbox(ctx, unknown) == []
    assert visitor.get(link_in(outbox(ctx, known)[0], "/reset-password")).status_code == 200


def send_contact_message(ctx, marker):
    """Submit the public contact form; the answer."""
    with closing(web_client(ctx)) as visitor:
        return visitor.post(
            "/contact", data={"name": "Cy", "email": "cy@x.test", "message": marker, "csrfToken": visitor.csrf}
        )


def test_contact_form_stores_the_message_and_notifies_contact_to(ctx):
    marker = f"hello {new_id()}"
    answer = send_contact_message(ctx, marker)
    assert (answer.status_code, Page(answer.text).h1) == (200, "Message sent")
    sent = next(email for email in outbox(ctx, ctx.contact_to) if marker in email["text"])
    assert (sent["subject"], sent["reply_to"]) == ("New contact message from Cy", ["cy@x.test"])
    with database(ctx) as db, db.cursor() as cursor:
        assert cursor.execute("SELECT id FROM woc_contact_messages WHERE message = %s", (marker,)) == 1


def test_over_tls_the_web_app_reaches_the_mail_app_trusting_the_stacks_ca(dev_stack_factory):
    ctx = dev_stack_factory(tls=True).ctx
    assert ctx.web_base_url.startswith("https://") and ctx.mail_base_url.startswith("https://")
    marker = f"over tls {new_id()}"
    assert send_contact_message(ctx, marker).status_code == 200
    assert [email["subject"] for email in outbox(ctx, ctx.contact_to) if marker in email["text"]] == [
        "New contact message from Cy"
    ]


def test_invite_stores_a_hashed_token_and_emails_a_working_link(web, ctx, visitor):
    client = web["a", "ADMIN"]
    email = f"invitee-{datetime.now(UTC).timestamp()}@x.test"
    answer = client.post("/admin/invites", data={"email": email, "role": "MANAGER", "csrfToken": client.csrf})
    assert (answer.status_code, answer.headers["location"]) == (303, "/admin/invites?sent=1")
    (sent,) = outbox(ctx, email)
    link = link_in(sent, "/invite/accept")
    with database(ctx) as db, db.cursor() as cursor:
        cursor.execute("SELECT roleKey, tokenHash FROM woc_invites WHERE email = %s", (email,))
        role, token_hash = cursor.fetchone()
    assert role == "MANAGER" and len(token_hash) == 64 and token_hash not in link
    token = link.split("token=")[1]
    try:
        joined = visitor.post(
            "/invite/accept",
            data={"token": token, "name": "Ivy", "password": "invitee-pass-1", "csrfToken": visitor.csrf},
        )
        assert joined.headers["location"] == "/login?notice=joined"
        assert user_of_email(ctx, email) == ("MANAGER", "ACTIVE")
    finally:
        with database(ctx) as db, db.cursor() as cursor:
            cursor.execute("DELETE FROM woc_users WHERE email = %s", (email,))


def user_of_email(ctx, email):
    """The role key and status of the user with this email."""
    with database(ctx) as db, db.cursor() as cursor:
        cursor.execute(
            "SELECT r.`key`, u.status FROM woc_users u JOIN woc_roles r ON r.id = u.roleId WHERE u.email = %s", (email,)
        )
        return cursor.fetchone()


def test_members_cannot_invite(web):
    client = web["b", "MEMBER"]
    assert client.get("/admin/invites").status_code == 403
    assert (
        client.post(
            "/admin/invites", data={"email": "x@x.test", "role": "MEMBER", "csrfToken": client.csrf}
        ).status_code
        == 403
    )


@pytest.mark.parametrize(
    ("decision", "status", "subject"),
    [
        ("approve", "APPROVED", "Your time request was approved"),
        ("reject", "REJECTED", "Your time request was rejected"),
    ],
)
def test_adhoc_decisions_are_recorded_and_emailed(web, ctx, decision, status, subject):
    requester = user_of(ctx, "a", "MEMBER")
    request_id = _pending_adhoc_request(ctx, requester)
    client = web["a", "OWNER"]
    assert request_id in client.get("/admin/adhoc").text
    answer = client.post(f"/admin/adhoc/{request_id}/{decision}", data={"csrfToken": client.csrf})
    assert answer.headers["location"] == f"/admin/adhoc?decided={status.lower()}"
    with database(ctx) as db, db.cursor() as cursor:
        cursor.execute("SELECT status, decidedById FROM woc_adhoc_requests WHERE id = %s", (request_id,))
        assert cursor.fetchone() == (status, user_of(ctx, "a", "OWNER")["id"])
    assert outbox(ctx, requester["email"])[0]["subject"] == subject
    assert client.post(f"/admin/adhoc/{request_id}/{decision}", data={"csrfToken": client.csrf}).status_code == 404


def test_adhoc_requests_of_another_tenant_cannot_be_decided(web, ctx):
    request_id = _pending_adhoc_request(ctx, user_of(ctx, "a", "MEMBER"))
    client = web["b", "OWNER"]
    assert client.post(f"/admin/adhoc/{request_id}/approve", data={"csrfToken": client.csrf}).status_code == 404


def _pending_adhoc_request(ctx, user):
    request_id = f"adhoc{datetime.now(UTC).timestamp()}".replace(".", "")
    with database(ctx) as db, db.cursor() as cursor:
        cursor.execute(
            "INSERT INTO woc_adhoc_requests (id, organizationId, userId, startedAt, endedAt, reason)"
            " VALUES (%s, %s, %s, UTC_TIMESTAMP(3) - INTERVAL 3 HOUR, UTC_TIMESTAMP(3) - INTERVAL 2 HOUR, 'Forgot to start')",
            (request_id, user["organizationId"], user["id"]),
        )
    return request_id


@pytest.mark.parametrize(
    ("required", "outcome"),
    [(True, "RESEND_API_KEY is not set and EMAIL_REQUIRE_PROVIDER is true; set the key"), (False, None)],
)
def test_mailer_without_a_key_fails_loudly_only_when_required(ctx, required, outcome):
    async def send():
        mailer = Mailer(dataclasses.replace(ctx, resend_api_key="", email_require_provider=required))
        try:
            return await mailer.send(Email("x@x.test", "Subject", "Text"))
        finally:
            await mailer.close()

    if outcome is None:
        assert asyncio.run(send()) is None
    else:
        with pytest.raises(EmailNotSent, match=re.escape(outcome)):
            asyncio.run(send())
