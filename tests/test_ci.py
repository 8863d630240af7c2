"""What CI shows of a gate run: release-gate cases in JUnit XML, GitHub's job summary and annotations."""

import xml.etree.ElementTree as ET

import pytest

pytest_plugins = ["pytester"]

PROFILE = 'environment = "staging"\n[env]\nNEXTAUTH_URL = "http://127.0.0.1:9"\n'
TESTS = """
    import pytest
    @pytest.mark.gate("cron-secret")
    def test_refuses_no_secret(): pass
    @pytest.mark.gate("tenant-isolation")
    def test_no_cross_tenant_read(): assert False, "tenant b read project 7 of tenant a"
    @pytest.mark.gate("email-provider")
    def test_mail_is_delivered(): pytest.skip("no resend_read_key: set WOC_GATE_RESEND_READ_KEY")
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makefile(".toml", **{"woc-gate": PROFILE})
    pytester.makepyfile(test_gate=TESTS)
    return pytester


def gate_cases(junit: ET.Element) -> dict[str, ET.Element]:
    return {case.get("name"): case for case in junit.iter("testcase") if case.get("classname") == "release-gate"}


def test_junit_of_a_blocked_run_has_a_failing_release_gate_case_per_unproven_item(project):
    result = project.runpytest_inprocess("-m", "gate", "--junitxml", "junit.xml")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    junit = ET.parse(project.path / "junit.xml").getroot()
    suite = junit.find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("14", "11", "1")
    cases = gate_cases(junit)
    assert len(cases) == 11
    assert cases["cron-secret"].find("failure") is None
    assert cases["tenant-isolation"].find("failure").get("message") == (
        "FAIL: test_gate.py::test_no_cross_tenant_read: AssertionError: tenant b read project 7 of tenant a"
    )
    assert cases["email-provider"].find("failure").get("message") == (
        "UNVERIFIED: 1 of 1 tests not passed: no resend_read_key: set WOC_GATE_RESEND_READ_KEY"
        " (skipped: test_gate.py::test_mail_is_delivered)"
    )
    assert cases["legal-privacy"].find("failure").get("message") == "UNVERIFIED: no valid attestation"
    properties = {p.get("name"): p.get("value") for p in cases["backup-restore"].iter("property")}
    assert properties == {"gate": "backup-restore", "gate_status": "UNVERIFIED"}


def test_outside_a_gate_run_junit_has_cases_only_for_the_items_the_table_shows(project):
    project.runpytest_inprocess("--junitxml", "junit.xml", "-k", "refuses_no_secret or no_cross_tenant")
    cases = gate_cases(ET.parse(project.path / "junit.xml").getroot())
    assert {name: case.find("failure") is None for name, case in cases.items()} == {
        "cron-secret": True,
        "tenant-isolation": False,  # email-provider's test was deselected: it touched nothing
    }


def test_github_gets_the_table_in_its_job_summary_and_an_annotation_per_unproven_item(project, monkeypatch):
    summary = project.path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    result = project.runpytest_inprocess("-m", "gate")
    text = summary.read_text()
    assert text.startswith("earlier step\n## WorkOnClock release gate\n")
    assert "| cron-secret | PASS | 1 | 0 | 0 |  |" in text
    errors = [line for line in result.outlines if line.startswith("::error ")]
    assert len(errors) == 10
    assert errors[0] == ("::error title=release gate%3A migration-runbook UNVERIFIED::no test selected")
    assert (
        "::error title=release gate%3A tenant-isolation FAIL::"
        "test_gate.py::test_no_cross_tenant_read: AssertionError: tenant b read project 7 of tenant a"
    ) in errors


def test_without_github_there_is_no_summary_and_no_annotation(project):
    result = project.runpytest_inprocess("-m", "gate")
    assert not [line for line in result.outlines if line.startswith("::")]
