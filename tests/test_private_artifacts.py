"""What a browser gate run leaves on disk: no secret in any kept file, kept files private, temporary files gone;
and a browser that trusts exactly the configured CA bundle.

One failing browser run on the TLS stack (a login typed in a traced page, a logged-in state) serves the first
test; the right bundle passes there, the wrong one fails in the second. A kept file that cannot be scrubbed is
shown in process, without a browser; that the drill's dump is gone after a run, in test_restore_sandbox.py.
"""

from __future__ import annotations

import json
import re
import stat
import tomllib
import zipfile
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from gate_runs import ROOT, failing, items_by_id, run_gate_tests

from woc_gate.sandbox.tls import make_tls_files

pytestmark = pytest.mark.slow  # browser runs in subprocesses

pytest_plugins = ["pytester"]

WEB_LOGIN = f"{ROOT / 'smoke' / 'test_post_migration.py'}::test_web_login"
DESKTOP_LOGIN = f"{ROOT / 'smoke' / 'test_post_migration.py'}::test_desktop_login"
FAILING_AFTER_LOGIN = """
import pytest
from woc_gate.plugin.fixtures import smoke_account
from woc_gate.target.browser import log_in

@pytest.mark.gate("migration-runbook")
def test_fails_after_a_login(page, admin_page, woc_settings):
    log_in(page, woc_settings, smoke_account(woc_settings, "a", "admin"))
    admin_page("b")
    pytest.fail("planted failure after a login")
"""


def planted_secrets(sandbox) -> dict[str, str]:
    """The stack's secrets: smoke passwords, database password, API keys, cron, JWT and NextAuth secrets."""
    ctx = sandbox.ctx
    smoke = tomllib.loads(sandbox.profile_path.read_text())["smoke"]
    secrets = {
        f"smoke {tenant} {key}": value
        for tenant, table in smoke.items()
        for key, value in table.items()
        if key.endswith("_password")
    }
    secrets |= {
        "DB_PASSWORD": ctx.db.password,
        "CRON_SECRET": ctx.cron_secret,
        "JWT_SECRET": ctx.jwt_secret,
        "NEXTAUTH_SECRET": ctx.nextauth_secret,
        "RESEND_API_KEY": ctx.resend_api_key,
        "resend_read_key": ctx.resend_read_key,
    }
    assert all(len(value) >= 8 for value in secrets.values()) and len(set(secrets.values())) == len(secrets)
    return secrets


def written_forms(value: str) -> set[str]:
    """A secret as a file may hold it: plain, JSON-escaped, percent- and form-encoded."""
    return {value, json.dumps(value)[1:-1], quote(value, safe=""), quote_plus(value, safe="")}


def file_texts(folder: Path):
    """(path, text) of every file under ``folder``; each member of a zip on its own."""
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                for member in archive.namelist():
                    yield f"{path}!{member}", archive.read(member).decode("utf-8", "replace")
        else:
            yield str(path), path.read_bytes().decode("utf-8", "replace")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(scope="module")
def tls_stack(dev_stack_factory):
    """The shared TLS stack, started (if it is not yet) before ``own_temp`` points TMPDIR at a folder that goes away
    with the test: a stack started inside would keep its database's socket there."""
    return dev_stack_factory(tls=True)


def test_a_failing_browser_run_keeps_no_secret_and_only_private_files(pytester, tls_stack, own_temp):
    sandbox = tls_stack
    secrets = planted_secrets(sandbox)
    pytester.makepyfile(test_planted=FAILING_AFTER_LOGIN)
    result, record = run_gate_tests(
        pytester,
        "test_planted.py",
        WEB_LOGIN,
        f"--woc-config={sandbox.profile_path}",
        "--junitxml=junit.xml",
        "--gate-markdown=gate.md",
        "-p",
        "no:randomly",
        in_subprocess=True,
    )
    output = result.stdout.str()
    tests = {test["nodeid"].rsplit("::", 1)[1]: test for item in record["items"] for test in item["tests"]}
    assert failing(items_by_id(record)["migration-runbook"]) == {
        "test_fails_after_a_login[chromium]": "planted failure after a login"
    }, output
    assert tests["test_web_login[chromium]"]["outcome"] == "passed"  # the right CA bundle: the browser logs in

    kept = [pytester.path / path for path in tests["test_fails_after_a_login[chromium]"]["artifacts"]]
    assert sorted(path.name for path in kept) == [
        "test-failed-1.png",
        "test-failed-2.png",
        "trace-1.zip",
        "trace-2.zip",
    ]
    leaks = {
        (where, name)
        for folder in (pytester.path, own_temp)
        for where, text in file_texts(folder)
        for name, value in secrets.items()
        if any(form in text for form in written_forms(value))
    }
    assert leaks == set()
    with zipfile.ZipFile(pytester.path / "test-results" / kept[0].parent.name / "trace-1.zip") as trace:
        bodies = [trace.read(name) for name in trace.namelist() if name.startswith("resources/")]
    assert any(b"&password=****" in body for body in bodies)  # the login's form body, masked where it was

    assert not [path for path in own_temp.iterdir() if path.name.startswith("woc-gate-private-")]
    assert not [path for path in pytester.path.rglob("*") if "storage" in path.name]  # the logged-in states

    results = pytester.path / "test-results"
    assert {
        mode(path) for path in [*kept, *(pytester.path / name for name in ("gate.json", "gate.md", "junit.xml"))]
    } == {0o600}
    assert {mode(path) for path in [results, *results.iterdir()]} == {0o700}


def test_the_browser_refuses_a_certificate_the_ca_bundle_does_not_vouch_for(pytester, tmp_path, dev_stack_factory):
    sandbox = dev_stack_factory(tls=True)
    wrong = make_tls_files(tmp_path / "other-ca").ca_bundle
    result, record = run_gate_tests(
        pytester,
        WEB_LOGIN,
        DESKTOP_LOGIN,
        f"--woc-config={sandbox.profile_path}",
        f"--woc-ca-bundle={wrong}",
        "-p",
        "no:randomly",
        in_subprocess=True,
    )
    item = items_by_id(record)["migration-runbook"]
    assert item["status"] == "FAIL"
    found = failing(item)
    assert found["test_web_login[chromium]"] == (
        f"the TLS certificate of {sandbox.ctx.web_base_url} is not trusted (self-signed certificate in certificate "
        "chain); pass --woc-ca-bundle PATH (or WOC_GATE_CA_BUNDLE) with the CA that signs it"
    ), result.stdout.str()
    assert {re.sub(r"https://\S+ ", "URL ", message) for message in found.values()} == {  # the HTTP checks' finding
        re.sub(r"https://\S+ ", "URL ", found["test_web_login[chromium]"])
    }
    assert sorted(found) == ["test_desktop_login", "test_web_login[chromium]"]


KEEPS_FILES = """
import io, zipfile
from pathlib import Path
import pytest

@pytest.mark.gate("migration-runbook")
def test_keeps_files(record_property):
    kept = Path("test-results/keeps-files")
    kept.mkdir(parents=True)
    (kept / "console.log").write_text("typed {password} into the form")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as trace:
        trace.writestr("trace.network", "{password}")
    (kept / "trace.zip").write_bytes(b"XXXX" + archive.getvalue()[4:])  # its first member's header spoilt
    record_property("playwright_console", str(kept / "console.log"))
    record_property("playwright_trace", str(kept / "trace.zip"))
    pytest.fail("planted")
"""


def test_a_kept_file_is_scrubbed_and_private_and_one_that_cannot_be_scrubbed_is_not_kept(pytester, monkeypatch):
    password = "Sm0ke-S3cret~typed"
    monkeypatch.setenv("WOC_GATE_SMOKE_A_ADMIN_EMAIL", "admin@smoke-acme.test")
    monkeypatch.setenv("WOC_GATE_SMOKE_A_ADMIN_PASSWORD", password)
    pytester.makepyfile(KEEPS_FILES.replace("{password}", password))
    result, record = run_gate_tests(pytester)
    [test] = items_by_id(record)["migration-runbook"]["tests"]
    assert test["artifacts"] == ["test-results/keeps-files/console.log"]
    kept = pytester.path / "test-results" / "keeps-files"
    assert (kept / "console.log").read_text() == "typed **** into the form"
    assert [path.name for path in kept.iterdir()] == ["console.log"]
    assert (mode(kept / "console.log"), mode(kept), mode(kept.parent)) == (0o600, 0o700, 0o700)
    result.stdout.fnmatch_lines(
        ["*removed test-results/keeps-files/trace.zip: it could not be scrubbed of secrets (Bad magic number*"]
    )
