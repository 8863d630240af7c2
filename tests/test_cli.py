"""The woc-gate command: run, report, sandbox; and the usage errors around the reference stack."""

import datetime as dt
import json
import sys
from pathlib import Path

import httpx
import pytest

from woc_gate.cli import main as woc_gate

pytest_plugins = ["pytester"]


def test_run_collects_the_gate_tests_without_judging_them(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert woc_gate(["run", "--collect-only", "-q", "-p", "no:xdist"]) == 0
    out = capsys.readouterr().out
    assert "contracts/test_prisma_shared.py::test_prisma_role_key_enum_equals_shared_role_key" in out
    assert "release gate" not in out
    assert list(tmp_path.iterdir()) == []


def test_run_reads_the_profile_in_the_current_directory(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WOC_GATE_CONFIG", raising=False)
    (tmp_path / "woc-gate.toml").write_text("environment = [\n")
    assert woc_gate(["run", "--collect-only", "-q", "-p", "no:xdist"]) == pytest.ExitCode.USAGE_ERROR
    assert capsys.readouterr().err.startswith("ERROR: woc-gate: target profile woc-gate.toml is not valid TOML: ")


@pytest.mark.slow
def test_run_against_the_sandbox_writes_both_reports_here(pytester):
    result = pytester.run(
        Path(sys.executable).with_name("woc-gate"), "run", "--sandbox", "-p", "no:xdist", "-k", "prisma_role_key"
    )
    assert result.ret == 1
    record = json.loads((pytester.path / "gate-report.json").read_text())
    assert record["target"]["kind"] == "sandbox"
    assert record["verdict"] == "RELEASE GATE BLOCKED: 11 of 11 items not proven"
    assert (pytester.path / "gate-report.md").read_text().startswith("## WorkOnClock release gate")
    assert "RELEASE GATE BLOCKED: 11 of 11 items not proven" in (pytester.path / "gate-report.html").read_text()
    assert [path.name for path in (pytester.path / ".woc-gate" / "history").iterdir()] == [f"{record['run_id']}.json"]
    result.stdout.fnmatch_lines(["schema-contracts * UNVERIFIED * 1 * 0 * * of * tests not passed (deselected: *"])


def test_run_shows_node_ids_relative_to_the_suite_and_writes_here(tmp_path, monkeypatch, capsys, clean_stack):
    monkeypatch.chdir(tmp_path)  # elsewhere than the suite, as from a wheel
    monkeypatch.delenv("WOC_GATE_CONFIG", raising=False)
    args = ["-p", "no:xdist", "-rA", "-k", "test_cron_secret_is_set_and_strong"]
    assert woc_gate(["run", f"--woc-config={clean_stack.profile_path}", *args]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("readiness/test_cron_secret.py .") for line in lines)
    assert "PASSED readiness/test_cron_secret.py::test_cron_secret_is_set_and_strong" in lines
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        ".woc-gate",
        "gate-report.html",
        "gate-report.json",
        "gate-report.md",
    ]


def test_run_help_lists_woc_gates_options_and_says_how_pytests_are_passed(capsys):
    with pytest.raises(SystemExit) as exited:
        woc_gate(["run", "--help"])
    out = capsys.readouterr().out
    assert exited.value.code == 0
    assert out.startswith("usage: woc-gate run [--sandbox] [WOC-GATE OPTIONS] [PYTEST ARGUMENTS]\n")
    for option in ("--sandbox", "--gate-report PATH", "--woc-config PATH", "--attestations", "--woc-readonly"):
        assert f"  {option}" in out
    assert "Every other argument goes to pytest as it is: -k EXPRESSION" in out


@pytest.mark.slow
def test_a_terminated_run_ends_as_an_interrupted_one_with_143(pytester):
    pytester.makepyfile(
        terminate="""
        import os, signal
        def pytest_collection_finish(session):
            os.kill(os.getpid(), signal.SIGTERM)
        """
    )
    pytester.syspathinsert()
    command = Path(sys.executable).with_name("woc-gate")
    result = pytester.run(command, "run", "-p", "terminate", "-p", "no:xdist", "--collect-only", "-q")
    assert result.ret == 143
    assert "Traceback" not in result.stderr.str()
    result.stdout.fnmatch_lines(["*Interrupted: stopped by SIGTERM*"])
    result.stderr.fnmatch_lines(["woc-gate: run stopped by SIGTERM; *"])


def test_report_needs_a_record(capsys):
    with pytest.raises(SystemExit) as exited:
        woc_gate(["report"])
    assert exited.value.code == 2
    assert "report takes one run record, or --compare A.json B.json" in capsys.readouterr().err


def test_the_sandbox_command_is_the_stacks_own(capsys):
    assert woc_gate(["sandbox", "faults"]) == 0
    assert "policy-field-renamed" in capsys.readouterr().out


def test_a_fault_without_the_sandbox_is_a_usage_error(pytester):
    pytester.makepyfile("def test_plain(): pass")
    result = pytester.runpytest_subprocess("--woc-fault", "cron-no-secret")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert result.stderr.lines[0] == (
        "ERROR: woc-gate: --woc-fault applies to the reference stack only; add --woc-target=sandbox or drop the faults"
    )


def test_an_unknown_fault_is_a_usage_error_listing_the_faults(pytester):
    pytester.makepyfile("def test_plain(): pass")
    result = pytester.runpytest_subprocess("--woc-target=sandbox", "--woc-fault", "cron-no-secrets")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert result.stderr.lines[0].startswith("ERROR: woc-gate: unknown fault cron-no-secrets; known faults: ")
    assert "cron-no-secret," in result.stderr.lines[0]
    assert "Traceback" not in result.stderr.str()


@pytest.mark.slow
def test_two_workers_share_one_stack_that_is_gone_afterwards(pytester):
    pytester.makepyfile(
        """
        import pytest

        from pathlib import Path

        @pytest.mark.parametrize("n", range(6))
        def test_sees_the_stack(woc_settings, worker_id, n):
            (Path.cwd() / f"seen-{worker_id}-{n}").write_text(woc_settings.api_url)
        """
    )
    result = pytester.runpytest_subprocess("-n", "2", "--woc-target=sandbox")
    assert result.ret == 0
    seen = list(pytester.path.glob("seen-*"))
    assert len(seen) == 6 and {path.name.split("-")[1] for path in seen} == {"gw0", "gw1"}
    [api_url] = {path.read_text() for path in seen}
    with pytest.raises(httpx.ConnectError):
        httpx.get(api_url + "/health", timeout=2)


def test_smoke_collects_only_the_post_migration_and_desktop_smoke(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert woc_gate(["smoke", "--collect-only", "-q", "-p", "no:xdist"]) == 0
    collected = [line for line in capsys.readouterr().out.splitlines() if "::" in line]
    assert collected and all(line.startswith("smoke/") for line in collected)
    assert "smoke/test_post_migration.py::test_web_login[chromium]" in collected


TARGET_VARIABLES = ("NEXTAUTH_URL", "API_BASE_URL", "WOC_API_URL", "DATABASE_URL", "DB_HOST", "DB_NAME")
NO_TARGET_RUN = (
    "ERROR: woc-gate: no target configured for the {} run: set NEXTAUTH_URL, API_BASE_URL and DATABASE_URL"
    " (or write woc-gate.toml, or pass --woc-config PATH), or use --woc-target=sandbox for the reference stack"
)
NO_DATABASE = (
    "woc-gate: no database configured: set DATABASE_URL (or DB_HOST, DB_NAME, …), write woc-gate.toml here,"
    " or pass --woc-config PATH"
)


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (["smoke", "-p", "no:xdist"], NO_TARGET_RUN.format("smoke")),
        (["run", "-p", "no:xdist"], NO_TARGET_RUN.format("gate")),
        (["backup", "--out", "workonclock.sql"], NO_DATABASE),
        (["migrate-status", "--migrations", "."], NO_DATABASE),
    ],
    ids=["smoke", "run", "backup", "migrate-status"],
)
def test_a_command_that_needs_a_target_without_one_is_one_usage_error(argv, line, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for name in (*TARGET_VARIABLES, "WOC_GATE_CONFIG", "WOC_GATE_TARGET"):
        monkeypatch.delenv(name, raising=False)
    assert woc_gate(argv) == pytest.ExitCode.USAGE_ERROR
    assert [text for text in capsys.readouterr().err.splitlines() if text] == [line]
    assert list(tmp_path.iterdir()) == []


EARLIER_RECORD = {"gate-report.json": '{"verdict": "RELEASE GATE PASSED"}\n', "gate-report.md": "**PASSED**\n"}


def plant_earlier_record(folder):
    for name, text in EARLIER_RECORD.items():
        (folder / name).write_text(text)


def earlier_record_kept(folder):
    return all((folder / name).read_text() == text for name, text in EARLIER_RECORD.items())


def test_woc_gate_run_stopped_by_a_usage_error_writes_no_record_and_keeps_the_last_one(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WOC_GATE_CONFIG", raising=False)
    monkeypatch.setenv("NEXTAUTH_URL", "http://127.0.0.1:9")
    plant_earlier_record(tmp_path)
    assert woc_gate(["run", "-p", "no:xdist", "--", "--help"]) == pytest.ExitCode.USAGE_ERROR
    out = capsys.readouterr().out
    assert (
        "woc-gate: the run did not complete (usage error): no run record written,"
        " gate-report.json and gate-report.md left as it was"
    ) in out.splitlines()
    assert "release gate" not in out and "RELEASE GATE" not in out
    assert earlier_record_kept(tmp_path)


A_GATE_TEST = """
import pytest

@pytest.mark.gate("cron-secret")
def test_one():
    pass
"""


@pytest.mark.parametrize(
    ("source", "args", "status", "stopped"),
    [
        ("def test_(:\n", [], pytest.ExitCode.INTERRUPTED, "interrupted"),
        (A_GATE_TEST, ["-k", "no_such_test"], pytest.ExitCode.NO_TESTS_COLLECTED, "no tests collected"),
    ],
    ids=["collection-error", "nothing-selected"],
)
def test_a_gate_run_that_does_not_complete_writes_no_record_and_keeps_the_last_one(
    source, args, status, stopped, pytester, monkeypatch
):
    monkeypatch.setenv("NEXTAUTH_URL", "http://127.0.0.1:9")
    pytester.makepyfile(source)
    plant_earlier_record(pytester.path)
    result = pytester.runpytest(
        "-m", "gate", "--gate-report", "gate-report.json", "--gate-markdown", "gate-report.md", *args
    )
    assert result.ret == status
    result.stdout.fnmatch_lines(
        [f"woc-gate: the run did not complete ({stopped}): no run record written, gate-report.json and *"]
    )
    result.stdout.no_fnmatch_line("*release gate*")
    assert earlier_record_kept(pytester.path)


def test_smoke_writes_its_own_record_showing_only_the_items_it_tested(tmp_path, monkeypatch, capsys, clean_stack):
    monkeypatch.chdir(tmp_path)
    plant_earlier_record(tmp_path)
    argv = ["smoke", "-p", "no:xdist", f"--woc-config={clean_stack.profile_path}", "-k", "test_desktop_login"]
    assert woc_gate(argv) == 0
    out = capsys.readouterr().out
    rows = out.split("first failure\n")[1].splitlines()[:-1]  # below the column names, above pytest's last line
    assert [row.split()[:5] for row in rows[:-1]] == [["migration-runbook", "PASS", "1", "0", "0"]]  # selected alone
    assert rows[-1] == "1 of 1 items this run tested are proven (not a gate run: no release-gate verdict)"
    assert "RELEASE GATE" not in out
    record = json.loads((tmp_path / "smoke-report.json").read_text())
    assert record["gate_run"] is False
    markdown = (tmp_path / "smoke-report.md").read_text()
    assert "| migration-runbook | PASS |" in markdown and "desktop-runtime" not in markdown
    assert "**1 of 1 items this run tested are proven (not a gate run: no release-gate verdict)**" in markdown
    assert earlier_record_kept(tmp_path)
    assert woc_gate(["report", "smoke-report.json"]) == 0  # every item it tested is proven


def test_run_reads_the_operators_attestations_in_the_current_folder(tmp_path, monkeypatch, clean_stack):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WOC_GATE_ATTESTATIONS", raising=False)
    (tmp_path / "gate").mkdir()
    (tmp_path / "gate" / "attestations.toml").write_text(
        f'[[attestation]]\nitem = "legal-privacy"\napprover = "Dana Reyes"\nrole = "privacy/security owner"\n'
        f'date = {dt.date.today().isoformat()}\nevidence = "https://tickets.example.com/LEGAL-42"\n'
    )
    argv = ["run", "-p", "no:xdist", f"--woc-config={clean_stack.profile_path}", "-k", "prisma_role_key"]
    assert woc_gate(argv) == pytest.ExitCode.TESTS_FAILED
    record = json.loads((tmp_path / "gate-report.json").read_text())
    legal = next(item for item in record["items"] if item["id"] == "legal-privacy")
    assert (legal["status"], record["attestations"][0]["approver"]) == ("PASS", "Dana Reyes")
