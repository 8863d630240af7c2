"""The route inventory of the tenant-isolation checks (profile ``[routes]``), and sending one request on a route.

Each resource lists its routes as ``"surface METHOD path"`` strings, ``surface`` being ``api`` (the
runtime API, bearer token) or ``web`` (the web/admin app, session cookie); ``{id}`` marks a route
that takes a record id, and ``?name&other`` after the path names query parameters the route takes
(``"api GET /time-entries?userId&projectId"``). ``refused`` and ``refused_anonymous`` list the
statuses that count as a refusal.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from ..config import Settings
from ..errors import ConfigError, TargetDisconnected
from .clients import anonymous, request

SURFACES = ("api", "web")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
STATUS_KEYS = ("refused", "refused_anonymous")
SETTINGS = {"api": "API_BASE_URL", "web": "NEXTAUTH_URL"}  # the variable that gives each surface's base URL


@dataclass(frozen=True)
class Route:
    """One route of the inventory: the resource it serves, its surface, method and path."""

    resource: str
    surface: str
    method: str
    path: str
    params: tuple[str, ...] = ()  # the query parameters the inventory names

    @property
    def takes_id(self) -> bool:
        """True when the path holds a record id."""
        return "{id}" in self.path

    def url(self, ident: str = "") -> str:
        """The path with the id filled in (escaped, so a malformed id stays one path segment)."""
        return self.path.replace("{id}", quote(ident, safe="")) if self.takes_id else self.path

    def id_pattern(self) -> re.Pattern[str]:
        """A pattern that finds this route's ids in a page's links and form actions."""
        before, _, after = self.path.partition("{id}")
        return re.compile(re.escape(before) + r"([A-Za-z0-9_-]{6,})" + re.escape(after) + r"(?=[\"'?#/]|$)")

    def __str__(self) -> str:
        return f"{self.surface} {self.method} {self.path}"


def inventory(settings: Settings) -> list[Route]:
    """Every route of the configured inventory; a ``ConfigError`` naming a malformed entry."""
    routes = []
    for resource, entries in settings.routes.items():
        if resource in STATUS_KEYS:
            continue
        if not isinstance(entries, list):
            raise ConfigError(f'[routes] {resource} must be a list of "surface METHOD path" strings')
        routes += [_route(resource, entry) for entry in entries]
    return routes


def statuses(settings: Settings, key: str) -> frozenset[int]:
    """The statuses that count as a refusal (``refused``) or as an anonymous refusal (``refused_anonymous``)."""
    values = settings.routes.get(key)
    if not isinstance(values, list) or not all(isinstance(v, int) for v in values):
        raise ConfigError(f"[routes] {key} must be a list of HTTP statuses, e.g. [401, 403, 404]")
    return frozenset(values)


def _route(resource: str, entry: Any) -> Route:
    parts = str(entry).split()
    if len(parts) != 3 or parts[0] not in SURFACES or parts[1] not in METHODS or not parts[2].startswith("/"):
        raise ConfigError(
            f'[routes] {resource}: {entry!r} is not "surface METHOD /path" '
            f"(surface {' or '.join(SURFACES)}, METHOD one of {', '.join(METHODS)})"
        )
    path, _, query = parts[2].partition("?")
    return Route(resource, parts[0], parts[1], path, tuple(filter(None, query.split("&"))))


def anonymous_clients(settings: Settings) -> dict[str, httpx.Client]:
    """A client without credentials per configured surface."""
    bases = {"api": settings.api_url, "web": settings.web_url}
    return {surface: anonymous(settings, url, SETTINGS[surface]) for surface, url in bases.items() if url}


def send(
    client: httpx.Client,
    route: Route,
    ident: str = "",
    form: Mapping[str, str] | None = None,
    *,
    params: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    cookies: Mapping[str, str] | None = None,
    body: Mapping[str, Any] | None = None,
) -> httpx.Response:
    """Send one request on a route (a web POST with the form fields it needs, such as its CSRF token).

    ``body`` is the change a write carries: JSON on the API, form fields on the web. ``cookies`` are sent
    beside the client's own (its session), for this request only.
    """
    writes = route.method != "GET"
    options: dict[str, Any] = {"params": params or None, "headers": dict(headers or {})}
    if writes and route.surface == "web":
        options["data"] = {**(form or {}), **(body or {})}
    elif writes and body is not None:
        options["json"] = dict(body)
    if cookies:
        jar = {cookie.name: cookie.value for cookie in client.cookies.jar}
        options["headers"]["Cookie"] = "; ".join(f"{name}={value}" for name, value in {**jar, **cookies}.items())
    setting = SETTINGS[route.surface]
    try:
        return request(client, route.method, route.url(ident), setting=setting, **options)
    except TargetDisconnected:
        # The server closed an idle keep-alive connection as it was reused: once more, on a new one.
        return request(client, route.method, route.url(ident), setting=setting, **options)
