"""The migration commands as an operator meets them: where the migrations are, the scratch database, the pipe."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import pytest
from gate_runs import failing, items_by_id, run_gate_tests

from woc_gate import config
from woc_gate.cli import main
from woc_gate.target.db import Dsn
from woc_gate.target.scratch import MARKER_TABLE

pytest_plugins = ["pytester", "migration_server"]

MIGRATION_GATE = Path(__file__).resolve().parents[1] / "migration"
ADD_COLOR = "-- AlterTable\nALTER TABLE `woc_projects` ADD COLUMN `color` VARCHAR(7) NULL;\n"
_numbers = itertools.count()


@pytest.fixture
def target(migration_server, tmp_path, monkeypatch):
    """An empty target database (DATABASE_URL), one pending migration in tmp/migrations; run from tmp."""
    number = next(_numbers)
    migration_server.database(f"woc_ergo_{number}").close()
    monkeypatch.setenv("DATABASE_URL", migration_server.account(f"woc_ergo_reader_{number}", f"woc_ergo_{number}"))
    monkeypatch.chdir(tmp_path)
    for name in ("DB_HOST", "DB_NAME", "WOC_GATE_CONFIG", "WOC_GATE_MIGRATIONS", "WOC_GATE_MIGRATION_SCRATCH_URL"):
        monkeypatch.delenv(name, raising=False)
    write_migration(tmp_path / "migrations", "20250101090000_init", "CREATE TABLE `woc_projects` (`id` INT);\n")
    return migration_server, number


def write_migration(folder: Path, name: str, script: str) -> None:
    (folder / name).mkdir(parents=True)
    (folder / name / "migration.sql").write_text(script)


def scratch(target, grant: str = "ALL PRIVILEGES", *, tables: str = "") -> str:
    """A scratch database for the target (holding ``tables``, a script); its account's URL with ``grant``."""
    server, number = target
    with server.database(f"woc_gate_scratch_ergo_{number}") as admin, admin.cursor() as cursor:
        if tables:
            cursor.execute(tables)
    return server.account(f"woc_ergo_scratch_{number}", f"woc_gate_scratch_ergo_{number}", grant)


@pytest.mark.slow
def test_the_migrations_folder_may_come_from_WOC_GATE_MIGRATIONS(target, monkeypatch, capsys):
    monkeypatch.setenv("WOC_GATE_MIGRATIONS", "migrations")
    assert main(["migrate-status"]) == 0
    assert "20250101090000_init  pending" in capsys.readouterr().out.splitlines()


def test_paths_in_a_profile_are_relative_to_its_folder(tmp_path):
    (tmp_path / "ops").mkdir()
    (tmp_path / "ops" / "woc-gate.toml").write_text('repo = "../checkout"\nmigrations = "migrations"\n')
    profile = tmp_path / "ops" / "woc-gate.toml"
    settings = config.load(options={"config": str(profile)}, environ={}, rootdir=tmp_path / "elsewhere")
    assert (settings.repo, settings.migrations) == (tmp_path / "checkout", tmp_path / "ops" / "migrations")


def test_migrate_status_follows_the_profiles_relative_migrations_folder(target, tmp_path, monkeypatch, capsys):
    (tmp_path / "ops").mkdir()
    (tmp_path / "ops" / "woc-gate.toml").write_text('migrations = "../migrations"\n')
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert main(["migrate-status", f"--woc-config={tmp_path / 'ops' / 'woc-gate.toml'}"]) == 0
    assert "20250101090000_init  pending" in capsys.readouterr().out.splitlines()


def test_a_checkout_laid_out_otherwise_is_one_line_naming_the_setting(target, tmp_path, capsys):
    (tmp_path / "other").mkdir()
    assert main(["migrate-status", "--woc-repo", "other"]) == 2
    assert capsys.readouterr().err == (
        "woc-gate: the checkout other has no apps/web/prisma/migrations ([layout] migrations): a layout other than"
        " WorkOnClock's? set [layout] migrations in the profile to where it is, or pass --woc-migrations PATH\n"
    )


def test_runtime_sql_laid_out_otherwise_is_one_line_naming_the_setting(target, tmp_path, pytester, monkeypatch):
    (tmp_path / "other").mkdir()
    monkeypatch.setenv("WOC_GATE_MIGRATIONS", str(tmp_path / "migrations"))
    _, record = run_gate_tests(pytester, str(MIGRATION_GATE), "-m", "migration", f"--woc-repo={tmp_path / 'other'}")
    failures = failing(items_by_id(record)["migration-runbook"])
    assert set(failures.values()) == {
        f"no runtime API source matches apps/api/src/**/*.ts under {tmp_path / 'other'};"
        " set [layout] runtime_sql in the profile"
    }
    assert "test_every_runtime_sql_statement_prepares_against_the_schema" in failures


def test_a_scratch_database_woc_gate_did_not_mark_keeps_its_tables(target, capsys):
    url = scratch(target, tables="CREATE TABLE `keep_me` (`id` INT)")
    assert main(["migrate-status", "--migrations", "migrations", "--scratch-url", url]) == 2
    assert capsys.readouterr().err == (
        f"woc-gate: the scratch database {Dsn.parse(url)} holds tables"
        " woc-gate did not create (keep_me); nothing was dropped: point migration_scratch_url at an empty"
        " database, which woc-gate then marks as its own\n"
    )
    server, number = target
    with server.admin(f"woc_gate_scratch_ergo_{number}") as admin, admin.cursor() as cursor:
        cursor.execute("SHOW TABLES")
        assert cursor.fetchall() == (("keep_me",),)


def test_an_empty_scratch_database_is_marked_and_then_refreshed(target, capsys):
    url = scratch(target)
    for _ in range(2):
        assert main(["migrate-status", "--migrations", "migrations", "--scratch-url", url]) == 0
        assert capsys.readouterr().out.splitlines()[-1] == "    no maintenance needed"
    server, number = target
    with server.admin(f"woc_gate_scratch_ergo_{number}") as admin, admin.cursor() as cursor:
        cursor.execute("SHOW TABLES")
        assert sorted(cursor.fetchall()) == [(MARKER_TABLE,), ("woc_projects",)]


def test_a_scratch_account_without_rights_is_one_line(target, capsys):
    url = scratch(target, "SELECT")
    user, database = f"woc_ergo_scratch_{target[1]}", f"woc_gate_scratch_ergo_{target[1]}"
    assert main(["migrate-status", "--migrations", "migrations", "--scratch-url", url]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        f"woc-gate: the scratch account '{user}' lacks a right on '{database}' (CREATE command denied"
    )
    assert err.endswith(f"); grant it ALL PRIVILEGES ON `{database}`.* (migration_scratch_url)\n")
    assert err.count("\n") == 1


def test_a_scratch_account_kept_out_of_its_database_is_one_line(target, capsys):
    server, number = target
    scratch(target)
    other = server.account(f"woc_ergo_other_{number}", f"woc_ergo_{number}", "SELECT")  # rights elsewhere only
    refused = other.rsplit("/", 1)[0] + f"/woc_gate_scratch_ergo_{number}"
    assert main(["migrate-status", "--migrations", "migrations", "--scratch-url", refused]) == 2
    err = capsys.readouterr().err
    assert "refuses the account access to that database" in err
    assert err.endswith("grant it rights there, or check migration_scratch_url\n")
    assert err.count("\n") == 1


@pytest.mark.slow
def test_a_reader_that_stops_reading_ends_the_output_quietly(target, tmp_path):
    for number in range(3000):  # more lines than a pipe holds
        write_migration(tmp_path / "migrations", f"2025020109{number:04d}_step", ADD_COLOR)
    command = [sys.executable, "-c", "import sys; from woc_gate.cli import main; sys.exit(main())"]
    command += ["migrate-status", "--migrations", "migrations"]
    reader = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert reader.stdout.readline().startswith(b'Database "')
    assert reader.stdout.readline() == b"\n"
    assert reader.stdout.readline().startswith(b"Not managed by Prisma Migrate")
    reader.stdout.close()
    assert (reader.wait(timeout=60), reader.stderr.read()) == (0, b"")


def test_migrate_status_gives_each_finding_its_category_in_json(target, tmp_path, capsys):
    write_migration(
        tmp_path / "migrations", "20250201090000_drop", "ALTER TABLE `woc_projects` DROP COLUMN `no_such`;\n"
    )
    assert main(["migrate-status", "--migrations", "migrations", "--scratch-url", scratch(target), "--json"]) == 0
    (pending,) = json.loads(capsys.readouterr().out)["pending_statements"][1:]
    assert pending["findings"] == [
        {"category": "will-fail", "reason": "the server refuses it: Can't DROP COLUMN `no_such`; check that it exists"}
    ]


def test_without_a_scratch_database_only_a_new_table_and_instant_columns_are_judged(target, tmp_path, capsys):
    write_migration(
        tmp_path / "migrations",
        "20250201090000_projects",
        "-- AlterTable\nALTER TABLE `woc_projects` ADD COLUMN `color` VARCHAR(7) NOT NULL DEFAULT '#000000';\n\n"
        "-- AlterTable\nALTER TABLE `woc_projects` MODIFY `color` VARCHAR(9) NOT NULL DEFAULT '#000000';\n",
    )
    assert main(["migrate-status", "--migrations", "migrations"]) == 0
    assert capsys.readouterr().out.splitlines()[-4:] == [
        "  20250201090000_projects #1 ALTER TABLE `woc_projects` ADD COLUMN `color` VARCHAR(7) NOT NULL"
        " DEFAULT '#000000'",
        "    no maintenance needed",
        "  20250201090000_projects #2 ALTER TABLE `woc_projects` MODIFY COLUMN `color` VARCHAR(9) NOT NULL"
        " DEFAULT '#000000'",
        "    maintenance mode: not judged: no scratch database to try it on: set migration_scratch_url"
        " (or pass --scratch-url) [not-judged]",
    ]
