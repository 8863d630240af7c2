"""The HTML dashboard and the run history: a gate run after two kept runs, its page opened in Chromium.

The run itself is real (pytest with the plugin, in this process); its tests stand in for the gate's, each
noting what the real ones note (a failing browser test's screenshot and trace, the drill, measures).
"""

import datetime as dt
import json
import stat
import urllib.parse
from pathlib import Path

import pytest
from gate_records import passing_tests, synthesised_record

from woc_gate import history
from woc_gate.browser import browser_executable, launch_args
from woc_gate.config import Settings
from woc_gate.redaction import Redactor

pytest_plugins = ["pytester"]

PLANTED = "planted-Dash-7c1e93b2"
TODAY = dt.date.today()
PROFILE = f"""
environment = "staging"
commit_sha = "9f1c2ab"
operator = "release-bot"
attestations = "attestations.toml"
[env]
NEXTAUTH_URL = "http://127.0.0.1:9"
DATABASE_URL = "mysql://woc:{PLANTED}-db@127.0.0.1:9/workonclock"
CRON_SECRET = "{PLANTED}"
"""
ATTESTATIONS = f"""
[[attestation]]
item = "legal-privacy"
approver = "Dana Reyes"
role = "privacy/security owner"
date = {TODAY - dt.timedelta(days=25)}
evidence = "https://tickets.example.com/LEGAL-42"

[[attestation]]
item = "signed-installers"
approver = "Sam Ito"
role = "technical owner"
date = {TODAY}
evidence = "https://tickets.example.com/REL-7"
"""
DRILL = {"restore_test_result": {"rto_seconds": 41.5, "restore_seconds": 30.0, "validation_seconds": 11.5,
                                 "checks": {"counts": "passed", "settings_rows": "passed"}, "drilled_at": "today",
                                 "target": "a throwaway server",
                                 "object_storage": {"source": "listing", "where": "s3://woc-screenshots/",
                                                    "objects": 40180, "seconds": 1.2, "objects_per_second": 33483}},
         "timestamp": "2026-12-07T08:00:00Z", "file_size": 1024, "checksum": "sha256:ab"}  # fmt: skip
TESTS = f"""
import zipfile
from pathlib import Path
import pytest
from PIL import Image

def gate(item):
    return pytest.mark.gate(item)

@gate("tenant-isolation")
def test_admin_dashboard(record_property):
    folder = Path("test-results/test-admin-dashboard-chromium")
    folder.mkdir(parents=True)
    Image.new("RGB", (64, 40), "red").save(folder / "test-failed-1.png")
    with zipfile.ZipFile(folder / "trace.zip", "w") as trace:
        trace.writestr("trace.trace", "{{}}")
    record_property("playwright_screenshot", str(folder / "test-failed-1.png"))
    record_property("playwright_trace", str(folder / "trace.zip"))
    assert "{PLANTED}" == "hidden"

@gate("tenant-isolation")
def test_probes(record_property):
    record_property("woc_measure", {{"cross_tenant_probes": 4200}})

@gate("email-provider")
def test_email_domain_verified():
    pytest.skip("no Resend key configured: set RESEND_API_KEY")

@gate("backup-restore")
def test_drill(record_property):
    record_property("woc_backup", {json.dumps(DRILL)!r})

@gate("desktop-runtime")
def test_upload(record_property):
    record_property("woc_measure", {{"upload_to_admin_seconds": 2.75}})

@gate("migration-runbook")
def test_states(record_property):
    record_property("woc_measure", {{"migrations_applied": 14}})
    record_property("woc_measure", {{"migrations_pending": 1}})

OTHERS = ["private-screenshot-storage", "cron-secret", "schema-contracts", "env-inventory", "signed-installers"]

@pytest.mark.parametrize("item", [pytest.param(item, marks=gate(item)) for item in OTHERS])
def test_other(item):
    pass
"""
EMAIL_TEST = "test_gate.py::test_email_domain_verified"


@pytest.fixture
def gate_run(pytester):
    """Two runs of staging kept in the history, then a gate run with --gate-html: the project folder."""
    now = dt.datetime.now(dt.UTC)
    earlier = {**passing_tests(), EMAIL_TEST: ("email-provider", "passed")}
    for days, rto in ((2, 35.0), (1, 38.25)):
        record = synthesised_record(earlier, started=now - dt.timedelta(days=days), rto_seconds=rto)
        history.keep(record, pytester.path / "history", Redactor())
    pytester.makefile(".toml", **{"woc-gate": PROFILE, "attestations": ATTESTATIONS})
    pytester.makepyfile(test_gate=TESTS)
    (pytester.path / "report").mkdir()
    result = pytester.runpytest_inprocess(
        "-m", "gate", "--gate-html", "report/gate.html", "--gate-history", "history",
        "--gate-report", "report/gate.json", "-p", "no:cacheprovider", "-p", "no:playwright",
    )  # fmt: skip
    assert result.ret == pytest.ExitCode.TESTS_FAILED, result.stdout.str()
    return pytester.path


def test_each_complete_gate_run_is_kept_under_its_run_id_for_this_user_alone(gate_run):
    record = json.loads((gate_run / "report" / "gate.json").read_text())
    kept = sorted((gate_run / "history").iterdir())
    assert [path.name for path in kept][-1] == f"{record['run_id']}.json"
    assert len(kept) == 3
    assert json.loads(kept[-1].read_text()) == record
    assert stat.S_IMODE((gate_run / "history").stat().st_mode) == 0o700
    assert {stat.S_IMODE(path.stat().st_mode) for path in kept} == {0o600}
    assert not any(PLANTED in path.read_text() for path in kept)


def test_a_run_stopped_by_a_collection_error_is_not_kept(pytester, monkeypatch):
    monkeypatch.setenv("NEXTAUTH_URL", "http://127.0.0.1:9")
    pytester.makepyfile(test_gate="import pytest\n@pytest.mark.gate('cron-secret')\ndef test_x(:\n    pass\n")
    result = pytester.runpytest_inprocess("-m", "gate", "--gate", "-p", "no:cacheprovider", "-p", "no:playwright")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    assert not (pytester.path / ".woc-gate").exists()


def test_a_history_folder_that_is_a_file_is_one_usage_error(pytester, monkeypatch):
    monkeypatch.setenv("NEXTAUTH_URL", "http://127.0.0.1:9")
    pytester.makefile(".txt", runs="")
    result = pytester.runpytest_inprocess("-m", "gate", "--gate-history", "runs.txt", "-p", "no:playwright")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert result.stderr.lines == [
        "ERROR: woc-gate: --gate-history runs.txt is a file, not a folder; pass the folder that keeps the runs",
        "",
    ]


@pytest.mark.slow
def test_the_dashboard_in_chromium(gate_run, tmp_path_factory):
    from playwright.sync_api import sync_playwright

    page_file = gate_run / "report" / "gate.html"
    html = page_file.read_text()
    assert PLANTED not in html
    problems, requests = [], []
    with sync_playwright() as playwright:
        executable = browser_executable(Settings(), None)
        browser = playwright.chromium.launch(**launch_args(executable, tmp_path_factory.mktemp("chromium")))
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("console", lambda message: message.type in ("error", "warning") and problems.append(message.text))
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on("request", lambda request: requests.append(request.url))
        page.goto(page_file.as_uri())
        page.wait_for_load_state("load")

        cards = page.locator("#items article")
        statuses = {card.get_attribute("id"): card.get_attribute("class") for card in cards.all()}
        assert len(statuses) == 11
        assert statuses.pop("item-tenant-isolation") == "FAIL"
        assert statuses.pop("item-email-provider") == "UNVERIFIED"
        assert set(statuses.values()) == {"PASS"}

        failing = page.locator("#item-tenant-isolation")
        assert failing.locator(".reason").inner_text().startswith("Finding: test_gate.py::test_admin_dashboard: ")
        assert "****" in failing.locator(".finding").inner_text()
        assert page.locator("#item-email-provider .reason").inner_text() == (
            "Why not proven: 1 of 1 tests not passed: no Resend key configured: set RESEND_API_KEY"
            f" (skipped: {EMAIL_TEST})"
        )
        assert "counts until" in page.locator("#item-legal-privacy .attestation").inner_text()

        strips = [card.locator(".strip span").all_inner_texts() for card in cards.all()]
        assert {len(strip) for strip in strips} == {3}
        assert failing.locator(".strip span").all_inner_texts() == ["P", "P", "F"]

        charts = page.locator("figure.chart")
        assert charts.count() == 2
        assert [chart.locator("circle").count() for chart in charts.all()] == [3, 3]
        assert "latest 41.5" in charts.nth(0).inner_text()

        changes = page.locator("#changes li").all_inner_texts()
        assert changes[0] == (
            "newly failing: tenant-isolation: PASS -> FAIL: test_gate.py::test_admin_dashboard: "
            "AssertionError: assert '****' == 'hidden'"
        )
        assert (
            f"passed before, now not run: {EMAIL_TEST}: passed -> skipped: no Resend key configured: set RESEND_API_KEY"
            in changes
        )
        assert any(change.startswith("attestation expiring: legal-privacy: by Dana Reyes") for change in changes)

        assert "41.5 s" in page.locator("#drill").inner_text()
        assert "counts against the manifest\tpassed" in page.locator("#drill").inner_text()
        assert "objects\n40180 read from the listing of s3://woc-screenshots/ in 1.2 s (33483 objects/s)" in (
            page.locator("#drill").inner_text()
        )
        assert "2.75 s" in page.locator("#desktop").inner_text()
        assert "cross tenant probes\t4200" in page.locator("#probes").inner_text()
        assert page.locator("#migrations").inner_text().endswith("applied\t14\npending\t1")

        links = page.eval_on_selector_all("a[href]", "links => links.map(link => link.getAttribute('href'))")
        assert sorted(Path(link).name for link in links) == ["test-failed-1.png", "trace.zip"]
        assert all((page_file.parent / urllib.parse.unquote(link)).is_file() for link in links)
        assert page.eval_on_selector_all("img", "images => images.every(image => image.naturalWidth > 0)")

        folder = tmp_path_factory.getbasetemp() / "test-results"
        folder.mkdir(exist_ok=True)
        page.screenshot(path=folder / "dashboard.png", full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=folder / "dashboard-phone.png", full_page=True)
        page.emulate_media(media="print")
        assert page.pdf()[:4] == b"%PDF"
        browser.close()
    assert problems == []
    assert {urllib.parse.urlsplit(url).scheme for url in requests} == {"file"}
