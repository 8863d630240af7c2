"""The run record: its schema, the atomic write, the Markdown table, and no secret anywhere."""

import json
import os

import jsonschema
import pytest

from woc_gate import files, report
from woc_gate.cli import main as woc_gate
from woc_gate.errors import WocGateError

pytest_plugins = ["pytester"]

PLANTED = "planted-Secret-4f9c2e71"
PROFILE = f"""
environment = "staging"
commit_sha = "9f1c2ab"
operator = "release-bot"
[env]
NEXTAUTH_URL = "http://127.0.0.1:9"
DATABASE_URL = "mysql://woc:{PLANTED}-db@127.0.0.1:3306/workonclock"
CRON_SECRET = "{PLANTED}"
"""
TESTS = f"""
import pytest
@pytest.mark.gate("cron-secret")
def test_leaks_the_secret():
    print("sending {PLANTED}")
    assert "{PLANTED}" == "wrong"
@pytest.mark.gate("env-inventory")
def test_passes(): pass
@pytest.mark.gate("tenant-isolation")
def test_skips(): pytest.skip("no second tenant")
"""


@pytest.fixture
def project(pytester):
    pytester.makefile(".toml", **{"woc-gate": PROFILE})
    pytester.makepyfile(test_gate=TESTS)
    return pytester


def run(project, *args):
    return project.runpytest_subprocess(
        "-m", "gate", "--gate-report", "out/gate.json", "--gate-markdown", "out/gate.md", *args
    )


@pytest.fixture
def record(project):
    (project.path / "out").mkdir()
    run(project)
    return json.loads((project.path / "out" / "gate.json").read_text())


def test_the_record_follows_its_schema(record):
    jsonschema.Draft202012Validator(report.record_schema()).validate(record)
    assert record["schema_version"] == 1
    assert (record["environment"], record["commit_sha"], record["operator"]) == ("staging", "9f1c2ab", "release-bot")
    assert record["target"]["database"] == "mysql://woc:****@127.0.0.1:3306/workonclock"
    assert record["verdict"] == "RELEASE GATE BLOCKED: 10 of 11 items not proven"


def test_the_record_lists_each_item_with_its_tests(record):
    items = {item["id"]: item for item in record["items"]}
    assert [item["id"] for item in record["items"]][:3] == [
        "migration-runbook",
        "backup-restore",
        "private-screenshot-storage",
    ]
    [cron_test] = items["cron-secret"]["tests"]
    assert (cron_test["nodeid"], cron_test["outcome"]) == ("test_gate.py::test_leaks_the_secret", "failed")
    assert cron_test["message"].startswith("AssertionError: assert '****' == 'wrong'")
    assert items["env-inventory"]["status"] == "PASS"
    assert items["tenant-isolation"]["tests"][0]["message"] == "no second tenant"


def test_no_planted_secret_reaches_any_output(project):
    (project.path / "out").mkdir()
    result = run(project, "--junitxml", "out/junit.xml", "-rA")
    outputs = {
        "stdout": result.stdout.str(),
        "stderr": result.stderr.str(),
        "json": (project.path / "out" / "gate.json").read_text(),
        "markdown": (project.path / "out" / "gate.md").read_text(),
        "junit": (project.path / "out" / "junit.xml").read_text(),
    }
    assert "sending ****" in outputs["stdout"]
    assert [name for name, text in outputs.items() if PLANTED in text] == []


def test_the_markdown_table(project):
    (project.path / "out").mkdir()
    run(project)
    lines = (project.path / "out" / "gate.md").read_text().splitlines()
    assert lines[:3] == ["## WorkOnClock release gate", "", "**RELEASE GATE BLOCKED: 10 of 11 items not proven**"]
    assert "| item | status | passed | failed | skipped | first failure |" in lines
    assert "| env-inventory | PASS | 1 | 0 | 0 |  |" in lines
    assert (
        "| tenant-isolation | UNVERIFIED | 0 | 0 | 1 |"
        " 1 of 1 tests not passed: no second tenant (skipped: test_gate.py::test_skips) |" in lines
    )


def test_a_write_that_fails_midway_leaves_the_old_file_whole(tmp_path, monkeypatch):
    target = tmp_path / "gate.json"
    target.write_text("old record\n")

    def crash(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError):
        files.write_atomically(target, "new record\n" * 1000)
    assert target.read_text() == "old record\n"
    assert [path.name for path in tmp_path.iterdir()] == ["gate.json"]


def test_a_record_that_breaks_the_schema_is_refused(tmp_path):
    with pytest.raises(WocGateError) as error:
        report.validate_record({"schema_version": 1})
    assert str(error.value) == "not a woc-gate run record (top level: 'suite' is a required property)"


def test_woc_gate_report_prints_the_run_then_the_table_again(record, project, capsys):
    assert woc_gate(["report", str(project.path / "out" / "gate.json")]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[:6] == [
        "environment: staging",
        "target:      configured (http://127.0.0.1:9)",
        "commit:      9f1c2ab",
        "operator:    release-bot",
        f"run:         {record['started_at']} to {record['finished_at']} (woc-gate {record['suite']['version']})",
        "",
    ]
    assert lines[6].split() == ["item", "status", "passed", "failed", "skipped", "first", "failure"]
    assert lines[-1] == "RELEASE GATE BLOCKED: 10 of 11 items not proven"
    assert any(line.startswith("env-inventory ") and " PASS " in line for line in lines)


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "woc-gate: cannot read {path}: No such file or directory"),
        ("{not json", "woc-gate: {path} is not JSON: Expecting property name enclosed in double quotes at line 1"),
        (
            '{"schema_version": 2}',
            "woc-gate: {path} is a run record of schema version 2; this woc-gate reads version 1",
        ),
        ('{"schema_version": 1}', "woc-gate: not a woc-gate run record (top level: 'suite' is a required property)"),
    ],
)
def test_woc_gate_report_refuses_bad_input_with_one_line(tmp_path, capsys, content, message):
    path = tmp_path / "gate.json"
    if content is not None:
        path.write_text(content)
    assert woc_gate(["report", str(path)]) == 2
    assert capsys.readouterr().err == message.format(path=path) + "\n"
