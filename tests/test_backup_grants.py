"""An account that may read every table but ``_prisma_migrations``: nothing reads its hidden ledger as empty.

information_schema hides a table the account has no right on, so a lookup there takes the ledger for
absent: migrate-status showed every applied migration as pending, backup wrote a dump without the
ledger, and the drill passed it. Each now stops with the grant that is missing.
"""

from __future__ import annotations

import hashlib
import json
import re
from contextlib import contextmanager
from pathlib import Path

import pymysql
import pytest
from gate_runs import failing, items_by_id, run_gate_tests

from woc_gate.backup.manifest import manifest_path
from woc_gate.cli import main

pytest_plugins = ["pytester"]

MIGRATION = Path(__file__).resolve().parents[1] / "migration"
BLIND, PASSWORD = "woc_ledger_blind", "Ledger-Blind-1"
LEDGER = "_prisma_migrations"
LEDGER_SECTION = re.compile(
    rb"--\n-- Table structure for table `_prisma_migrations`.*?(?=--\n-- Table structure)", re.S
)


@contextmanager
def root(sandbox):
    """A root session on the stack's server (over its socket)."""
    connection = pymysql.connect(unix_socket=sandbox.ctx.db.unix_socket, user="root", autocommit=True)
    with connection, connection.cursor() as cursor:
        yield cursor


@pytest.fixture(scope="module")
def blind_url(clean_stack):
    """The URL of an account with SELECT on each table but the ledger (and EVENT, as a backup account has)."""
    db = clean_stack.ctx.db
    with root(clean_stack) as cursor:
        cursor.execute("CREATE USER %s@'%%' IDENTIFIED BY %s", (BLIND, PASSWORD))
        cursor.execute(f"GRANT EVENT ON `{db.name}`.* TO %s@'%%'", (BLIND,))
        cursor.execute(f"SHOW TABLES FROM `{db.name}`")
        for (table,) in cursor.fetchall():
            if table != LEDGER:
                cursor.execute(f"GRANT SELECT ON `{db.name}`.`{table}` TO %s@'%%'", (BLIND,))
    yield f"mysql://{BLIND}:{PASSWORD}@{db.host}:{db.port}/{db.name}"
    with root(clean_stack) as cursor:
        cursor.execute("DROP USER %s@'%%'", (BLIND,))


@pytest.fixture
def as_blind(blind_url, monkeypatch, tmp_path):
    """DATABASE_URL names the account, in an empty folder; the text every command must print."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", blind_url)
    shown = blind_url.replace(PASSWORD, "****")
    return (
        f"the database at {shown} denies the account SELECT on `workonclock`.`{LEDGER}`;"
        f" grant it SELECT ON `workonclock`.`{LEDGER}`, or check DATABASE_URL"
    )


def test_migrate_status_names_the_grant_instead_of_showing_applied_migrations_as_pending(as_blind, clean_stack, capsys):
    assert main(["migrate-status", "--woc-repo", str(clean_stack.ctx.repo)]) == 2
    assert capsys.readouterr() == ("", f"woc-gate: {as_blind}\n")


def test_backup_names_the_grant_and_writes_nothing(as_blind, tmp_path, capsys):
    assert main(["backup", "--out", "b.sql"]) == 2
    assert capsys.readouterr().err == f"woc-gate: {as_blind}\n"
    assert list(tmp_path.iterdir()) == []


def test_the_migration_gate_fails_naming_the_grant(as_blind, clean_stack, pytester):
    result, record = run_gate_tests(
        pytester, str(MIGRATION), "-m", "migration", f"--woc-config={clean_stack.profile_path}"
    )
    item = items_by_id(record)["migration-runbook"]
    assert item["status"] == "FAIL", result.stdout.str()
    messages = failing(item).values()
    assert messages and all(as_blind in message for message in messages), messages


def test_the_drill_refuses_a_backup_without_the_ledger(clean_stack, tmp_path, capsys):
    """A backup as woc-gate took it before the ledger was required: neither dump nor manifest has the ledger."""
    full = tmp_path / "full.sql"
    assert main(["backup", "--out", str(full), "--woc-config", str(clean_stack.profile_path)]) == 0
    dump = tmp_path / "noledger.sql"
    dump.write_bytes(LEDGER_SECTION.sub(b"", full.read_bytes(), count=1))
    manifest = json.loads(manifest_path(full).read_text())
    del manifest["row_counts"][LEDGER]
    manifest.update(
        prisma_migrations=[],
        file_size=dump.stat().st_size,
        checksum=f"sha256:{hashlib.sha256(dump.read_bytes()).hexdigest()}",
    )
    manifest_path(dump).write_text(json.dumps(manifest))
    capsys.readouterr()
    assert main(["restore-drill", str(dump), "--woc-config", str(clean_stack.profile_path)]) == 2
    assert capsys.readouterr() == (
        "",
        f"woc-gate: {dump} holds no {LEDGER} (its manifest counts no rows of it): the backup cannot restore which"
        " migrations were applied; take it again with an account that may read that table\n",
    )


def test_a_dump_that_leaves_out_a_listed_table_is_not_kept(clean_stack, tmp_path, capsys, monkeypatch):
    """An operator's ~/.my.cnf with ignore-table: the dump lacks a table information_schema lists."""
    (tmp_path / ".my.cnf").write_text("[mysqldump]\nignore-table=workonclock.woc_screenshots\n")
    monkeypatch.setenv("HOME", str(tmp_path))
    out = tmp_path / "backup" / "b.sql"
    assert main(["backup", "--out", str(out), "--woc-config", str(clean_stack.profile_path)]) == 2
    err = capsys.readouterr().err
    assert err.endswith(
        "/workonclock lacks 1 of the 14 tables the database lists (woc_screenshots): the client left them out"
        " (an ignore-table option, or too few rights on them); nothing was kept\n"
    )
    assert list(out.parent.iterdir()) == []
