"""``woc-gate report --compare``: what changed from one run to the next, and its exit code."""

import datetime as dt
import json

import pytest
from gate_records import passing_tests, synthesised_record

from woc_gate.cli import main as woc_gate

MONDAY = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)
TENANT_TEST = "gate/test_tenant_isolation.py::test_it"
EMAIL_TEST = "gate/test_email_provider.py::test_it"


def saved(tmp_path, name, record):
    path = tmp_path / name
    path.write_text(json.dumps(record))
    return path


@pytest.fixture
def monday(tmp_path):
    return saved(tmp_path, "a.json", synthesised_record(passing_tests(), started=MONDAY))


def test_compare_lists_a_planted_change_and_exits_1(tmp_path, monday, capsys):
    outcomes = {
        **passing_tests(),
        TENANT_TEST: ("tenant-isolation", "failed"),
        EMAIL_TEST: ("email-provider", "skipped"),
    }
    tuesday = saved(tmp_path, "b.json", synthesised_record(outcomes, started=MONDAY + dt.timedelta(days=1)))
    assert woc_gate(["report", "--compare", str(monday), str(tuesday)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("from: 20261207T090000Z-") and lines[0].endswith(
        "(staging, 2026-12-07T09:00:00Z, RELEASE GATE PASSED)"
    )
    assert lines[3:] == [
        f"- newly failing: tenant-isolation: PASS -> FAIL: {TENANT_TEST}",
        f"- newly unverified: email-provider: PASS -> UNVERIFIED: 1 of 1 tests not passed (skipped: {EMAIL_TEST})",
        f"- passed before, now not run: {EMAIL_TEST}: passed -> skipped",
        "",
        "3 changes, 3 for the worse",
    ]


def test_a_newly_proven_item_alone_exits_0(tmp_path, monday, capsys):
    blocked = saved(
        tmp_path,
        "z.json",
        synthesised_record({**passing_tests(), TENANT_TEST: ("tenant-isolation", "failed")}, started=MONDAY),
    )
    assert woc_gate(["report", "--compare", str(blocked), str(monday)]) == 0
    assert "+ newly proven: tenant-isolation: FAIL -> PASS" in capsys.readouterr().out


def test_the_same_run_twice_is_no_change(monday, capsys):
    assert woc_gate(["report", "--compare", str(monday), str(monday)]) == 0
    assert capsys.readouterr().out.splitlines()[-3:] == ["no change", "", "0 changes, 0 for the worse"]


def test_compare_refuses_a_file_that_is_not_a_record_in_one_line(tmp_path, monday, capsys):
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    assert woc_gate(["report", "--compare", str(monday), str(broken)]) == 2
    assert (
        capsys.readouterr().err
        == f"woc-gate: {broken} is not JSON: Expecting property name enclosed in double quotes at line 1\n"
    )


def test_report_takes_a_record_or_compare_not_both(monday, capsys):
    with pytest.raises(SystemExit) as stopped:
        woc_gate(["report", str(monday), "--compare", str(monday), str(monday)])
    assert stopped.value.code == 2
    assert capsys.readouterr().err.endswith(
        "report takes one run record, or --compare A.json B.json, or --merge SHARD.json …\n"
    )
