"""The tracking policy on the target: as the runtime API gives it, and as web settings read and write it."""

from __future__ import annotations

from typing import Any

import httpx

from ..target.clients import ApiSession, WebSession
from .contracts import json_payload


def api_policy(api: ApiSession) -> dict[str, Any]:
    """The policy the runtime API gives the desktop client, unwrapped from its envelope."""
    return json_payload(
        api.call("GET", "policy"), envelope=api.settings.envelopes["policy"], what=f"GET {api.path('policy')}"
    )


def web_settings(web: WebSession) -> dict[str, Any]:
    """The policy the web/admin settings API gives."""
    return json_payload(
        web.call("GET", "web_settings"),
        envelope=web.settings.envelopes["web_settings"],
        what=f"GET {web.settings.endpoints['web_settings']}",
    )


def write_web_settings(web: WebSession, policy: dict[str, Any]) -> httpx.Response:
    """Write a policy through the web/admin settings API, as the settings page does."""
    return web.call("PUT", "web_settings", json=policy)
