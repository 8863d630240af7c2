"""Runbook §2 "TLS on all public endpoints": every public page's first answer, redirects included, sends HSTS."""

from __future__ import annotations

import pytest

from woc_gate.checks import headers

pytestmark = [
    pytest.mark.gate("env-inventory"),
    pytest.mark.readiness,
    pytest.mark.parametrize(("variable", "public_page"), headers.PAGES, ids=[f"{v} {p}" for v, p in headers.PAGES]),
]


def test_first_answer_sends_hsts_with_a_long_max_age(first_answer, woc_settings):
    where, response = first_answer
    headers.first_answer_sends_hsts(where, response, woc_settings.hsts_min_age)


def test_first_answer_sends_the_security_headers(first_answer):
    where, response = first_answer
    headers.first_answer_sends_security_headers(where, response)
