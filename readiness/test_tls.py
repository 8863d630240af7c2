"""Runbook §2 "TLS on all public endpoints": NEXTAUTH_URL, API_BASE_URL and WOC_API_URL, scanned with sslyze."""

from __future__ import annotations

import pytest

from woc_gate.checks import tls
from woc_gate.config import PUBLIC_URLS
from woc_gate.target import clients

pytestmark = [
    pytest.mark.gate("env-inventory"),
    pytest.mark.readiness,
    pytest.mark.parametrize("variable", PUBLIC_URLS),
]


def test_public_endpoint_is_https(woc_settings, variable):
    if woc_settings.environment == "dev":
        pytest.skip("dev environment: TLS is not required")
    tls.url_is_https(variable, woc_settings.var(variable))


def test_certificate_chain_is_trusted_for_the_host(tls_scan, variable):
    tls.chain_is_trusted(variable, tls_scan)


def test_certificate_outlives_the_expiry_window(tls_scan, variable, woc_settings):
    tls.certificate_outlives(variable, tls_scan, woc_settings.tls_expiry_days)


def test_only_tls_1_2_or_newer_is_accepted(tls_scan, variable):
    tls.only_modern_protocols(variable, tls_scan)


def test_plain_http_redirects_to_https(tls_scan, variable, woc_settings):
    plain = tls.plain_http_url(woc_settings.var(variable), woc_settings.plain_http.get(variable))
    with clients.anonymous(woc_settings, plain, variable) as client:
        response = clients.request(client, "GET", plain)
    tls.redirects_to_https(variable, plain, response)
