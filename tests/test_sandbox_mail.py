"""The Resend stand-in over real HTTP: API-key rules, sending, reading back, listing, domains."""

import contextlib
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest
import uvicorn

from woc_gate.sandbox.context import Database, SandboxContext
from woc_gate.sandbox.mail import create_mail_app

KEY = "re_sandbox_test_key_0123456789"
EMAIL = {
    "from": "WorkOnClock <no-reply@workonclock.test>",
    "to": "ada@smoke-acme.test",
    "subject": "Hello",
    "html": "<p>Hi</p>",
    "text": "Hi",
}


def mail_context(resend_api_key):
    return SandboxContext(
        db=Database("127.0.0.1", 1, "unused", "unused", "unused"),
        repo=Path("."),
        storage_dir=Path("."),
        api_base_url="http://127.0.0.1:1",
        web_base_url="http://127.0.0.1:1",
        mail_base_url="http://127.0.0.1:1",
        jwt_secret="unused",
        nextauth_secret="unused",
        cron_secret="unused",
        resend_api_key=resend_api_key,
        email_from="WorkOnClock <no-reply@workonclock.test>",
        contact_to="contact@workonclock.test",
        email_require_provider=True,
        policy_schema={},
        screenshot_schema={},
    )


@contextlib.contextmanager
def serve(app):
    """Run an ASGI app with uvicorn on a free loopback port in a thread; yields its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the mail app did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture
def mail():
    """A client of a fresh mail app holding the right key."""
    with (
        serve(create_mail_app(mail_context(KEY))) as base_url,
        httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {KEY}"}) as client,
    ):
        yield client


@pytest.fixture
def keyless_mail():
    """A client of a mail app started with no key configured."""
    with serve(create_mail_app(mail_context(""))) as base_url, httpx.Client(base_url=base_url) as client:
        yield client


def test_send_then_read_back(mail):
    sent = mail.post("/emails", json=EMAIL)
    assert sent.status_code == 200
    email_id = sent.json()["id"]
    stored = mail.get(f"/emails/{email_id}").json()
    assert {key: stored[key] for key in ("object", "id", "from", "to", "subject", "html", "text", "last_event")} == {
        "object": "email",
        "id": email_id,
        "from": EMAIL["from"],
        "to": ["ada@smoke-acme.test"],
        "subject": "Hello",
        "html": "<p>Hi</p>",
        "text": "Hi",
        "last_event": "delivered",
    }
    assert stored["created_at"].endswith("+00:00")


def test_list_is_newest_first(mail):
    first = mail.post("/emails", json=EMAIL).json()["id"]
    second = mail.post("/emails", json={**EMAIL, "to": ["b@x.test", "c@x.test"]}).json()["id"]
    listing = mail.get("/emails").json()
    assert listing["object"] == "list"
    assert [email["id"] for email in listing["data"]] == [second, first]
    assert listing["data"][0]["to"] == ["b@x.test", "c@x.test"]


def test_missing_key_is_401_in_resend_shape(mail):
    answer = mail.post("/emails", json=EMAIL, headers={"Authorization": ""})
    assert answer.status_code == 401
    assert answer.json()["name"] == "missing_api_key"
    assert answer.json()["statusCode"] == 401


@pytest.mark.parametrize(("method", "path"), [("POST", "/emails"), ("GET", "/emails"), ("GET", "/domains")])
def test_wrong_key_is_403_invalid_api_key(mail, method, path):
    answer = mail.request(method, path, json=EMAIL, headers={"Authorization": "Bearer re_wrong"})
    assert answer.status_code == 403
    assert answer.json() == {"statusCode": 403, "name": "invalid_api_key", "message": "API key is invalid"}


def test_no_key_configured_refuses_every_key(keyless_mail):
    answer = keyless_mail.post("/emails", json=EMAIL, headers={"Authorization": "Bearer anything"})
    assert answer.status_code == 403


@pytest.mark.parametrize(
    ("field", "message"),
    [("to", "Missing `to` field."), ("subject", "Missing `subject` field."), ("from", "Missing `from` field.")],
)
def test_missing_field_is_422(mail, field, message):
    answer = mail.post("/emails", json={key: value for key, value in EMAIL.items() if key != field})
    assert answer.status_code == 422
    assert answer.json() == {"statusCode": 422, "name": "missing_required_field", "message": message}


def test_body_without_html_or_text_is_422(mail):
    answer = mail.post("/emails", json={"from": EMAIL["from"], "to": EMAIL["to"], "subject": "x"})
    assert answer.json()["message"] == "Missing `html` or `text` field."


def test_unknown_email_is_404(mail):
    assert mail.get("/emails/4ef9a417-02e9-4d39-ad75-9611e0fcc33c").json()["name"] == "not_found"


def test_domains_list_the_verified_sender_domain(mail):
    listing = mail.get("/domains").json()
    (domain,) = listing["data"]
    assert (listing["object"], domain["name"], domain["status"], domain["region"]) == (
        "list",
        "workonclock.test",
        "verified",
        "us-east-1",
    )
    detail = mail.get(f"/domains/{domain['id']}").json()
    assert [record["status"] for record in detail["records"]] == ["verified", "verified"]
