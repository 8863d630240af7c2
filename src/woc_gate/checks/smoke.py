"""Post-migration smoke checks (runbook §3 step 5) in a real browser: pages found by role and label.

Each check drives a Playwright page already opened by a fixture and raises ``SmokeFailure`` naming
the page, the account and what was missing. Labels come from ``settings.ui``.
"""

from __future__ import annotations

from collections.abc import Iterable

from playwright.sync_api import Locator, Page

from ..config import Settings, SmokeAccount
from ..target.browser import in_browser, logged_in, open_page, submit_login
from . import CheckFailure


class SmokeFailure(CheckFailure):
    """A post-migration smoke flow that does not work."""


def web_login_succeeds(page: Page, settings: Settings, account: SmokeAccount) -> None:
    """The login form takes the smoke account's valid credentials and leaves the login page."""
    __tracebackhide__ = True
    submit_login(page, settings, account)
    if not logged_in(page, settings):
        alerts = _texts(page, "alert")
        raise SmokeFailure(
            f"Web login as {account.email} failed at {settings.endpoints['web_login']}",
            "the browser leaves the login page for the admin app",
            f"it stayed on {page.url}" + (f" showing {alerts}" if alerts else ""),
        )


def page_shows_heading(page: Page, settings: Settings, endpoint: str, heading: str) -> None:
    """An admin page opens (HTTP 200) with its level-1 heading."""
    __tracebackhide__ = True
    path = settings.endpoints[endpoint]
    status = open_page(page, path)
    name = settings.ui[heading]
    found = page.get_by_role("heading", name=name, level=1, exact=True).count()
    if status != 200 or not found:
        raise SmokeFailure(
            f"The admin page {path} does not open",
            f"HTTP 200 with the heading {name!r}",
            f"HTTP {status}, headings {_texts(page, 'heading')}",
        )


def page_lists_every(page: Page, what: str, path: str, expected: Iterable[str]) -> None:
    """Every one of ``expected`` (as the API lists them) is a table cell of the page."""
    __tracebackhide__ = True
    with in_browser(f"cannot read the table of {path}"):
        cells = set(page.get_by_role("cell").all_inner_texts())
    missing = sorted(set(expected) - {cell.strip() for cell in cells})
    if missing:
        raise SmokeFailure(
            f"The admin page {path} does not list every {what} the API lists", "none missing", f"missing {missing}"
        )


def settings_field(page: Page, settings: Settings) -> Locator:
    """The settings field the smoke changes, found by its label on the opened settings page."""
    page_shows_heading(page, settings, "admin_settings", "settings")
    field = page.get_by_label(settings.ui["settings_field"], exact=True)
    with in_browser(f"no field labelled {settings.ui['settings_field']!r} on {settings.endpoints['admin_settings']}"):
        field.wait_for()
    return field


def harmless_change(field: Locator) -> tuple[str, str]:
    """The field's value and a new one within its bounds: one more, or one less at the maximum."""
    with in_browser("cannot read the settings field"):
        value, maximum = field.input_value(), field.get_attribute("max")
    number = int(value)
    return value, str(number - 1 if maximum is not None and number + 1 > int(maximum) else number + 1)


def save_settings_field(page: Page, settings: Settings, value: str) -> None:
    """Fill the settings field and press the save button, as a person would."""
    with in_browser(f"cannot save {settings.endpoints['admin_settings']}"):
        page.get_by_label(settings.ui["settings_field"], exact=True).fill(value)
        with page.expect_navigation():
            page.get_by_role("button", name=settings.ui["save"]).click()


def settings_change_persists(page: Page, settings: Settings, expected: str) -> None:
    """After a reload the settings field shows the value just saved."""
    __tracebackhide__ = True
    with in_browser("cannot read the settings field"):
        seen = settings_field(page, settings).input_value()
    if seen != expected:
        raise SmokeFailure(
            f"A change saved through {settings.endpoints['admin_settings']} is not there after a reload",
            f"{settings.ui['settings_field']} = {expected}",
            f"{settings.ui['settings_field']} = {seen}",
        )


def screenshot_page_shows_image(page: Page, settings: Settings, screenshot_id: str) -> None:
    """The admin detail page of a screenshot opens and its image really loads (naturalWidth > 0)."""
    __tracebackhide__ = True
    path = settings.endpoints["admin_screenshot"].format(id=screenshot_id)
    status = open_page(page, path)
    with in_browser(f"cannot read the images of {path}"):
        page.wait_for_load_state("load")
        widths = page.get_by_role("img").evaluate_all("images => images.map(image => image.naturalWidth)")
    if status != 200 or not any(width > 0 for width in widths):
        raise SmokeFailure(
            f"The uploaded screenshot {screenshot_id} is not shown on {path}",
            "HTTP 200 and an image that loads (naturalWidth > 0)",
            f"HTTP {status}, image widths {widths}",
        )


def _texts(page: Page, role: str) -> list[str]:
    with in_browser(f"cannot read the {role}s of {page.url}"):
        return [text.strip() for text in page.get_by_role(role).all_inner_texts() if text.strip()]
