"""Secrets never show: not in str, repr, formatting, pickles or tracebacks; URLs show no password."""

import pickle
from dataclasses import dataclass

import pytest

from woc_gate.redaction import Redactor, Secret, mask_url

pytest_plugins = ["pytester"]

VALUE = "hunter2-is-the-password"


def test_a_secret_shows_only_stars():
    secret = Secret(VALUE)
    assert (str(secret), repr(secret), f"{secret}", f"{secret:>6}", "%s" % secret) == (  # noqa: UP031
        "****",
        "Secret('****')",
        "****",
        "  ****",
        "****",
    )
    assert secret.reveal() == VALUE
    assert secret == Secret(VALUE) and bool(secret) and not Secret("")


def test_a_secret_cannot_be_pickled():
    with pytest.raises(TypeError, match="a Secret cannot be pickled"):
        pickle.dumps(Secret(VALUE))


def test_a_secret_stays_hidden_in_a_failing_tests_traceback(pytester, monkeypatch):
    monkeypatch.setenv("PLANTED", VALUE)
    pytester.makepyfile("""
        import os
        from woc_gate.redaction import Secret
        def test_leak():
            secret = Secret(os.environ["PLANTED"])
            assert secret == "something else"
    """)
    result = pytester.runpytest("--showlocals", "-p", "no:woc_gate")
    assert result.ret == 1
    assert VALUE not in result.stdout.str()
    result.stdout.fnmatch_lines(["*secret * = Secret('****')*"])


@pytest.mark.parametrize(
    "url, shown",
    [
        ("mysql://woc:pw@db:3306/x", "mysql://woc:****@db:3306/x"),
        ("https://:token@api.example.com/v1", "https://:****@api.example.com/v1"),
        ("https://api.example.com/v1", "https://api.example.com/v1"),
        ("http://[::1", "****"),
    ],
)
def test_urls_are_shown_without_their_password(url, shown):
    assert mask_url(url) == shown


@dataclass
class Report:
    lines: list
    crash: tuple


def test_the_redactor_scrubs_nested_report_objects_longest_value_first():
    redact = Redactor(["abc", "secret-1", "secret-1-longer"])
    report = Report(["x secret-1-longer y", ("secret-1",)], ("in secret-1", 3))
    assert redact.scrub(report) == Report(["x **** y", ("****",)], ("in ****", 3))
    assert redact("abc is too short to redact") == "abc is too short to redact"


BROWSER_WRITTEN = 'p a~s*s"wörd!'  # as a browser's form body, encodeURIComponent and JSON each write it differently


@pytest.mark.parametrize(
    "written",
    [
        "password=p+a%7Es*s%22w%C3%B6rd%21&next=/",  # a browser's x-www-form-urlencoded body
        "password=p%20a~s*s%22w%C3%B6rd!&next=/",  # JavaScript's encodeURIComponent
        'password={"p a~s*s\\"wörd!"}&next=/',  # a JSON log
        'password={"p a~s*s\\"w\\u00f6rd!"}&next=/',  # a JSON log that escapes non-ASCII
    ],
)
def test_the_encoded_redactor_masks_a_secret_as_browsers_and_logs_write_it(written):
    assert Redactor([BROWSER_WRITTEN]).encoded()(written) in ("password=****&next=/", 'password={"****"}&next=/')


def test_bytes_that_are_not_utf8_pass_the_redactor_unchanged_around_a_masked_secret():
    data = b"\x89PNG\xff\xfe" + BROWSER_WRITTEN.encode() + b"\x80\x00"
    assert Redactor([BROWSER_WRITTEN]).scrub_bytes(data) == b"\x89PNG\xff\xfe****\x80\x00"
