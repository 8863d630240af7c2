"""Driving the web/admin app in a real browser as a person would: by accessible role and label.

Labels come from settings (``woc_settings.ui``). Playwright's errors are mapped here, once, to
``TargetError`` naming the page and what could not be found. A context given to ``refuse_writes`` aborts
each request the writes blocker refuses and leaves the refusal pending, for the test to fail with it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext, Page, Route
from playwright.sync_api import Error as PlaywrightError

from ..config import Settings, SmokeAccount
from ..errors import TargetError, WritesBlocked
from .writes import BLOCKER

STEP_TIMEOUT_MS = 10_000


@contextlib.contextmanager
def in_browser(what: str) -> Iterator[None]:
    """Turn a Playwright error (timeout, navigation failure) into a ``TargetError`` saying what was being done."""
    try:
        yield
    except PlaywrightError as error:
        first_line = str(error.message).strip().splitlines()[0] if error.message else type(error).__name__
        raise TargetError(f"{what}: {first_line}") from None


def refuse_writes(context: BrowserContext) -> None:
    """Send every request of the context past the writes blocker: one it refuses never leaves the browser."""
    context.route("**/*", _refuse_unmarked_write)


def _refuse_unmarked_write(route: Route) -> None:
    try:
        BLOCKER.refuse_method(route.request.method, route.request.url)
    except WritesBlocked as refusal:
        BLOCKER.pending = BLOCKER.pending or refusal
        route.abort("blockedbyclient")
    else:
        route.fallback()


def open_page(page: Page, path: str) -> int:
    """Go to a path of the web/admin app; the HTTP status of the page."""
    page.set_default_timeout(STEP_TIMEOUT_MS)
    with in_browser(f"cannot open {path}"):
        response = page.goto(path)
    return response.status if response else 0


def submit_login(page: Page, settings: Settings, account: SmokeAccount) -> None:
    """Fill and send the login form, found by its labels and its button's name."""
    labels = settings.ui
    open_page(page, settings.endpoints["web_login"])
    with in_browser(f"the login form at {settings.endpoints['web_login']} is not usable"):
        page.get_by_label(labels["email"], exact=True).fill(account.email)
        page.get_by_label(labels["password"], exact=True).fill(account.password.reveal())
        with BLOCKER.logging_in(), page.expect_navigation():
            page.get_by_role("button", name=labels["sign_in"]).click()


def logged_in(page: Page, settings: Settings) -> bool:
    """True when the browser has left the login page."""
    return urlsplit(page.url).path.rstrip("/") != settings.endpoints["web_login"].rstrip("/")


def log_in(page: Page, settings: Settings, account: SmokeAccount) -> None:
    """Log in through the form; a ``TargetError`` when the app keeps the browser on the login page."""
    submit_login(page, settings, account)
    if not logged_in(page, settings):
        raise TargetError(f"web login as {account.email} failed: the browser stayed on {page.url}")


def send_invite(page: Page, settings: Settings, email: str) -> None:
    """Invite an address through the admin invite form (found by its labels), as a person would."""
    path = settings.endpoints["admin_invites"]
    open_page(page, path)
    with in_browser(f"cannot send an invite through {path}"):
        page.get_by_label(settings.ui["email"], exact=True).fill(email)
        with page.expect_navigation():
            page.get_by_role("button", name=settings.ui["invite"]).click()
