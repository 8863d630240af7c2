"""Tenant-bound tokens: the invite, password-reset and verification links of one tenant redeemed by the other.

The product sends each link (an invite through the admin form, a reset through the forgotten-password
form, a verification through registration); the gate reads it at the email provider with its own key,
as the email checks read mails, and redeems it signed in as the other tenant's account, then anonymously.
Afterwards no account has moved: each smoke account signs in with its own password, into its own
organization, with its own role, and each tenant lists the same users as before, but for the link's
own addressee in the tenant that sent it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any, NamedTuple

from ..config import Settings, SmokeAccount
from ..errors import TargetAnswerError
from ..target.clients import api_login
from ..target.resend import Resend
from ..target.routes import Route, send
from . import CheckFailure
from .email import CLOCK_SKEW, find_email
from .tenant import DATE_LIKE, WORKERS, IsolationFailure, Party, answer_items

LINK = re.compile(r"https?://[^\s\"'<>]+")
Listed = dict[str, dict[str, dict[str, Any]]]  # tenant → email → the user as its admin lists it
Identity = tuple[str, str]  # the organization and role a smoke account signs in to


class SentLink(NamedTuple):
    """A link a flow sent: its URL, its addressee, the password to give, the tenant the addressee may join ("")."""

    url: str
    addressee: str
    password: str
    joins: str = ""


def sent_link(
    resend: Resend, flow: str, recipient: str, trigger: Callable[[], None], base_url: str, wait: float
) -> str:
    """Trigger a flow, find its email to ``recipient`` at the provider, and the link into the web app it holds."""
    __tracebackhide__ = True
    since = datetime.now().astimezone() - CLOCK_SKEW
    earlier = frozenset(email["id"] for email in resend.emails_since(since))
    trigger()
    sent = resend.email(find_email(resend, flow, recipient, since, wait, earlier)["id"])
    body = f"{sent.get('text') or ''} {sent.get('html') or ''}"
    links = [html.unescape(url) for url in LINK.findall(body)]
    found = next((url for url in links if url.startswith(base_url.rstrip("/") + "/")), None)
    if found is None:
        raise CheckFailure(
            f"the {flow} email to {recipient} holds no link into the web app",
            f"a link starting with {base_url}",
            ", ".join(links) or "no link",
        )
    return found


def listed_users(routes: Iterable[Route], parties: Iterable[Party], envelope: str) -> Listed:
    """The users each tenant's admin lists through the API's account lists (items with an email), by email."""
    listed: Listed = {}
    for party in parties:
        users = listed.setdefault(party.tenant, {})
        for route in routes:
            if route.surface == "api" and route.method == "GET" and not route.takes_id:
                for item in answer_items(send(party.clients["api"], route), envelope):
                    if isinstance(item.get("email"), str):
                        users[item["email"].lower()] = account_view(item)
    return listed


def account_view(item: Mapping[str, Any]) -> dict[str, Any]:
    """A listed user with its timestamps as set or not: one set anew (verified) is a change, one moving on is not."""
    return {name: "set" if isinstance(value, str) and DATE_LIKE.match(value) else value for name, value in item.items()}


def identities(settings: Settings, accounts: Mapping[tuple[str, str], SmokeAccount]) -> dict[tuple[str, str], Any]:
    """What each smoke account signs in to now (organization, role), or why it cannot sign in."""

    def signs_in(account: SmokeAccount) -> Any:
        try:
            session = api_login(settings, account)
        except TargetAnswerError as refusal:
            return str(refusal)
        session.close()
        return (session.user.get("organizationId", ""), session.user.get("role", ""))

    with ThreadPoolExecutor(WORKERS) as pool:
        return dict(zip(accounts, pool.map(signs_in, accounts.values()), strict=True))


def no_account_moved(
    before: Listed,
    after: Listed,
    signed_in: Mapping[tuple[str, str], Any],
    expected: Mapping[tuple[str, str], Identity],
    link: SentLink,
    what: str,
) -> None:
    """Each account signs in as before; each tenant lists the users it did (but for the addressee joining it)."""
    __tracebackhide__ = True
    joins, address = link.joins, link.addressee
    problems = [
        f"the {role} of tenant {tenant} {_identity(signed_in.get((tenant, role)))}"
        f" (before: organization {identity[0]} as {identity[1]})"
        for (tenant, role), identity in expected.items()
        if signed_in.get((tenant, role)) != identity
    ]
    for tenant, users in before.items():
        now = after.get(tenant, {})
        for email in sorted(set(users) | set(now)):
            if users.get(email) == now.get(email) or (
                tenant == joins and email == address.lower() and email not in users
            ):
                continue
            change = "added" if email not in users else "gone" if email not in now else "changed"
            problems.append(f"tenant {tenant}'s users: {email} {change}")
    if problems:
        raise IsolationFailure(
            f"{what} changed the smoke tenants' accounts",
            "every smoke account signing in as before; no user added, moved or changed"
            + (f" (but {address} joining tenant {joins})" if joins else ""),
            "\n  " + "\n  ".join(problems),
        )


def _identity(found: Any) -> str:
    if isinstance(found, tuple):
        return f"signs in to organization {found[0]} as {found[1]}"
    return f"cannot sign in ({found})"


def redeemed_without_server_error(statuses: Mapping[str, int], what: str) -> None:
    """Each redemption got an answer, a refusal or not, but no server error."""
    __tracebackhide__ = True
    errors = {who: status for who, status in statuses.items() if status >= 500}
    if errors:
        raise IsolationFailure(
            f"{what} met a server error",
            "an answer to each redemption (a refusal or not) without a server error",
            "; ".join(f"redeemed {who}: HTTP {status}" for who, status in errors.items()),
        )
