"""The five emails the web app sends (runbook §2): verification, invite, password reset, contact, adhoc decision."""

from __future__ import annotations

from urllib.parse import urlencode

from woc_gate.sandbox.mailer import Email
from woc_gate.sandbox.sql import Row, iso


def _link(base_url: str, path: str, token: str) -> str:
    return f"{base_url.rstrip('/')}{path}?{urlencode({'token': token})}"


def verification_email(base_url: str, to: str, token: str) -> Email:
    """Registration: confirm the new owner's address."""
    return Email(
        to,
        "Verify your email for WorkOnClock",
        "Welcome to WorkOnClock. Confirm your email address with the link below.",
        _link(base_url, "/verify-email", token),
    )


def invite_email(base_url: str, to: str, organization: str, token: str) -> Email:
    """Invite: join an organization through a one-time link."""
    return Email(
        to,
        f"You're invited to join {organization} on WorkOnClock",
        f"{organization} invited you to WorkOnClock. Accept the invite within 7 days with the link below.",
        _link(base_url, "/invite/accept", token),
    )


def password_reset_email(base_url: str, to: str, token: str) -> Email:
    """Forgotten password: a one-time reset link."""
    return Email(
        to,
        "Reset your WorkOnClock password",
        "Someone asked to reset your WorkOnClock password. The link below works once, for one hour."
        " If it was not you, ignore this email.",
        _link(base_url, "/reset-password", token),
    )


def contact_email(to: str, name: str, sender: str, message: str) -> Email:
    """Contact form: the message, to CONTACT_TO, replying to the sender."""
    return Email(to, f"New contact message from {name}", f"From {name} <{sender}>:\n\n{message}", reply_to=sender)


def adhoc_decision_email(request: Row, status: str) -> Email:
    """Adhoc request: tell the requester whether the time was approved or rejected."""
    verdict = "approved" if status == "APPROVED" else "rejected"
    return Email(
        request["email"],
        f"Your time request was {verdict}",
        f"Hello {request['name']}, your request for time from {iso(request['startedAt'])}"
        f" to {iso(request['endedAt'])} was {verdict}.",
    )
