"""Checks of the email provider (runbook §2 Resend setup): configured, required, sender verified, flows deliver."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from email.utils import parseaddr
from typing import Any

from ..config import Settings
from ..target.resend import Resend
from . import CheckFailure

FAILED_EVENTS = frozenset({"bounced", "complained", "failed", "canceled", "suppressed"})
POLL_SECONDS = 0.5
CLOCK_SKEW = timedelta(minutes=2)  # between this machine and the provider; emails seen before the flow are skipped


def provider_is_configured(settings: Settings) -> None:
    """RESEND_API_KEY and EMAIL_FROM are set."""
    __tracebackhide__ = True
    missing = [name for name in ("RESEND_API_KEY", "EMAIL_FROM") if not settings.var(name)]
    if missing:
        raise CheckFailure(
            f"the email provider is not configured: {', '.join(missing)} unset", "both set", "unset or empty"
        )


def provider_is_required(settings: Settings) -> None:
    """EMAIL_REQUIRE_PROVIDER is true outside dev, so that a missing key fails loudly."""
    __tracebackhide__ = True
    value = (settings.var("EMAIL_REQUIRE_PROVIDER") or "").strip().lower()
    if value != "true":
        raise CheckFailure(
            f"EMAIL_REQUIRE_PROVIDER is not true in {settings.environment}",
            "EMAIL_REQUIRE_PROVIDER=true",
            value or "unset",
        )


def sender_domain(settings: Settings) -> str:
    """The domain of EMAIL_FROM."""
    return parseaddr(settings.var("EMAIL_FROM") or "")[1].rpartition("@")[2].lower()


def sender_domain_is_verified(resend: Resend, domain: str) -> None:
    """The sender's domain is verified at the provider, every DNS record of it too."""
    __tracebackhide__ = True
    found = [d for d in resend.domains() if d["name"].lower() == domain]
    if not found:
        raise CheckFailure(f"the sender domain {domain} is not set up at the provider", "a verified domain", "absent")
    detail = resend.domain(found[0]["id"])
    pending = [f"{r.get('record')} {r.get('type')} {r.get('name')}: {r['status']}" for r in detail.get("records", [])]
    pending = [line for line in pending if not line.endswith(": verified")]
    if detail["status"] != "verified" or pending:
        raise CheckFailure(
            f"the sender domain {domain} is not verified at the provider",
            "status verified and every DNS record verified",
            "; ".join([f"status {detail['status']}", *pending]),
        )


def find_email(
    resend: Resend, flow: str, recipient: str, since: datetime, wait: float, skip: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """The newest email to ``recipient`` sent since ``since`` (ids in ``skip`` left out), waiting up to ``wait`` s."""
    __tracebackhide__ = True
    deadline = time.monotonic() + wait
    while True:
        for email in resend.emails_since(since):
            if email["id"] not in skip and recipient.lower() in (address.lower() for address in email["to"]):
                return email
        if time.monotonic() > deadline:
            raise CheckFailure(
                f"the {flow} email to {recipient} was not sent",
                f"an email to {recipient} at the provider within {wait:g} s",
                "none",
            )
        time.sleep(POLL_SECONDS)


def email_is_delivered(resend: Resend, flow: str, email: dict[str, Any], wait: float) -> None:
    """The email's ``last_event`` reaches ``delivered`` within ``wait`` seconds."""
    __tracebackhide__ = True
    deadline = time.monotonic() + wait
    event = email.get("last_event")
    while event != "delivered":
        if event in FAILED_EVENTS or time.monotonic() > deadline:
            raise CheckFailure(
                f"the {flow} email to {', '.join(email['to'])} was not delivered",
                f"last_event delivered within {wait:g} s",
                f"last_event {event}",
            )
        time.sleep(POLL_SECONDS)
        event = resend.email(email["id"]).get("last_event")


def flow_delivers(
    resend: Resend, flow: str, recipient: str, trigger: Callable[[], None], wait: float
) -> dict[str, Any]:
    """Trigger a flow, then find its email to ``recipient`` at the provider and follow it until delivered."""
    __tracebackhide__ = True
    since = datetime.now().astimezone() - CLOCK_SKEW
    earlier = frozenset(email["id"] for email in resend.emails_since(since))
    trigger()
    email = find_email(resend, flow, recipient, since, wait, earlier)
    email_is_delivered(resend, flow, email, wait)
    return email
