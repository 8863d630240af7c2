"""HTTP clients for the target's runtime API and web/admin app, logged in as a smoke account.

Everything they know about the target comes from settings: base URLs, endpoint paths, envelopes,
UI labels, the CA bundle. A surface that cannot be reached, or a login that fails, is a
``TargetError`` naming the URL (never the password); every request runs inside ``boundary.http_errors``
and the circuit breaker of its origin (``breaker.SURFACES``). Every client asks the writes blocker before a request
leaves (``writes.BLOCKER``); the logins' POSTs are let through as reads.
"""

from __future__ import annotations

import functools
import os
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin

import httpx

from ..config import Settings, SmokeAccount
from ..errors import ConfigError, TargetAnswerError, TargetError
from ..redaction import mask_url
from .boundary import http_errors, json_body
from .breaker import SURFACES
from .writes import BLOCKER


def unwrap(payload: Any, envelope: str) -> Any:
    """The payload inside a dotted envelope key (``"data"``, ``"result.items"``); ``""`` for none."""
    for key in filter(None, envelope.split(".")):
        if not isinstance(payload, Mapping) or key not in payload:
            raise KeyError(key)
        payload = payload[key]
    return payload


def http_client_args(settings: Settings) -> dict[str, Any]:
    """The arguments of every HTTP client to the target: ``timeout`` (s), ``verify`` (TLS) and connect ``retries``."""
    return {"timeout": settings.http_timeout, "verify": tls_verification(settings), "retries": settings.connect_retries}


def tls_verification(settings: Settings) -> ssl.SSLContext | bool:
    """How to check the target's certificates: the CA bundle's context, the default CAs', or not at all."""
    if not settings.tls_verify:
        return False
    if settings.ca_bundle is None:
        return trusted_context(None)
    try:
        return trusted_context(settings.ca_bundle)
    except (OSError, ssl.SSLError) as error:
        raise ConfigError(
            f"CA bundle {settings.ca_bundle} cannot be read ({getattr(error, 'strerror', None) or error}); "
            "pass --woc-ca-bundle with a PEM file of CA certificates"
        ) from None


def trusted_context(ca_bundle: str | os.PathLike | None) -> ssl.SSLContext:
    """The TLS context trusting the CAs of ``ca_bundle`` (None: certifi's, or those SSL_CERT_FILE/SSL_CERT_DIR name).

    Built once and shared by every client: loading CAs costs 20 ms of CPU, a request about 1 ms. A bundle rewritten
    in place is read again.
    """
    if ca_bundle is None:
        return _default_cas_context(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))
    found = os.stat(ca_bundle)
    return _ca_bundle_context(os.fspath(ca_bundle), found.st_mtime_ns, found.st_size)


@functools.lru_cache(maxsize=4)
def _default_cas_context(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    return httpx.create_ssl_context()  # reads the variables itself; they are the cache key


@functools.lru_cache(maxsize=16)
def _ca_bundle_context(path: str, mtime_ns: int, size: int) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=path)


def served_certificate(settings: Settings, base_url: str, setting: str) -> bytes | None:
    """The certificate (DER) an https ``base_url`` serves, its chain verified as every client verifies it.

    None for plain http or with TLS verification off; a ``TargetTLSError`` when the chain does not verify.
    """
    if not base_url.startswith("https://") or not settings.tls_verify:
        return None
    with (
        anonymous(settings, base_url, setting) as client,
        http_errors(base_url, setting),
        client.stream("GET", "") as response,
    ):
        return response.extensions["network_stream"].get_extra_info("ssl_object").getpeercert(True)


def anonymous(settings: Settings, base_url: str | None, name: str) -> httpx.Client:
    """A client of one target surface (``base_url``, set by the variable ``name``) that holds no credentials."""
    return open_client(base_url, name, http_client_args(settings))


def open_client(base_url: str | None, setting: str, client_args: Mapping[str, Any]) -> httpx.Client:
    """An HTTP client on ``base_url`` (the value of ``setting``) built from ``http_client_args``."""
    if not base_url:
        raise TargetError(f"{setting} is not set; it is needed to reach the target")
    if not base_url.startswith(("http://", "https://")):
        raise TargetError(f"{mask_url(base_url)} is not an http:// or https:// URL; check {setting}")
    args = dict(client_args)
    retries = args.pop("retries", 0)
    if isinstance(args.get("timeout"), int | float):
        # every try at connecting shares the one timeout: a silent server costs it once, not once per try
        args["timeout"] = httpx.Timeout(args["timeout"], connect=args["timeout"] / (retries + 1))
    with http_errors(base_url, setting):
        transport = httpx.HTTPTransport(verify=args.pop("verify", True), retries=retries)
        return httpx.Client(
            base_url=base_url,
            transport=transport,
            follow_redirects=False,
            event_hooks={"request": [_refuse_unmarked_write]},
            **args,
        )


def _refuse_unmarked_write(request: httpx.Request) -> None:
    BLOCKER.refuse_method(request.method, str(request.url))


def request(
    client: httpx.Client,
    method: str,
    path: str,
    *,
    setting: str = "the target URL",
    **kwargs: Any,
) -> httpx.Response:
    """Send a request; a connection failure is a typed one-line ``TargetError`` naming the URL and ``setting``.

    After one, every later request to the same origin fails at once with the same line.
    """
    url = str(client.base_url.join(path))
    with SURFACES.of(url).guard(), http_errors(url, setting, client.timeout.read):
        return client.request(method, path, **kwargs)


@dataclass
class ApiSession:
    """A runtime-API client holding a smoke account's bearer token."""

    client: httpx.Client
    user: dict[str, Any]
    settings: Settings
    setting: str = "API_BASE_URL"

    def path(self, endpoint: str, **ids: str) -> str:
        """The configured path of an endpoint, ids filled in."""
        return self.settings.endpoints[endpoint].format(**ids)

    def call(self, method: str, endpoint: str, ids: Mapping[str, str] | None = None, **kwargs: Any) -> httpx.Response:
        """Call a named endpoint as this account."""
        path = self.path(endpoint, **(ids or {}))
        return request(self.client, method, path, setting=self.setting, **kwargs)

    def close(self) -> None:
        self.client.close()


def api_login(
    settings: Settings,
    account: SmokeAccount,
    *,
    base_url: str | None = None,
    setting: str = "API_BASE_URL",
    client_args: Mapping[str, Any] | None = None,
) -> ApiSession:
    """Log in to the runtime API (``API_BASE_URL``, or ``base_url`` such as ``WOC_API_URL``)."""
    args = http_client_args(settings) if client_args is None else client_args
    client = open_client(base_url or settings.api_url, setting, args)
    session = ApiSession(client, {}, settings, setting)
    try:
        session.user = _api_token(session, account)
    except BaseException:
        client.close()
        raise
    return session


def _api_token(session: ApiSession, account: SmokeAccount) -> dict[str, Any]:
    """Log the session in; the account's user record from the login answer."""
    path = session.path("api_login")
    with BLOCKER.logging_in():
        response = session.call(
            "POST", "api_login", json={"email": account.email, "password": account.password.reveal()}
        )
    if response.status_code != 200:
        raise TargetAnswerError(f"API login as {account.email} failed: HTTP {response.status_code} from {path}")
    body = json_body(response)
    token = body.get("accessToken") if isinstance(body, Mapping) else None
    if not isinstance(token, str) or not token:
        raise TargetAnswerError(
            f"the login answer of {response.request.url} has no accessToken; "
            f"check that {session.setting} points at the WorkOnClock runtime API"
        )
    session.client.headers["Authorization"] = f"Bearer {token}"
    user = body.get("user")
    return user if isinstance(user, dict) else {}


@dataclass
class WebSession:
    """A web/admin client holding a smoke account's session cookie."""

    client: httpx.Client
    settings: Settings

    def call(self, method: str, endpoint: str, ids: Mapping[str, str] | None = None, **kwargs: Any) -> httpx.Response:
        """Call a named web endpoint with this session."""
        path = self.settings.endpoints[endpoint].format(**(ids or {}))
        return request(self.client, method, path, setting="NEXTAUTH_URL", **kwargs)

    def close(self) -> None:
        self.client.close()


def web_login(
    settings: Settings,
    account: SmokeAccount,
    *,
    client_args: Mapping[str, Any] | None = None,
) -> WebSession:
    """Log in through the web login form, found by its labels, as a person would."""
    args = http_client_args(settings) if client_args is None else client_args
    session = WebSession(open_client(settings.web_url, "NEXTAUTH_URL", args), settings)
    try:
        _sign_in(session, account)
    except BaseException:
        session.close()
        raise
    return session


def _sign_in(session: WebSession, account: SmokeAccount) -> None:
    path = session.settings.endpoints["web_login"]
    form = LoginForm.parse(session.call("GET", "web_login").text)
    labels = session.settings.ui
    fields = dict(form.hidden)
    try:
        fields[form.name_for(labels["email"])] = account.email
        fields[form.name_for(labels["password"])] = account.password.reveal()
    except KeyError as missing:
        raise TargetAnswerError(
            f"the login form at {path} has no field labelled {missing}; check NEXTAUTH_URL and the [ui] labels"
        ) from None
    with BLOCKER.logging_in():
        response = request(
            session.client,
            "POST",
            urljoin(path, form.action or path),
            setting="NEXTAUTH_URL",
            data=fields,
        )
    if response.status_code not in (302, 303) or not session.client.cookies:
        raise TargetAnswerError(f"web login as {account.email} failed: HTTP {response.status_code} from {path}")


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
