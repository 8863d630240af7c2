"""The web/admin stand-in's email flows over real HTTP: register, forgot password, contact, invites, adhoc."""

import asyncio
import dataclasses
import re
from datetime import UTC, datetime

import pytest
from sandbox_clients import (
    Page,
    account,
    database,
    outbox,
    send_contact_message,
    user_of,
)

from woc_gate.sandbox.mailer import Email, EmailNotSent, Mailer
from woc_gate.sandbox.sql import new_id


def link_in(email, path):
    """The link to ``path`` in an email's text, as a path and query on the web app."""
    return re.search(rf"https?://[^\s]+({re.escape(path)}\?token=[^\s]+)", email["text"]).group(1)


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
            " VALUES (%s, %s, %s, UTC_TIMESTAMP(3) - INTERVAL 3 HOUR, UTC_TIMESTAMP(3) - INTERVAL 2 HOUR,"
            " 'Forgot to start')",
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
