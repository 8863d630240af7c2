"""Migration states by Prisma's rules, the lint of pending statements, and woc-gate migrate-status's one-line errors."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

from woc_gate.cli import main
from woc_gate.sources.migrations import (
    APPLIED,
    FAILED,
    MISSING_ON_DISK,
    PENDING,
    ROLLED_BACK,
    MigrationRecord,
    checksum_matches,
    migration_states,
)

T0 = dt.datetime(2026, 11, 1, 9, 0)


def folder(tmp_path, scripts: dict[str, bytes]):
    for name, script in scripts.items():
        (tmp_path / name).mkdir(parents=True)
        (tmp_path / name / "migration.sql").write_bytes(script)
    return tmp_path


def row(name, script: bytes, minute, *, finished=True, rolled_back=False):
    started = T0 + dt.timedelta(minutes=minute)
    return MigrationRecord(
        name,
        hashlib.sha256(script).hexdigest(),
        started,
        started if finished else None,
        started if rolled_back else None,
    )


def statuses(states):
    return [(state.name, state.status, state.edited, state.reapplied) for state in states]


def test_applied_pending_failed_rolled_back_and_missing_on_disk(tmp_path):
    scripts = {"1_a": b"A;\n", "2_b": b"B;\n", "3_c": b"C;\n", "4_d": b"D;\n"}
    records = [
        row("1_a", b"A;\n", 1),
        row("2_b", b"B;\n", 2, finished=False),
        row("3_c", b"C;\n", 3, finished=False, rolled_back=True),
        row("0_gone", b"X;\n", 0),
    ]
    states = migration_states(folder(tmp_path, scripts), records)
    assert statuses(states) == [
        ("1_a", APPLIED, False, False),
        ("2_b", FAILED, False, False),
        ("3_c", ROLLED_BACK, False, False),
        ("4_d", PENDING, False, False),
        ("0_gone", MISSING_ON_DISK, False, False),
    ]


def test_a_migration_rolled_back_then_applied_again_unchanged_is_applied_and_not_edited(tmp_path):
    records = [row("1_a", b"new;\n", 1, finished=False, rolled_back=True), row("1_a", b"new;\n", 2)]
    states = migration_states(folder(tmp_path, {"1_a": b"new;\n"}), records)
    assert statuses(states) == [("1_a", APPLIED, False, True)]


def test_a_migration_applied_after_a_rolled_back_attempt_of_another_script_is_edited_as_prisma_says(tmp_path):
    records = [row("1_a", b"old;\n", 1, finished=False, rolled_back=True), row("1_a", b"new;\n", 2)]
    (state,) = migration_states(folder(tmp_path, {"1_a": b"new;\n"}), records)
    assert statuses([state]) == [("1_a", APPLIED, True, True)]
    assert state.edit == "after its first attempt (rolled back)"


def test_a_byte_that_is_not_utf8_is_read_as_prisma_reads_it(tmp_path):
    script = b"-- Sch\xe9ma des projets\nA;\n"
    as_prisma_read = script.decode("utf-8", errors="replace").encode()
    (state,) = migration_states(folder(tmp_path, {"1_a": script}), [row("1_a", as_prisma_read, 1)])
    assert statuses([state]) == [("1_a", APPLIED, False, False)]


def test_an_edited_script_is_flagged_but_its_crlf_twin_is_not(tmp_path):
    records = [row("1_a", b"A;\nB;\n", 1), row("2_b", b"C;\n", 2)]
    states = migration_states(folder(tmp_path, {"1_a": b"A;\r\nB;\r\n", "2_b": b"C;\nD;\n"}), records)
    assert statuses(states) == [("1_a", APPLIED, False, False), ("2_b", APPLIED, True, False)]


def test_unpadded_checksums_of_old_engines_match():
    digest = hashlib.sha256(b"x").digest()
    assert checksum_matches(b"x", "".join(f"{byte:x}" for byte in digest))
    assert not checksum_matches(b"y", "".join(f"{byte:x}" for byte in digest))


def test_no_migrations_table_means_every_migration_is_pending(tmp_path):
    states = migration_states(folder(tmp_path, {"1_a": b"A;\n"}), None)
    assert statuses(states) == [("1_a", PENDING, False, False)]


def test_migrate_status_without_a_database_is_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("DATABASE_URL", "DB_HOST", "DB_NAME", "WOC_GATE_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    assert main(["migrate-status", "--migrations", str(folder(tmp_path / "m", {"1_a": b"A;\n"}))]) == 4
    assert capsys.readouterr().err == (
        "woc-gate: no database configured: set DATABASE_URL (or DB_HOST, DB_NAME, …), write woc-gate.toml here,"
        " or pass --woc-config PATH\n"
    )


def test_migrate_status_with_wrong_credentials_is_one_line(tmp_path, capsys, monkeypatch, clean_stack):
    db = clean_stack.ctx.db
    monkeypatch.setenv("DATABASE_URL", f"mysql://{db.user}:not-the-pw@{db.host}:{db.port}/{db.name}")
    assert main(["migrate-status", "--migrations", str(folder(tmp_path, {"1_a": b"A;\n"}))]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"woc-gate: the database at mysql://{db.user}:****@{db.host}:{db.port}/{db.name} refuses the account: "
        "wrong user or password in DATABASE_URL\n"
    )


def test_migrate_status_prints_the_clean_stack_as_applied(capsys, clean_stack):
    assert main(["migrate-status", "--woc-config", str(clean_stack.profile_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    database = clean_stack.ctx.db
    assert lines[0].startswith(f'Database "{database.name}" at {database.host}')
    assert ", migrations in " in lines[0] and lines[1] == ""
    assert database.user not in lines[0] and database.password not in lines[0]
    assert lines[2].split() == ["MIGRATION", "STATUS", "NOTE"]
    assert [line.split()[1] for line in lines[3:]] == [APPLIED] * 5


def test_migrate_status_reports_a_pending_destructive_statement(capsys, dev_stack_factory):
    sandbox = dev_stack_factory(faults=["pending-destructive-migration"])
    assert main(["migrate-status", "--woc-config", str(sandbox.profile_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-4:-1] == [
        "",
        "Pending statements:",
        "  20250324090000_drop_email_verified_at #1 ALTER TABLE `woc_users` DROP COLUMN `emailVerifiedAt`",
    ]
    assert re.fullmatch(  # InnoDB's row estimate of a small table may read 0
        r"    maintenance mode: drops column woc_users\.emailVerifiedAt \(holds data(, ~\d+ rows)?\) \[drops-data\]",
        lines[-1],
    )
