"""Checks of the headers every public page sends in its first answer, before any redirect is followed.

A browser meets HSTS on the first answer it gets: a redirect without ``Strict-Transport-Security``
leaves that first hop open to a downgrade even when the page it ends on sends one. So each public
page (``/``, the login page, admin and the health routes, per public URL) is fetched once, redirects
not followed, and judged on that answer alone. Fault that proves them: ``hsts-only-after-redirect``.
"""

from __future__ import annotations

import re

import httpx

from ..config import Settings
from . import CheckFailure

# (the variable of the public URL, the page: "/" or the name of an endpoint)
PAGES = (
    ("NEXTAUTH_URL", "/"),
    ("NEXTAUTH_URL", "web_login"),
    ("NEXTAUTH_URL", "admin"),
    ("NEXTAUTH_URL", "web_health"),
    ("API_BASE_URL", "api_health"),
    ("WOC_API_URL", "api_health"),
)
MAX_AGE = re.compile(r"(?:^|;)\s*max-age\s*=\s*\"?(\d+)\"?\s*(?:;|$)", re.IGNORECASE)
FRAMING = ("DENY", "SAMEORIGIN")
FRAME_ANCESTORS = re.compile(r"(?:^|;)\s*frame-ancestors\s", re.IGNORECASE)


def page_path(settings: Settings, page: str) -> str:
    """The path of a page of ``PAGES``."""
    return page if page.startswith("/") else settings.endpoints[page]


def hsts_max_age(value: str | None) -> int | None:
    """The max-age of a ``Strict-Transport-Security`` value; None when there is no header or no max-age."""
    found = MAX_AGE.search(value or "")
    return int(found.group(1)) if found else None


def first_answer_sends_hsts(where: str, response: httpx.Response, min_age: int) -> None:
    """The first answer of the page ``where`` sends Strict-Transport-Security with a max-age of ``min_age`` or more."""
    __tracebackhide__ = True
    value = response.headers.get("strict-transport-security")
    age = hsts_max_age(value)
    if age is None or age < min_age:
        raise CheckFailure(
            f"{where} answers HTTP {response.status_code} without a strict HSTS header",
            f"Strict-Transport-Security with max-age >= {min_age} on the first answer, redirects included",
            f"Strict-Transport-Security: {value}" if value else "no Strict-Transport-Security header",
        )


def first_answer_sends_security_headers(where: str, response: httpx.Response) -> None:
    """The first answer says ``nosniff``, and an HTML page forbids other sites to frame it."""
    __tracebackhide__ = True
    missing = []
    if response.headers.get("x-content-type-options", "").strip().lower() != "nosniff":
        missing.append(f"X-Content-Type-Options: {response.headers.get('x-content-type-options', 'absent')}")
    if _is_html_page(response) and not _forbids_framing(response.headers):
        missing.append("neither X-Frame-Options DENY/SAMEORIGIN nor a CSP frame-ancestors directive")
    if missing:
        raise CheckFailure(
            f"{where} answers HTTP {response.status_code} without its security headers",
            "X-Content-Type-Options: nosniff; on HTML pages X-Frame-Options DENY or SAMEORIGIN, or CSP frame-ancestors",
            "; ".join(missing),
        )


def _is_html_page(response: httpx.Response) -> bool:
    html = response.headers.get("content-type", "").lower().startswith("text/html")
    return html and not response.is_redirect


def _forbids_framing(headers: httpx.Headers) -> bool:
    if headers.get("x-frame-options", "").strip().upper() in FRAMING:
        return True
    return any(FRAME_ANCESTORS.search(policy) for policy in headers.get_list("content-security-policy"))
