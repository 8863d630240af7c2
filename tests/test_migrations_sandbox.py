"""The migration gate tests against the reference stack: clean, each fault, an approved destructive migration."""

from __future__ import annotations

from pathlib import Path

import pytest
from gate_runs import failing, fault_matrix, items_by_id, run_gate_tests

pytest_plugins = ["pytester"]

MIGRATION = Path(__file__).resolve().parents[1] / "migration"


def run_migration(pytester: pytest.Pytester, *args: str) -> tuple[pytest.RunResult, dict]:
    result, record = run_gate_tests(pytester, str(MIGRATION), "-m", "migration", *args)
    return result, items_by_id(record)


failed_tests = failing


def test_the_clean_stack_passes_every_migration_test(pytester, clean_stack):
    result, items = run_migration(pytester, f"--woc-config={clean_stack.profile_path}")
    item = items["migration-runbook"]
    assert item["status"] == "PASS", result.stdout.str()
    assert len(item["tests"]) == 6
    [states] = [test["measures"] for test in item["tests"] if test["nodeid"].endswith("::test_no_migration_failed")]
    assert states == {"migrations_applied": 5, "migrations_edited": 0}
    assert result.ret == 0


FAULTS = {
    "failed-migration": (
        "test_no_migration_failed",
        "1 migration(s) failed and were never rolled back: 20250317090000_project_colors",
        "Received: 20250317090000_project_colors started ",
    ),
    "edited-migration": (
        "test_no_applied_migration_was_edited",
        "1 applied migration(s) were edited after they were applied: 20250106090000_init",
        "Received: 20250106090000_init: checksum ",
    ),
    "pending-destructive-migration": (
        "test_pending_migrations_needing_maintenance_mode_are_approved",
        "pending migration(s) need maintenance mode without an approval: 20250324090000_drop_email_verified_at",
        "Received: 20250324090000_drop_email_verified_at statement 1 `ALTER TABLE `woc_users` DROP COLUMN "
        "`emailVerifiedAt``: drops column woc_users.emailVerifiedAt (holds data",
    ),
    "raw-sql-dropped-column": (
        "test_every_runtime_sql_statement_prepares_against_the_schema",
        "1 runtime SQL statement(s) do not fit the migrated schema: apps/api/src/tracking/tracking.service.ts:47",
        "Received: apps/api/src/tracking/tracking.service.ts:47 `INSERT INTO woc_time_entries (id, organizationId, "
        "userId, projectId, startedAt, source, createdAt) VALUES (?, ?, ?, ?, ?, 'DESKTOP', ?)`: "
        "Unknown column 'createdAt'",
    ),
}


@fault_matrix
@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_migration_fault_fails_only_its_test_naming_the_migration(pytester, dev_stack_factory, fault):
    test_name, title, detail = FAULTS[fault]
    sandbox = dev_stack_factory(faults=[fault])
    result, items = run_migration(pytester, f"--woc-config={sandbox.profile_path}")
    item = items.pop("migration-runbook")
    assert item["status"] == "FAIL"
    failures = failed_tests(item)
    assert list(failures) == [test_name]
    assert failures[test_name] == title
    assert detail in result.stdout.str()
    assert {other["status"] for other in items.values()} == {"UNVERIFIED"}
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_a_destructive_migration_approved_by_the_technical_owner_passes(pytester, dev_stack_factory):
    sandbox = dev_stack_factory(faults=["pending-destructive-migration"])
    pytester.path.joinpath("attestations.toml").write_text(
        '[[attestation]]\nitem = "migration-runbook"\nmigration = "20250324090000_drop_email_verified_at"\n'
        'approver = "Sam Ortiz"\nrole = "technical owner"\ndate = ' + _today() + "\n"
        'evidence = "https://tickets.example.com/OPS-7"\n'
    )
    result, items = run_migration(
        pytester, f"--woc-config={sandbox.profile_path}", "--attestations", "attestations.toml"
    )
    assert items["migration-runbook"]["status"] == "PASS", result.stdout.str()


def test_an_approval_by_the_operator_does_not_count(pytester, dev_stack_factory):
    sandbox = dev_stack_factory(faults=["pending-destructive-migration"])
    pytester.path.joinpath("attestations.toml").write_text(
        '[[attestation]]\nitem = "migration-runbook"\nmigration = "20250324090000_drop_email_verified_at"\n'
        'approver = "Ops"\nrole = "operator"\ndate = ' + _today() + "\n"
        'evidence = "https://tickets.example.com/OPS-7"\n'
    )
    _, items = run_migration(pytester, f"--woc-config={sandbox.profile_path}", "--attestations", "attestations.toml")
    assert list(failed_tests(items["migration-runbook"])) == [
        "test_pending_migrations_needing_maintenance_mode_are_approved"
    ]


def _today() -> str:
    import datetime as dt

    return dt.date.today().isoformat()
