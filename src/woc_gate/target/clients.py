"""HTTP clients for the target's runtime API and web/admin app, logged in as a smoke account.

Everything they know about the target comes from settings: base URLs, endpoint paths, envelopes,
UI labels, the CA bundle. A surface that cannot be reached, or a login that fails, is a
``TargetError`` naming the URL (never the password).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin

import httpx

from ..config import Settings, SmokeAccount
from ..errors import TargetError

TIMEOUT = httpx.Timeout(15.0, connect=5.0)


def unwrap(payload: Any, envelope: str) -> Any:
    """The payload inside a dotted envelope key (``"data"``, ``"result.items"``); ``""`` for none."""
    for key in filter(None, envelope.split(".")):
        if not isinstance(payload, Mapping) or key not in payload:
            raise KeyError(key)
        payload = payload[key]
    return payload


def _client(settings: Settings, base_url: str | None, name: str) -> httpx.Client:
    if not base_url:
        raise TargetError(f"{name} is not set; it is needed to reach the target")
    verify: Any = str(settings.ca_bundle) if settings.ca_bundle else True
    return httpx.Client(base_url=base_url, verify=verify, timeout=TIMEOUT, follow_redirects=False)


def anonymous(settings: Settings, base_url: str | None, name: str) -> httpx.Client:
    """A client of one target surface (``base_url``, set by the variable ``name``) that holds no credentials."""
    return _client(settings, base_url, name)


def request(client: httpx.Client, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """Send a request; a connection failure is a ``TargetError`` naming the URL."""
    try:
        return client.request(method, path, **kwargs)
    except httpx.TransportError as error:
        raise TargetError(f"cannot reach {client.base_url.join(path)}: {error}") from None


@dataclass
class ApiSession:
    """A runtime-API client holding a smoke account's bearer token."""

    client: httpx.Client
    user: dict[str, Any]
    settings: Settings

    def path(self, endpoint: str, **ids: str) -> str:
        """The configured path of an endpoint, ids filled in."""
        return self.settings.endpoints[endpoint].format(**ids)

    def call(self, method: str, endpoint: str, ids: Mapping[str, str] | None = None, **kwargs: Any) -> httpx.Response:
        """Call a named endpoint as this account."""
        return request(self.client, method, self.path(endpoint, **(ids or {})), **kwargs)

    def close(self) -> None:
        self.client.close()


def api_login(settings: Settings, account: SmokeAccount, *, base_url: str | None = None) -> ApiSession:
    """Log in to the runtime API (``API_BASE_URL``, or ``base_url`` such as ``WOC_API_URL``)."""
    client = _client(settings, base_url or settings.api_url, "API_BASE_URL")
    path = settings.endpoints["api_login"]
    response = request(client, "POST", path, json={"email": account.email, "password": account.password.reveal()})
    if response.status_code != 200:
        client.close()
        raise TargetError(f"API login as {account.email} failed: HTTP {response.status_code} from {path}")
    body = response.json()
    client.headers["Authorization"] = f"Bearer {body['accessToken']}"
    return ApiSession(client, body.get("user", {}), settings)


@dataclass
class WebSession:
    """A web/admin client holding a smoke account's session cookie."""

    client: httpx.Client
    settings: Settings

    def call(self, method: str, endpoint: str, ids: Mapping[str, str] | None = None, **kwargs: Any) -> httpx.Response:
        """Call a named web endpoint with this session."""
        return request(self.client, method, self.settings.endpoints[endpoint].format(**(ids or {})), **kwargs)

    def close(self) -> None:
        self.client.close()


def web_login(settings: Settings, account: SmokeAccount) -> WebSession:
    """Log in through the web login form, found by its labels, as a person would."""
    client = _client(settings, settings.web_url, "NEXTAUTH_URL")
    path = settings.endpoints["web_login"]
    page = request(client, "GET", path)
    form = LoginForm.parse(page.text)
    labels = settings.ui
    fields = dict(form.hidden)
    try:
        fields[form.name_for(labels["email"])] = account.email
        fields[form.name_for(labels["password"])] = account.password.reveal()
    except KeyError as missing:
        client.close()
        raise TargetError(f"the login form at {path} has no field labelled {missing}") from None
    response = request(client, "POST", urljoin(path, form.action or path), data=fields)
    if response.status_code not in (302, 303) or not client.cookies:
        client.close()
        raise TargetError(f"web login as {account.email} failed: HTTP {response.status_code} from {path}")
    return WebSession(client, settings)


class LoginForm(HTMLParser):
    """The first form of a page: its action, hidden fields, and input names by label text."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.hidden: dict[str, str] = {}
        self._names_by_id: dict[str, str] = {}
        self._label_for: str | None = None
        self._label_text = ""
        self._labels: dict[str, str] = {}
        self._forms = 0

    @classmethod
    def parse(cls, html: str) -> LoginForm:
        form = cls()
        form.feed(html)
        return form

    def name_for(self, label: str) -> str:
        """The input name of the field with this label."""
        return self._names_by_id[self._labels[label]]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._forms += 1
            if self._forms == 1:
                self.action = attributes.get("action")
        elif tag == "input" and self._forms == 1:
            if attributes.get("type") == "hidden":
                self.hidden[attributes.get("name", "")] = attributes.get("value", "")
            elif "id" in attributes:
                self._names_by_id[attributes["id"]] = attributes.get("name", attributes["id"])
        elif tag == "label":
            self._label_for, self._label_text = attributes.get("for"), ""

    def handle_data(self, data: str) -> None:
        if self._label_for is not None:
            self._label_text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "label" and self._label_for is not None:
            self._labels[self._label_text.strip()] = self._label_for
            self._label_for = None
