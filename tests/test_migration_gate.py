"""The migration gate on the reference stack with a pending migration of its own (``--woc-migrations``).

Every populated table counts as large here (``WOC_GATE_MIGRATION_COPY_ROWS=1``): an online change to it
passes, a table copy needs maintenance mode.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from gate_runs import failing, items_by_id, run_gate_tests

from woc_gate.config import read_profile

pytest_plugins = ["pytester"]

MIGRATION_GATE = Path(__file__).resolve().parents[1] / "migration"
ONLINE = (
    "-- AlterTable\nALTER TABLE `woc_time_entries` ADD COLUMN `note` VARCHAR(191) NULL;\n\n"
    "-- CreateIndex\nCREATE INDEX `woc_time_entries_organizationId_startedAt_idx`"
    " ON `woc_time_entries`(`organizationId`, `startedAt`);\n"
)
COPYING = (
    "-- AlterTable\nALTER TABLE `woc_time_entries` ADD COLUMN `approvedById` VARCHAR(191) NULL;\n\n"
    "-- AddForeignKey\nALTER TABLE `woc_time_entries` ADD CONSTRAINT `woc_time_entries_approvedById_fkey`"
    " FOREIGN KEY (`approvedById`) REFERENCES `woc_users`(`id`) ON DELETE SET NULL ON UPDATE CASCADE;\n"
)


def run_with_pending(pytester, clean_stack, monkeypatch, script: str) -> tuple[pytest.RunResult, dict]:
    """The migration gate on the clean stack with the stack's migrations and one more, pending."""
    repo = Path(read_profile(clean_stack.profile_path)["repo"])
    folder = pytester.path / "migrations"
    shutil.copytree(repo / "apps/web/prisma/migrations", folder)
    (folder / "20250401090000_time_entries").mkdir()
    (folder / "20250401090000_time_entries" / "migration.sql").write_text(script)
    monkeypatch.setenv("WOC_GATE_MIGRATION_COPY_ROWS", "1")
    result, record = run_gate_tests(
        pytester,
        str(MIGRATION_GATE),
        "-m",
        "migration",
        f"--woc-config={clean_stack.profile_path}",
        f"--woc-migrations={folder}",
    )
    return result, items_by_id(record)["migration-runbook"]


def test_a_nullable_column_and_a_composite_index_on_a_large_table_pass(pytester, clean_stack, monkeypatch):
    result, item = run_with_pending(pytester, clean_stack, monkeypatch, ONLINE)
    assert item["status"] == "PASS", result.stdout.str()


def test_a_foreign_key_that_copies_a_large_table_needs_maintenance_mode(pytester, clean_stack, monkeypatch):
    result, item = run_with_pending(pytester, clean_stack, monkeypatch, COPYING)
    assert list(failing(item)) == ["test_pending_migrations_needing_maintenance_mode_are_approved"]
    assert "statement 2 `ALTER TABLE `woc_time_entries` ADD CONSTRAINT" in result.stdout.str()
    assert " with writes locked: the server runs it neither INSTANT nor INPLACE with LOCK=NONE [table-copy]" in (
        result.stdout.str()
    )
