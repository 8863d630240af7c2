"""No secret reaches any output, whatever the shape of the URL or password that holds it."""

import pytest
from loopback import free_port

from woc_gate.redaction import mask_url

pytest_plugins = ["pytester"]

API_PASSWORD = "Ap1-S3cret#x"
WEB_PASSWORD = "W3b?S3cret@w"
DB_PASSWORD = "Db#S3c?ret@x"
RESEND_PASSWORD = "R3send-S3cret"
SMOKE_PASSWORD = "Sm0ke-S3cret"
PLANTED = (API_PASSWORD, WEB_PASSWORD, DB_PASSWORD, RESEND_PASSWORD, SMOKE_PASSWORD)

LEAKY_TESTS = """
import pytest

@pytest.mark.gate("schema-contracts")
def test_api(api_as):
    api_as("a")

@pytest.mark.gate("schema-contracts")
def test_web(web_as):
    web_as("a")

@pytest.mark.gate("backup-restore")
def test_db(woc_db):
    pass

@pytest.mark.gate("env-inventory")
def test_locals(woc_settings):
    urls = [woc_settings.api_url, woc_settings.web_url, woc_settings.database_url, woc_settings.resend_api_url]
    print(urls)
    assert urls == []
"""


def planted_environment(port, database):
    environ = {
        "API_BASE_URL": f"http://apiuser:{API_PASSWORD}@127.0.0.1:{port}",
        "NEXTAUTH_URL": f"webuser:{WEB_PASSWORD}@127.0.0.1:{port}",  # no scheme
        "WOC_GATE_RESEND_URL": f"https://re:{RESEND_PASSWORD}@api.resend.test",
        "WOC_GATE_SMOKE_A_ADMIN_EMAIL": "admin@smoke-acme.test",
        "WOC_GATE_SMOKE_A_ADMIN_PASSWORD": SMOKE_PASSWORD,
    }
    if database == "url":
        environ["DATABASE_URL"] = f"mysql://woc:{DB_PASSWORD}@127.0.0.1:{port}/workonclock"
    else:
        parts = {"DB_HOST": "127.0.0.1", "DB_PORT": str(port), "DB_USER": "woc", "DB_NAME": "workonclock"}
        environ |= parts | {"DB_PASSWORD": DB_PASSWORD}
    return environ


@pytest.mark.parametrize("database", ["url", "parts"])
def test_planted_secrets_reach_no_output(pytester, monkeypatch, database):
    port = free_port()
    for name, value in planted_environment(port, database).items():
        monkeypatch.setenv(name, value)
    pytester.makepyfile(LEAKY_TESTS)
    result = pytester.runpytest(
        "-v",
        "-l",
        "-rA",
        "--junitxml=junit.xml",
        "--gate-report=record.json",
        "--gate-markdown=record.md",
        "--gate-html=record.html",
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    outputs = {
        "terminal": result.stdout.str() + result.stderr.str(),
        **{
            name: (pytester.path / name).read_text()
            for name in ("junit.xml", "record.json", "record.md", "record.html")
        },
    }
    leaks = {(where, secret) for where, text in outputs.items() for secret in PLANTED if secret in text}
    assert leaks == set()
    result.stdout.fnmatch_lines(
        [
            "woc-gate: NEXTAUTH_URL=webuser:****@127.0.0.1:* (from env)",
            "woc-gate: API_BASE_URL=http://apiuser:****@127.0.0.1:* (from env)",
            "webuser:****@127.0.0.1:* is not an http:// or https:// URL; check NEXTAUTH_URL",
        ]
    )
    shown_locals = "'http://apiuser:****@127.0.0.1:{0}', 'webuser:****@127.0.0.1:{0}', 'mysql://woc:****@127.0.0.1:{0}/"
    assert shown_locals.format(port) in outputs["terminal"]


@pytest.mark.parametrize(
    "url, shown",
    [
        ("mysql://woc:p#ss?w@rd@db:3306/x", "mysql://woc:****@db:3306/x"),
        ("woc:pw@db:3306/x", "woc:****@db:3306/x"),
        ("//woc:pw@db/x", "//woc:****@db/x"),
        ("https://u:p@ss@api.example.com/v1?k=1", "https://u:****@api.example.com/v1?k=1"),
        ("http://u:pw@[::1", "http://u:****@[::1"),
        ("https://api.example.com/users/a@b.test", "https://api.example.com/users/a@b.test"),
        ("mysql://woc@db/x", "mysql://woc@db/x"),
    ],
)
def test_a_password_in_a_url_is_masked_whatever_its_shape(url, shown):
    assert mask_url(url) == shown
