"""The tenant set split in two shards against one reference stack, merged, gives the verdict, table and exit status of
the run that is not split: on the clean stack, and with a catalogue fault switched on, which fails both alike.

Cheap: two named-tenant tests (one per shard), which drive no browser and so run in this process.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gate_runs import ROOT, run_gate_tests

from woc_gate.cli import main as woc_gate
from woc_gate.report import render_table

pytest_plugins = ["pytester"]

QUERY_PARAMETERS = "test_other_tenants_ids_in_query_parameters_show_nothing_of_it"
SELECTED = f"{QUERY_PARAMETERS} and (users or invites)"
FAULT = "tenant-leak-org-filter"  # its query-parameter test on users fails


def tenant_run(pytester: pytest.Pytester, profile: Path, saved_as: str, *args: str) -> tuple[int, dict]:
    """The tests selected of ``tenant/test_named_tenant.py`` against a stack: the exit status and the saved record."""
    result, record = run_gate_tests(
        pytester,
        str(ROOT / "tenant" / "test_named_tenant.py"),
        "-m",
        "tenant",
        "-k",
        SELECTED,
        f"--woc-config={profile}",
        "-p",
        "no:randomly",
        *args,
    )
    (pytester.path / saved_as).write_text(json.dumps(record))
    return result.ret, record


def run_outcomes(record: dict) -> dict[str, str]:
    return {test["nodeid"].split("::")[1]: test["outcome"] for item in record["items"] for test in item["tests"]}


@pytest.mark.parametrize("fault", [None, FAULT], ids=["clean", FAULT])
@pytest.mark.slow
def test_the_tenant_set_in_two_shards_gives_the_verdict_of_one_run(pytester, faulty_stack, capsys, fault):
    sandbox = faulty_stack([fault] if fault else [])
    whole_status, whole = tenant_run(pytester, sandbox.profile_path, "whole.json")
    shard_statuses = [tenant_run(pytester, sandbox.profile_path, f"{k}.json", f"--gate-shard={k}/2")[0] for k in (1, 2)]
    capsys.readouterr()

    status = woc_gate(["report", "--merge", "1.json", "2.json", "--out", "merged.json"])

    merged = json.loads((pytester.path / "merged.json").read_text())
    assert (status, render_table(merged)) == (whole_status, render_table(whole)), capsys.readouterr().out
    assert run_outcomes(merged) == run_outcomes(whole)
    assert len(run_outcomes(whole)) == 2
    [tenant] = [item for item in merged["items"] if item["tests"]]
    if fault is None:
        assert (status, tenant["status"], shard_statuses) == (0, "PASS", [0, 0])
    else:
        assert (status, tenant["status"], sorted(shard_statuses)) == (1, "FAIL", [0, 1])
        assert tenant["reason"].startswith(f"tenant/test_named_tenant.py::{QUERY_PARAMETERS}[users]: ")
