"""The ``writes`` marker is enforced, and ``--woc-readonly`` leaves writing tests unproven."""

import json

import pytest

pytest_plugins = ["pytester"]

WRITING_TEST = """
    import pytest

    @pytest.fixture
    def changed(woc_writes):
        return "changed"

    @pytest.mark.gate("cron-secret")
    {marker}
    def test_retention_runs_with_the_secret(changed):
        assert changed
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makefile(".toml", **{"woc-gate": '[env]\nNEXTAUTH_URL = "http://127.0.0.1:9"\n'})
    return pytester


def cron_secret_status(pytester: pytest.Pytester) -> str:
    record = json.loads((pytester.path / "gate.json").read_text())
    return next(item["status"] for item in record["items"] if item["id"] == "cron-secret")


def test_a_writing_fixture_fails_a_test_not_marked_writes(project):
    project.makepyfile(WRITING_TEST.format(marker=""))
    result = project.runpytest("--gate-report", "gate.json")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*test_a_writing_fixture_fails_a_test_not_marked_writes.py::test_retention_runs_with_the_secret "
            "changes data on the target but is not marked writes: add @pytest.mark.writes "
            "(read-only runs then skip it)"
        ]
    )
    assert cron_secret_status(project) == "FAIL"


def test_a_writing_test_marked_writes_runs(project):
    project.makepyfile(WRITING_TEST.format(marker="@pytest.mark.writes"))
    result = project.runpytest("--gate-report", "gate.json")
    result.assert_outcomes(passed=1)
    assert cron_secret_status(project) == "PASS"


@pytest.mark.parametrize("how", [("--woc-readonly",), ()], ids=["option", "variable"])
def test_readonly_skips_writing_tests_and_their_item_stays_unverified(project, monkeypatch, how):
    if not how:
        monkeypatch.setenv("WOC_GATE_READONLY", "true")
    project.makepyfile(WRITING_TEST.format(marker="@pytest.mark.writes"))
    result = project.runpytest("--gate-report", "gate.json", "-rs", *how)
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*read-only run (--woc-readonly): this test changes data on the target"])
    assert cron_secret_status(project) == "UNVERIFIED"


def test_readonly_from_the_profile(pytester):
    pytester.makefile(".toml", **{"woc-gate": 'readonly = true\n[env]\nNEXTAUTH_URL = "http://127.0.0.1:9"\n'})
    pytester.makepyfile(WRITING_TEST.format(marker="@pytest.mark.writes"))
    pytester.runpytest("--gate-report", "gate.json").assert_outcomes(skipped=1)
    assert cron_secret_status(pytester) == "UNVERIFIED"


def test_a_malformed_readonly_value_is_one_usage_line(project, monkeypatch):
    monkeypatch.setenv("WOC_GATE_READONLY", "perhaps")
    result = project.runpytest()
    result.stderr.fnmatch_lines(["ERROR: woc-gate: readonly 'perhaps' (from env) must be true or false"])
    assert result.ret == pytest.ExitCode.USAGE_ERROR
