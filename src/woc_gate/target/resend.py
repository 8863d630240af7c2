"""Resend's HTTP API, read with the gate's own full-access key: domains and sent emails.

Every answer other than a success is a ``TargetError`` of one line naming the request; a sending-only
key (401 ``restricted_api_key``) says that the gate needs a full-access key of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx

from ..config import Settings
from ..errors import TargetAnswerError, TargetError
from . import clients
from .boundary import json_body

PAGE = 100


class Resend:
    """A reading client of Resend's API (``resend_api_url``) holding the gate's key (``resend_read_key``)."""

    def __init__(self, settings: Settings) -> None:
        if not settings.resend_read_key:
            raise TargetError(
                "no Resend key of the gate's own: set resend_read_key in the profile (or WOC_GATE_RESEND_READ_KEY)"
                " to a full-access key; the deployment's RESEND_API_KEY is meant to only send"
            )
        self.client: httpx.Client = clients.anonymous(settings, settings.resend_api_url, "resend_api_url")
        self.client.headers["Authorization"] = f"Bearer {settings.resend_read_key.reveal()}"

    def get(self, path: str, **params: Any) -> Any:
        """The JSON body of a GET; a ``TargetError`` for any answer but a success."""
        response = clients.request(self.client, "GET", path, params=params or None, setting="resend_api_url")
        if response.is_success:
            return json_body(response)
        name = _error_name(response)
        if name == "restricted_api_key":
            raise TargetError(
                f"Resend refused GET {path} with 401 restricted_api_key: the gate's resend_read_key is a sending-only"
                " key; give the gate a full-access key of its own"
            )
        raise TargetError(f"Resend answered GET {path} with HTTP {response.status_code} {name}".rstrip())

    def domains(self) -> list[dict[str, Any]]:
        """Every domain of the account (GET /domains)."""
        return self.get("/domains")["data"]

    def domain(self, domain_id: str) -> dict[str, Any]:
        """One domain with its DNS records (GET /domains/{id})."""
        return self.get(f"/domains/{domain_id}")

    def email(self, email_id: str) -> dict[str, Any]:
        """One sent email with its ``last_event`` (GET /emails/{id})."""
        return self.get(f"/emails/{email_id}")

    def emails_since(self, since: datetime) -> Iterator[dict[str, Any]]:
        """The emails sent at or after ``since``, newest first (GET /emails, page by page)."""
        after = None
        while True:
            page = self.get("/emails", limit=PAGE, **({"after": after} if after else {}))
            for email in page["data"]:
                if datetime.fromisoformat(email["created_at"]) < since:
                    return
                yield email
            if not page.get("has_more") or not page["data"]:
                return
            after = page["data"][-1]["id"]

    def close(self) -> None:
        self.client.close()


def _error_name(response: httpx.Response) -> str:
    """The ``name`` of a Resend error answer; "" when its body is not such JSON."""
    try:
        body = json_body(response)
    except TargetAnswerError:
        return ""
    return str(body.get("name", "")) if isinstance(body, dict) else ""
