"""A gate run split over CI jobs (``--gate-shard K/N``) and its shards' records merged (``woc-gate report --merge``):
the split, a shard that never claims the gate, the merged verdict equal to one unsharded run's, what the merge
refuses, and the lock the shards take turns on a smoke tenant with. The tenant set on the reference stack, split
and whole, clean and with a fault: ``tests/test_shards_sandbox.py``."""

from __future__ import annotations

import datetime as dt
import json
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from gate_records import passing_tests, synthesised_record

from woc_gate.cli import main as woc_gate
from woc_gate.errors import WocGateError
from woc_gate.gate import OTHER_SHARD, PASSED
from woc_gate.plugin.fixtures import TargetLock
from woc_gate.report import render_table
from woc_gate.sandbox.environment import runbook_env
from woc_gate.shards import assign, durations_of
from woc_gate.target.locks import ServerLocks

pytest_plugins = ["pytester"]

PROFILE = 'environment = "staging"\n[env]\nNEXTAUTH_URL = "http://127.0.0.1:9"\n'
ITEM_TESTS = """
import pytest
from woc_gate.gate import ITEMS

PROVEN_BY_TESTS = [item.id for item in ITEMS if item.tests_required]


@pytest.mark.parametrize("part", [1, 2])
@pytest.mark.parametrize("item", [pytest.param(item, marks=pytest.mark.gate(item)) for item in PROVEN_BY_TESTS])
def test_item(item, part):
    pass
"""
BROKEN_CRON = """
import pytest


@pytest.mark.gate("cron-secret")
def test_retention_refuses_no_secret():
    assert False, "retention endpoint accepted no secret"
"""
ATTESTATION = """
[[attestation]]
item = "{item}"
approver = "Dana Reyes"
role = "{role}"
date = {date}
evidence = "https://tickets.example.com/GATE-1"
"""
MONDAY = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    """Two passing tests for every item that needs tests, and both attestations: a gate that passes."""
    pytester.makefile(".toml", **{"woc-gate": PROFILE})
    today = dt.date.today().isoformat()
    attested = [("legal-privacy", "privacy/security owner"), ("signed-installers", "technical owner")]
    text = "".join(ATTESTATION.format(item=item, role=role, date=today) for item, role in attested)
    pytester.makefile(".toml", attestations=text)
    pytester.makepyfile(test_items=ITEM_TESTS)
    return pytester


def gate_run(pytester: pytest.Pytester, report: str, *args: str) -> tuple[int, dict, str]:
    """``pytest -m gate`` in this process: its exit status, its record, its output."""
    result = pytester.runpytest_inprocess(
        "-m", "gate", "--attestations", "attestations.toml", "--gate-report", report, "-p", "no:cacheprovider", *args
    )
    return result.ret, json.loads((pytester.path / report).read_text()), result.stdout.str()


def outcomes(record: dict) -> dict[str, str]:
    return {test["nodeid"]: test["outcome"] for item in record["items"] for test in item["tests"]}


def release_gate_cases(junit: Path) -> list[str]:
    cases = ET.parse(junit).getroot().iter("testcase")
    return [case.get("name") for case in cases if case.get("classname") == "release-gate"]


def test_the_split_deals_the_sorted_ids_round_whatever_their_order():
    ids = [f"tenant/test_x.py::test_{name}" for name in "fedcba"]
    assert assign(ids, 2) == assign(reversed(ids), 2)
    assert [assign(ids, 2)[nodeid] for nodeid in sorted(ids)] == [1, 2, 1, 2, 1, 2]
    assert sorted(assign(ids, 4).values()) == [1, 1, 2, 2, 3, 4]  # every shard gets a test


def test_recorded_durations_balance_the_shards():
    slow, quick = ["t.py::test_1_slow", "t.py::test_3_slow"], [f"t.py::test_{n}_quick" for n in (2, 4, 5, 6)]
    assert {assign(slow + quick, 2)[nodeid] for nodeid in slow} == {1}  # dealt round, both slow ones on shard 1
    record = synthesised_record({nodeid: ("cron-secret", PASSED) for nodeid in slow + quick}, started=MONDAY)
    tests = record["items"][3]["tests"]
    record["items"][3]["tests"] = [dict(test, duration=20.0 if "slow" in test["nodeid"] else 1.0) for test in tests]
    owner = assign([*slow, *quick, "t.py::test_7_new"], 2, durations_of(record))
    shards = {index: sorted(nodeid for nodeid in owner if owner[nodeid] == index) for index in (1, 2)}
    # longest first: the slow ones apart, the new one (the mean, 7.3 s) beside one, the quick ones beside the other
    assert shards == {1: ["t.py::test_1_slow", "t.py::test_7_new"], 2: sorted(["t.py::test_3_slow", *quick])}


@pytest.mark.parametrize("broken", [False, True], ids=["passing", "a-cron-secret-test-failing"])
def test_two_shards_merged_give_the_verdict_table_and_exit_status_of_one_run(suite, capsys, broken):
    if broken:
        suite.makepyfile(test_cron=BROKEN_CRON)
    whole_status, whole, _ = gate_run(suite, "whole.json")
    shards = [gate_run(suite, f"shard{k}.json", f"--gate-shard={k}/2", f"--junitxml=shard{k}.xml") for k in (1, 2)]
    capsys.readouterr()

    status = woc_gate(["report", "--merge", "shard2.json", "shard1.json", "--out", "merged.json"])

    merged = json.loads(Path("merged.json").read_text())
    assert whole["verdict"] == ("RELEASE GATE BLOCKED: 1 of 11 items not proven" if broken else "RELEASE GATE PASSED")
    assert (status, merged["verdict"], render_table(merged)) == (whole_status, whole["verdict"], render_table(whole))
    assert capsys.readouterr().out.split("\n\n", 1)[1] == "\n".join(render_table(whole)) + "\n"
    assert outcomes(merged) == outcomes(whole)
    assert merged["merged_from"] == [shards[0][1]["run_id"], shards[1][1]["run_id"]]
    ran_the_failure = []
    for k, (shard_status, record, output) in enumerate(shards, 1):
        failed_here = "failed" in outcomes(record).values()
        ran_the_failure += [k] if failed_here else []
        assert f"shard {k}/2 of a split run: no verdict of its own; merge the records of all 2 shards" in output
        assert record["verdict"] != "RELEASE GATE PASSED" and "RELEASE GATE PASSED" not in output
        tested = {item["status"] for item in record["items"] if item["tests"]}
        assert tested == ({"UNVERIFIED", "FAIL"} if failed_here else {"UNVERIFIED"})  # each item half here, half there
        other = 2 if k == 1 else 1
        assert f"1 of 2 tests not passed: run by shard {other}/2 (other shard: test_items.py::" in output
        assert release_gate_cases(suite.path / f"shard{k}.xml") == []  # the verdict is the merge's to show
        assert woc_gate(["report", f"shard{k}.json"]) == 1
        assert shard_status == (1 if failed_here else 0)  # a shard's exit status says whether its part holds
    assert len(ran_the_failure) == int(broken)
    assert len(list(Path(".woc-gate/history").glob("*.json"))) == 1  # the whole run; a shard's record is a part


@pytest.mark.slow  # xdist inside the suite's own xdist run
def test_a_shard_run_on_xdist_workers_records_what_one_process_does(suite):
    _, alone, _ = gate_run(suite, "alone.json", "--gate-shard=2/2", "-p", "no:xdist")
    _, on_workers, _ = gate_run(suite, "workers.json", "--gate-shard=2/2", "-n", "2")
    assert outcomes(on_workers) == outcomes(alone)
    assert sorted(set(outcomes(alone).values())) == [OTHER_SHARD, PASSED]


USAGE_ERRORS = {
    "--gate-shard=3/2": "--gate-shard '3/2' is not K/N with 1 <= K <= N: pass e.g. 2/3 for the second of 3",
    "--gate-shard=1/2 --gate-shard-durations=none.json": (
        "--gate-shard-durations: cannot read none.json: No such file or directory"
    ),
    "--gate-shard-run=7": "--gate-shard-durations and --gate-shard-run shape a split run: add --gate-shard K/N",
}


@pytest.mark.parametrize("options", USAGE_ERRORS)
def test_a_shard_badly_given_is_one_usage_error(suite, options):
    result = suite.runpytest_inprocess("-m", "gate", *options.split(), "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert result.stderr.lines == [f"ERROR: woc-gate: {USAGE_ERRORS[options]}", ""]


def shard_records(tmp_path: Path) -> list[Path]:
    """The records of shards 1/2 and 2/2 of a passing run, saved."""
    tests = passing_tests()
    owner = assign(tests, 2)
    paths = []
    for index in (1, 2):
        ran = {nodeid: (item, PASSED if owner[nodeid] == index else OTHER_SHARD) for nodeid, (item, _) in tests.items()}
        record = synthesised_record(ran, started=MONDAY + dt.timedelta(seconds=index))
        record["shard"] = {"index": index, "count": 2, "run": "GITHUB_RUN_ID=7"}
        paths.append(tmp_path / f"shard{index}.json")
        paths[-1].write_text(json.dumps(record))
    return paths


def changed(path: Path, change) -> Path:
    record = json.loads(path.read_text())
    change(record)
    path.write_text(json.dumps(record))
    return path


def first_test(record: dict) -> dict:
    return next(item for item in record["items"] if item["tests"])["tests"][0]


ENVIRONMENT = "gate/test_env_inventory.py::test_it"
REFUSED = {  # what is wrong with the records given: (records, the one line)
    "a shard missing": (lambda a, b: [a], "shard 2 of 2 missing: give the record of every shard 1 to 2 of the run"),
    "a shard twice": (lambda a, b: [a, b, a], "{a} and {a} are both shard 1/2"),
    "a record of no shard": (
        lambda a, b: [a, changed(b, lambda r: r.pop("shard"))],
        "{b} is not the record of a shard: merge the records of runs with --gate-shard K/N",
    ),
    "another split": (
        lambda a, b: [a, changed(b, lambda r: r["shard"].update(count=3))],
        "{b} is shard 2/3, not one of 2: merge the shards of one split",
    ),
    "another run": (
        lambda a, b: [a, changed(b, lambda r: r["shard"].update(run="GITHUB_RUN_ID=8"))],
        "{a} and {b} are of different runs (GITHUB_RUN_ID=7, GITHUB_RUN_ID=8): merge the shards of one run",
    ),
    "another commit": (
        lambda a, b: [a, changed(b, lambda r: r.update(commit_sha="9f8e7d6"))],
        "{a} and {b} are of different commits (none, 9f8e7d6): merge the shards of one run",
    ),
    "another target": (
        lambda a, b: [a, changed(b, lambda r: r["target"].update(web_url="https://prod.example"))],
        "{a} and {b} are of different targets (configured without a web URL, configured https://prod.example):"
        " merge the shards of one run",
    ),
    "other tests": (
        lambda a, b: [a, changed(b, lambda r: r["items"][0]["tests"].append(dict(first_test(r), nodeid="x.py::t")))],
        "{a} and {b} did not select the same tests (x.py::t is only in {b}): run every shard with the same arguments"
        " on the same checkout",
    ),
    "a test run twice": (
        lambda a, b: [a, changed(b, lambda r: r["items"][8]["tests"][0].update(outcome=PASSED))],
        f"{ENVIRONMENT} was run by shards 1 and 2 of 2: the shards split the tests differently;"
        " give every shard the same --gate-shard-durations (or none)",
    ),
}


@pytest.mark.parametrize("case", REFUSED)
def test_the_merge_refuses_what_is_not_one_run_in_one_line(tmp_path, capsys, case):
    a, b = shard_records(tmp_path)
    assert json.loads(a.read_text())["items"][8]["tests"][0] == {
        "nodeid": ENVIRONMENT,
        "outcome": PASSED,
        "duration": 1.5,
        "message": "",
    }
    given, line = REFUSED[case]
    out = tmp_path / "merged.json"
    assert woc_gate(["report", "--merge", *map(str, given(a, b)), "--out", str(out)]) == 2
    assert capsys.readouterr().err == f"woc-gate: {line.format(a=a, b=b)}\n"
    assert not out.exists()


def test_the_shards_records_merge_in_any_order(tmp_path, capsys):
    a, b = shard_records(tmp_path)
    assert woc_gate(["report", "--merge", str(b), str(a)]) == 1  # no attestation: BLOCKED, as the whole run
    assert capsys.readouterr().out.endswith("RELEASE GATE BLOCKED: 2 of 11 items not proven\n")


def test_a_split_run_without_a_database_fails_the_tests_that_lock_a_smoke_tenant_in_one_line(suite):
    suite.makepyfile(
        test_tenant_lock_in_a_shard="""
        import pytest

        @pytest.mark.gate("tenant-isolation")
        def test_a_changes_tenant_a(tenant_lock):
            with tenant_lock("a"):
                pass
        """
    )
    result = suite.runpytest_inprocess(
        "test_tenant_lock_in_a_shard.py", "test_items.py", "-m", "gate", "--gate-shard=1/2", "-p", "no:cacheprovider"
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*ERROR at setup of test_a_changes_tenant_a*",
            "shard 1/2 of a split run takes turns on the smoke tenants with the other shards through locks on the"
            " target's database: set DATABASE_URL, or run the tests that change the smoke tenants unsplit",
            "*release gate*",
        ]
    )


def test_a_shard_on_another_machine_waits_for_the_smoke_tenant_on_the_target(clean_stack, tmp_path):
    """Two shards (file locks in folders of their own, as on two machines) against one database: one waits."""
    url = runbook_env(clean_stack.ctx)["DATABASE_URL"]
    here, there = ServerLocks(url), ServerLocks(url)
    for machine in ("here", "there"):
        (tmp_path / machine).mkdir()
    holder = TargetLock("smoke tenant a", tmp_path / "here" / "woc-gate-tenant-a.lock", 5, here)
    waiter = TargetLock("smoke tenant a", tmp_path / "there" / "woc-gate-tenant-a.lock", 0.3, there)
    try:
        with holder, holder:  # the holder may take it again
            started = time.monotonic()
            with pytest.raises(WocGateError) as error:
                waiter.acquire()
            assert time.monotonic() - started >= 0.3
        assert str(error.value) == (
            "smoke tenant a stayed locked on the target by another shard of the run for 0.3 s;"
            " that shard may be stuck: see its job"
        )
        with waiter:  # given back by the holder
            pass
    finally:
        here.close()
        there.close()
