"""Clients of a running reference stack's apps, as the smoke accounts of the seed, for the suite's own tests.

- ``TENANTS``: the seeded tenants by key ("a", "b"), with their accounts, projects and policy.
- API: ``api_session`` (a bearer-token client), ``running_entry``, ``upload``, ``checkerboard_png``.
- Web/admin: ``web_client`` and ``web_session`` (a client with a CSRF token), ``user_of``, ``Page``.
- Mail: ``outbox`` (what the mail app accepted), ``send_contact_message``.
- ``every_account`` opens one session per smoke account; ``database`` connects to the stack's database.

"""

import io
import re
import secrets
import tomllib
from contextlib import ExitStack, closing, contextmanager
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import httpx
from PIL import Image

from woc_gate.target.clients import trusted_context
from woc_gate.target.db import Dsn, connect

SEED = tomllib.loads((Path(__file__).resolve().parents[1] / "fixtures" / "data" / "seed.toml").read_text())
TENANTS = {tenant["key"]: tenant for tenant in SEED["tenant"]}
ROLES = ("OWNER", "ADMIN", "MEMBER")


def account(tenant, role):
    """The seeded smoke account of a tenant ("a"/"b") with a role ("OWNER", "ADMIN", "MEMBER")."""
    return next(entry for entry in TENANTS[tenant]["account"] if entry["role"] == role)


@contextmanager
def every_account(session, ctx):
    """One ``session(ctx, tenant, role)`` per smoke account, keyed by (tenant, role); all closed on exit."""
    with ExitStack() as sessions:
        yield {
            (tenant, role): sessions.enter_context(session(ctx, tenant, role)) for tenant in TENANTS for role in ROLES
        }


def http_client(ctx, base_url, **options):
    """An httpx client of one of the stack's apps, trusting the stack's CA when it serves TLS."""
    return httpx.Client(base_url=base_url, verify=trusted_context(ctx.ca_bundle or None), timeout=15, **options)


@contextmanager
def api_session(ctx, tenant, role):
    """An httpx client of the API holding a smoke account's bearer token (``.user``); stops its tracking on exit."""
    client = http_client(ctx, ctx.api_base_url)
    try:
        entry = account(tenant, role)
        answer = client.post("/auth/login", json={"email": entry["email"], "password": entry["password"]})
        assert answer.status_code == 200, answer.text
        client.headers["Authorization"] = f"Bearer {answer.json()['accessToken']}"
        client.user = answer.json()["user"]
        yield client
    finally:
        client.post("/tracking/stop")
        client.close()


def user_of(ctx, tenant, role):
    """The API's description of a smoke account (id, organizationId, email, role)."""
    with api_session(ctx, tenant, role) as client:
        return client.user


def checkerboard_png(size=(64, 48), square=4):
    """A PNG with sharp edges everywhere, so a blur changes it visibly; its random top row makes it unique."""
    width, height = size
    pixels = [
        (255, 255, 255) if (x // square + y // square) % 2 else (0, 0, 0) for y in range(height) for x in range(width)
    ]
    pixels[:width] = [tuple(secrets.token_bytes(3)) for _ in range(width)]
    image = Image.new("RGB", size)
    image.putdata(pixels)
    output = io.BytesIO()
    image.save(output, format="PNG")
    return output.getvalue()


def running_entry(client):
    """The id of a freshly started time entry of the caller (starting closes any running one)."""
    started = client.post("/tracking/start")
    assert started.status_code == 201, started.text
    return started.json()["id"]


def upload(client, entry_id, data, captured_at=None):
    """POST /screenshots as the desktop client does (captured now unless told otherwise)."""
    return client.post(
        "/screenshots",
        files={"file": ("capture.png", data, "image/png")},
        data={"capturedAt": captured_at or datetime.now(UTC).isoformat(), "timeEntryId": entry_id},
    )


def typed(values):
    """The values with their JSON types, so that ``true`` and ``1`` differ."""
    return {name: (type(value).__name__, value) for name, value in values.items()}


def database(ctx, **options):
    """A direct autocommit connection to the stack's database as its application account (pymysql options added)."""
    db = ctx.db
    return connect(Dsn(db.host, db.port, db.user, db.password, db.name, db.unix_socket), **options)


def csrf_of(html):
    """The CSRF token of the first form in a page."""
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


def web_session(ctx, tenant=None, role=None):
    """A ``web_client`` that is closed on leaving the ``with`` block."""
    return closing(web_client(ctx, tenant, role))


def outbox(ctx, to):
    """The emails the mail app accepted for one address, newest first."""
    key = ctx.resend_read_key or ctx.resend_api_key
    emails, after = [], None
    with http_client(ctx, ctx.mail_base_url, headers={"Authorization": f"Bearer {key}"}) as mail:
        while True:
            listing = mail.get("/emails", params={"limit": 100, **({"after": after} if after else {})}).json()
            emails += listing["data"]
            if not listing["has_more"]:
                break
            after = listing["data"][-1]["id"]
    return [email for email in emails if to in email["to"]]


def send_contact_message(ctx, marker):
    """Submit the public contact form; the answer."""
    with web_session(ctx) as visitor:
        return visitor.post(
            "/contact", data={"name": "Cy", "email": "cy@x.test", "message": marker, "csrfToken": visitor.csrf}
        )


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
