"""How the web app sends its five emails: through Resend's API, or (dev only) not at all."""

from __future__ import annotations

import html
import logging
import ssl
from dataclasses import dataclass

import httpx

from woc_gate.sandbox.context import SandboxContext

log = logging.getLogger("woc_gate.sandbox.web.email")


class EmailNotSent(Exception):
    """An email the flow needs could not be sent (provider missing or refusing)."""


@dataclass(frozen=True)
class Email:
    """One message: recipient, subject, plain-text body and an optional call-to-action link."""

    to: str
    subject: str
    text: str
    link: str | None = None
    reply_to: str | None = None

    def html(self) -> str:
        """The message as simple HTML, the link as an anchor."""
        paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in self.text.split("\n\n"))
        if self.link:
            paragraphs += f'<p><a href="{html.escape(self.link)}">{html.escape(self.link)}</a></p>'
        return paragraphs

    def plain(self) -> str:
        """The message as plain text, the link on its own line."""
        return f"{self.text}\n\n{self.link}" if self.link else self.text


class Mailer:
    """Sends through the Resend API at ``ctx.mail_base_url`` when a key is set (EMAIL_REQUIRE_PROVIDER rule)."""

    def __init__(self, ctx: SandboxContext) -> None:
        self._ctx = ctx
        verify: ssl.SSLContext | bool = ssl.create_default_context(cafile=ctx.ca_bundle) if ctx.ca_bundle else True
        self._client = httpx.AsyncClient(base_url=ctx.mail_base_url, verify=verify, timeout=10.0)

    async def send(self, email: Email) -> str | None:
        """Send an email; its provider id, or None when dropped because no provider is required."""
        ctx = self._ctx
        if not ctx.resend_api_key:
            if ctx.email_require_provider:
                raise EmailNotSent("RESEND_API_KEY is not set and EMAIL_REQUIRE_PROVIDER is true; set the key")
            log.info("email %r not sent: no RESEND_API_KEY (EMAIL_REQUIRE_PROVIDER is false)", email.subject)
            return None
        payload = {
            "from": ctx.email_from,
            "to": [email.to],
            "subject": email.subject,
            "html": email.html(),
            "text": email.plain(),
        }
        if email.reply_to:
            payload["reply_to"] = email.reply_to
        try:
            response = await self._client.post(
                "/emails", json=payload, headers={"Authorization": f"Bearer {ctx.resend_api_key}"}
            )
        except httpx.HTTPError as error:
            raise EmailNotSent(f"the email provider at {ctx.mail_base_url} cannot be reached: {error}") from None
        if response.status_code >= 300:
            raise EmailNotSent(
                f"the email provider refused the email: HTTP {response.status_code} {response.text[:200]}"
            )
        return response.json().get("id")

    async def close(self) -> None:
        """Release the HTTP connections."""
        await self._client.aclose()
