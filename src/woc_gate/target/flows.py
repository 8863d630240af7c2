"""The product's email flows, triggered through its web forms as a person (or a smoke account) would."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx

from ..config import Settings, SmokeAccount
from ..errors import TargetAnswerError, TargetError
from . import clients
from .boundary import json_body

SUBMITTED = (200, 302, 303)
ADHOC_SPAN = timedelta(hours=1)


def submit_form(client: httpx.Client, path: str, fields: Mapping[str, str], action: str | None = None) -> None:
    """Fill the form on the page at ``path`` (its hidden fields kept, e.g. the CSRF token) and post it to ``action``."""
    page = clients.request(client, "GET", path)
    if page.status_code != 200:
        raise TargetError(f"GET {path} answered HTTP {page.status_code}; expected the form")
    form = clients.LoginForm.parse(page.text)
    action = action or path
    response = clients.request(client, "POST", action, data={**form.hidden, **fields})
    if response.status_code not in SUBMITTED:
        raise TargetError(f"POST {action} answered HTTP {response.status_code}; the form was not accepted")


def register(settings: Settings, organization: str, email: str, password: str) -> None:
    """Create an organization and its owner through the registration form."""
    with clients.anonymous(settings, settings.web_url, "NEXTAUTH_URL") as client:
        fields = {"organization": organization, "name": "woc-gate smoke", "email": email, "password": password}
        submit_form(client, settings.endpoints["register"], fields)


def forgot_password(settings: Settings, email: str) -> None:
    """Ask for a password-reset link through the forgotten-password form."""
    with clients.anonymous(settings, settings.web_url, "NEXTAUTH_URL") as client:
        submit_form(client, settings.endpoints["forgot_password"], {"email": email})


def contact(settings: Settings, name: str, email: str, message: str) -> None:
    """Send a message through the public contact form."""
    with clients.anonymous(settings, settings.web_url, "NEXTAUTH_URL") as client:
        submit_form(client, settings.endpoints["contact"], {"name": name, "email": email, "message": message})


def decide_adhoc_request(settings: Settings, account: SmokeAccount, decision: str = "reject") -> None:
    """As ``account``: ask for adhoc time through the runtime API, then decide it in the web admin."""
    api = clients.api_login(settings, account)
    try:
        created = request_adhoc_time(api)
    finally:
        api.close()
    web = clients.web_login(settings, account)
    try:
        action = settings.endpoints["admin_adhoc_decision"].format(id=created, decision=decision)
        submit_form(web.client, settings.endpoints["admin_adhoc"], {}, action)
    finally:
        web.close()


def request_adhoc_time(api: clients.ApiSession) -> str:
    """Ask for an hour of adhoc time through the runtime API, as the session's account; the new request's id."""
    now = datetime.now(UTC).replace(microsecond=0)
    body = {"startedAt": (now - ADHOC_SPAN).isoformat(), "endedAt": now.isoformat(), "reason": "woc-gate smoke"}
    response = api.call("POST", "adhoc_requests", json=body)
    path = api.settings.endpoints["adhoc_requests"]
    if response.status_code not in (200, 201):
        raise TargetError(f"POST {path} answered HTTP {response.status_code}")
    created = json_body(response)
    if not isinstance(created, dict) or "id" not in created:
        raise TargetAnswerError(
            f"POST {path} answered without the new request's id; check [endpoints] adhoc_requests in the profile"
        )
    return str(created["id"])


def invite(web: clients.WebSession, email: str, role: str = "MEMBER") -> None:
    """Invite someone to the session's organization through the admin invite form."""
    submit_form(web.client, web.settings.endpoints["admin_invites"], {"email": email, "role": role})


def redeem(client: httpx.Client, link: str, password: str, name: str = "woc-gate smoke") -> int:
    """Follow a link from an email and submit the form it opens, as its recipient would; the final HTTP status.

    The form is the page's first one that asks for a password or carries the link's token; its password
    fields get ``password``, its empty text fields ``name``. A page without such a form was the redemption.
    """
    page = clients.request(client, "GET", link, setting="NEXTAUTH_URL")
    token = parse_qs(urlsplit(link).query).get("token", [""])[0]
    form = next((form for form in PageForms.parse(page.text) if form.redeems(token)), None)
    if page.status_code != 200 or form is None:
        return page.status_code
    fields = {**form.fields, **dict.fromkeys(form.passwords, password), **dict.fromkeys(form.blanks, name)}
    action = urljoin(link, form.action or link)
    return clients.request(client, form.method, action, setting="NEXTAUTH_URL", data=fields).status_code


class PageForms(HTMLParser):
    """Every form of a page: action, method, the values it holds, its password and blank text fields, what it shows."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[PageForms.Form] = []

    class Form:
        """One form of a page."""

        def __init__(self, action: str, method: str) -> None:
            self.action, self.method = action, method.upper() or "GET"
            self.fields: dict[str, str] = {}
            self.passwords: list[str] = []
            self.blanks: list[str] = []
            self.shown = 0  # the fields a person sees and may change

        def redeems(self, token: str) -> bool:
            """True when the form asks for a password or carries the token."""
            return bool(self.passwords) or bool(token) and token in self.fields.values()

        @property
        def edits_in_place(self) -> bool:
            """True for a form that posts back values it shows (none blank): sent as it is, it changes nothing."""
            return self.method == "POST" and self.shown > 0 and not self.blanks and not self.passwords

    @classmethod
    def parse(cls, html: str) -> list[PageForms.Form]:
        parser = cls()
        parser.feed(html)
        return parser.forms

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.forms.append(self.Form(attributes.get("action", ""), attributes.get("method", "get")))
        elif tag == "input" and self.forms and attributes.get("name"):
            form, name, kind = self.forms[-1], attributes["name"], attributes.get("type", "text").lower()
            form.shown += kind not in ("hidden", "submit", "button")
            if kind == "password":
                form.passwords.append(name)
            elif kind in ("text", "email") and not attributes.get("value"):
                form.blanks.append(name)
            elif kind not in ("checkbox", "radio", "submit", "button") or "checked" in attributes:
                form.fields[name] = attributes.get("value", "")
