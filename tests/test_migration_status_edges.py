"""Migration status at its edges, as ``prisma migrate status`` / ``diagnose`` see them, on a real server.

Every ledger is written with the statements Prisma's schema engine runs (``prisma_ledger``): no ledger
at all, a rolled-back attempt of another script, a script with a byte that is not UTF-8, a failed
migration's logs, and the failed migration that ``migrate deploy`` runs again.
"""

from __future__ import annotations

import itertools
import subprocess
from pathlib import Path

import pytest
from gate_runs import failing, items_by_id, run_gate_tests
from prisma_ledger import PrismaLedger

from woc_gate.cli import main
from woc_gate.sources.prisma import list_migrations
from woc_gate.target.migrate import failure_logs, run_script

pytest_plugins = ["pytester", "migration_server"]

MIGRATION_GATE = Path(__file__).resolve().parents[1] / "migration"
INIT = (
    "20250101090000_init",
    "-- CreateTable\nCREATE TABLE `woc_projects` (\n    `id` VARCHAR(191) NOT NULL,\n"
    "    `name` VARCHAR(191) NOT NULL,\n\n    PRIMARY KEY (`id`)\n"
    ") DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;\n",
)
COLORS = (
    "20250201090000_project_colors",
    "-- AlterTable\nALTER TABLE `woc_projects` ADD COLUMN `color` VARCHAR(7) NULL;\n",
)
_numbers = itertools.count()


@pytest.fixture
def target(migration_server, tmp_path, monkeypatch):
    """An empty database (DATABASE_URL, read-only account), a migrations folder, and a scratch database."""
    number = next(_numbers)
    database, scratch = f"woc_edges_{number}", f"woc_gate_scratch_edges_{number}"
    admin = migration_server.database(database)
    migration_server.database(scratch).close()
    monkeypatch.setenv("DATABASE_URL", migration_server.account(f"woc_edges_reader_{number}", database, "SELECT"))
    monkeypatch.chdir(tmp_path)
    for name in ("DB_HOST", "DB_NAME", "WOC_GATE_CONFIG", "WOC_GATE_MIGRATIONS", "WOC_GATE_MIGRATION_SCRATCH_URL"):
        monkeypatch.delenv(name, raising=False)
    yield Target(admin, tmp_path / "migrations", migration_server.account(f"woc_edges_scratch_{number}", scratch))
    admin.close()


class Target:
    """The database under test, its migrations folder, and the scratch database's URL."""

    def __init__(self, admin, folder: Path, scratch_url: str) -> None:
        self.admin = admin
        self.folder = folder
        self.scratch_url = scratch_url

    def write(self, name: str, script: str | bytes) -> None:
        """Write (or rewrite) one migration's ``migration.sql``."""
        (self.folder / name).mkdir(parents=True, exist_ok=True)
        data = script.encode() if isinstance(script, str) else script
        (self.folder / name / "migration.sql").write_bytes(data)

    def deployed_init(self) -> PrismaLedger:
        """The init migration written and deployed as Prisma deploys it; the ledger."""
        self.write(*INIT)
        ledger = PrismaLedger(self.admin)
        ledger.applied(self.migration(INIT[0]))
        return ledger

    def migration(self, name: str):
        """The migration ``name`` as Prisma lists it now."""
        return next(migration for migration in list_migrations(self.folder) if migration.name == name)

    def status(self, *args: str) -> list[str]:
        """migrate-status's exit code and lines (stdout)."""
        return main(["migrate-status", "--migrations", str(self.folder), *args])


def test_an_empty_database_without_a_ledger_is_not_managed_yet_and_deploy_applies_everything(target, capsys):
    target.write(*INIT)
    assert target.status() == 0
    lines = capsys.readouterr().out.splitlines()[2:]  # after the line naming the database read, and a blank
    assert lines[:6] == [
        "Not managed by Prisma Migrate: the database is empty; migrate deploy creates _prisma_migrations and"
        " applies every migration.",
        "",
        "MIGRATION            STATUS   NOTE",
        "20250101090000_init  pending",
        "",
        "Pending statements:",
    ]
    assert lines[-1] == "    no maintenance needed"  # a new table, judged even without a scratch database


def test_a_database_with_tables_but_no_ledger_needs_a_baseline(target, capsys):
    target.write(*INIT)
    run_script(target.admin, INIT[1])
    assert target.status() == 1
    assert capsys.readouterr().out.splitlines()[2] == (
        "Not managed by Prisma Migrate: the database holds 1 table(s) but no _prisma_migrations, and migrate deploy"
        " refuses it (P3005); once its schema matches 20250101090000_init, baseline it with"
        " npx prisma migrate resolve --applied 20250101090000_init."
    )


def test_the_gate_fails_a_database_that_needs_a_baseline(target, pytester):
    target.write(*INIT)
    run_script(target.admin, INIT[1])
    _, record = run_gate_tests(pytester, str(MIGRATION_GATE), "-m", "migration", f"--woc-migrations={target.folder}")
    item = items_by_id(record)["migration-runbook"]
    assert item["status"] == "FAIL"
    assert set(failing(item).values()) == {
        "the database needs a baseline: not managed by Prisma Migrate: the database holds 1 table(s) but no"
        " _prisma_migrations, and migrate deploy refuses it (P3005); once its schema matches 20250101090000_init,"
        " baseline it with npx prisma migrate resolve --applied 20250101090000_init"
    }


def test_a_script_applied_after_a_rolled_back_attempt_of_another_script_is_edited(target, capsys):
    ledger = target.deployed_init()
    target.write(COLORS[0], COLORS[1].replace("VARCHAR(7)", "VARCHAR(6)"))
    first = ledger.failed(target.migration(COLORS[0]), failure_logs(COLORS[0], 1205, "Lock wait timeout", 1))
    ledger.rolled_back(first)
    target.write(*COLORS)
    ledger.applied(target.migration(COLORS[0]))
    assert target.status() == 1
    assert capsys.readouterr().out.splitlines()[-1] == (
        "20250201090000_project_colors  applied  edited after its first attempt (rolled back) (checksum differs);"
        " rolled back, then applied again"
    )


def test_a_byte_that_is_not_utf8_in_a_comment_is_not_an_edit(target, capsys):
    target.write(COLORS[0], b"-- Couleur du projet (\xe9crite en Latin-1)\n" + COLORS[1].encode())
    ledger = PrismaLedger(target.admin)
    run_script(target.admin, INIT[1])
    colors = target.migration(COLORS[0])
    row = ledger.started(colors, checksum=_as_node_reads_it(colors.sql_path))
    run_script(target.admin, COLORS[1])
    ledger.finished(row)
    assert target.status() == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("20250201090000_project_colors  applied  finished ")


def test_the_note_of_a_failed_migration_is_the_database_error(target, capsys):
    ledger = target.deployed_init()
    target.write(*COLORS)
    logs = failure_logs(COLORS[0], 1205, "Lock wait timeout exceeded; try restarting transaction", 1)
    ledger.failed(target.migration(COLORS[0]), logs)
    assert target.status() == 1
    assert (
        "20250201090000_project_colors  failed   error 1205: Lock wait timeout exceeded; try restarting transaction"
        " (query 1)"
    ) in capsys.readouterr().out.splitlines()


def test_the_failed_migration_deploy_runs_again_is_linted_against_what_its_attempt_left(target, capsys):
    ledger = target.deployed_init()
    script = COLORS[1] + "\n-- CreateIndex\nCREATE UNIQUE INDEX `woc_projects_name_key` ON `woc_projects`(`name`);\n"
    target.write(COLORS[0], script)
    run_script(target.admin, COLORS[1])  # statement 1 ran before statement 2 failed
    logs = failure_logs(COLORS[0], 1062, "Duplicate entry 'Website' for key 'woc_projects_name_key'", 2)
    ledger.failed(target.migration(COLORS[0]), logs)
    assert target.status("--scratch-url", target.scratch_url) == 1
    assert capsys.readouterr().out.splitlines()[-5:] == [
        "Pending statements:",
        "  20250201090000_project_colors #1 ALTER TABLE `woc_projects` ADD COLUMN `color` VARCHAR(7) NULL",
        "    maintenance mode: the server refuses it: Duplicate column name 'color' [will-fail]",
        "  20250201090000_project_colors #2 CREATE UNIQUE INDEX `woc_projects_name_key` ON `woc_projects`(`name`)",
        "    not tried: migrate deploy stops at 20250201090000_project_colors #1, which fails",
    ]


def _as_node_reads_it(path: Path) -> str:
    """The checksum of a script as Prisma's CLI computes it: Node reads it as UTF-8, SHA-256 over that text."""
    program = "const c=require('crypto'),f=require('fs');"
    program += (
        "process.stdout.write(c.createHash('sha256').update(f.readFileSync(process.argv[1],'utf-8')).digest('hex'))"
    )
    return subprocess.run(["node", "-e", program, str(path)], capture_output=True, text=True, check=True).stdout
