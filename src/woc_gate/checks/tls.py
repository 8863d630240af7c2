"""Checks of TLS on the public endpoints (NEXTAUTH_URL, API_BASE_URL, WOC_API_URL), from sslyze scans."""

from __future__ import annotations

import datetime
from urllib.parse import urlsplit, urlunsplit

import httpx

from ..target.tls import TlsScan
from . import CheckFailure

MODERN = frozenset({"TLS 1.2", "TLS 1.3"})
REDIRECTS = (301, 302, 307, 308)


def url_is_https(name: str, url: str | None) -> None:
    """``name`` is an https URL."""
    __tracebackhide__ = True
    if not url or urlsplit(url).scheme != "https":
        raise CheckFailure(f"{name} is not served over TLS", "an https:// URL", url or "nothing")


def chain_is_trusted(name: str, scan: TlsScan) -> None:
    """The certificate chain of ``name`` validates for its host against the system or configured roots."""
    __tracebackhide__ = True
    if scan.validation_error is not None:
        raise CheckFailure(
            f"the certificate chain of {name} ({scan.endpoint}) does not validate",
            "a chain to a trusted root, for the URL's host",
            scan.validation_error,
        )


def certificate_outlives(name: str, scan: TlsScan, days: int, now: datetime.datetime | None = None) -> None:
    """The certificate of ``name`` is valid for more than ``days`` days."""
    __tracebackhide__ = True
    now = now or datetime.datetime.now(datetime.UTC)
    expiry = scan.chain[0].not_valid_after_utc
    left = expiry - now
    if left <= datetime.timedelta(days=days):
        raise CheckFailure(
            f"the certificate of {name} ({scan.endpoint}) expires within {days} days",
            f"more than {days} days left",
            f"expires {expiry:%Y-%m-%d %H:%M} UTC ({left.days} days left)",
        )


def only_modern_protocols(name: str, scan: TlsScan) -> None:
    """``name`` accepts TLS 1.2 or 1.3 and nothing older."""
    __tracebackhide__ = True
    old = sorted(scan.protocols - MODERN)
    if old or not scan.protocols & MODERN:
        raise CheckFailure(
            f"{name} ({scan.endpoint}) accepts old TLS versions" if old else f"{name} accepts neither TLS 1.2 nor 1.3",
            "TLS 1.2 and/or 1.3 only",
            ", ".join(sorted(scan.protocols)) or "no protocol",
        )


def plain_http_url(https_url: str, configured: str | None) -> str:
    """Where plain HTTP for an https URL is served: the configured URL, else port 80 of the same host."""
    if configured:
        return configured
    parts = urlsplit(https_url)
    return urlunsplit(("http", parts.hostname or "", parts.path or "/", "", ""))


def redirects_to_https(name: str, plain_url: str, response: httpx.Response) -> None:
    """A plain-HTTP request to ``name`` is redirected to https."""
    __tracebackhide__ = True
    location = response.headers.get("location", "")
    if response.status_code not in REDIRECTS or urlsplit(location).scheme != "https":
        raise CheckFailure(
            f"plain HTTP to {name} ({plain_url}) is not redirected to https",
            "a 301, 302, 307 or 308 redirect to an https:// URL",
            f"HTTP {response.status_code}" + (f" to {location}" if location else ""),
        )
