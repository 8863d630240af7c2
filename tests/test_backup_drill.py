"""woc-gate backup and restore-drill: bad inputs are one line and leave nothing, the source is never written,
and the counts are those of the dump even while the application writes; operator mistakes with
files (a read-only --out folder, an existing backup, gzip, another database's dump, a missing dump) are named."""

from __future__ import annotations

import gzip
import json
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
import tomllib
from contextlib import contextmanager
from pathlib import Path

import pymysql
import pytest
from sandbox_clients import database

from woc_gate.backup.loader import ScratchUrl
from woc_gate.backup.manifest import manifest_path, read_manifest, verify_dump
from woc_gate.backup.progress import Progress
from woc_gate.cli import main
from woc_gate.errors import TargetError
from woc_gate.sandbox.environment import runbook_env
from woc_gate.target.db import Dsn

CLI = [sys.executable, "-c", "import sys; from woc_gate.cli import main; sys.exit(main())"]


def profile_of(sandbox):
    return tomllib.loads(sandbox.profile_path.read_text())


@pytest.fixture(scope="module")
def backup(clean_stack, tmp_path_factory):
    out = tmp_path_factory.mktemp("backup") / "workonclock.sql"
    assert main(["backup", "--out", str(out), "--woc-config", str(clean_stack.profile_path)]) == 0
    return out


def test_the_dump_and_its_manifest_are_readable_by_their_owner_only(backup):
    assert {oct(path.stat().st_mode & 0o777) for path in (backup, manifest_path(backup))} == {"0o600"}


@pytest.fixture
def damaged(backup, tmp_path):
    """A copy of the backup and its manifest, to spoil."""
    copy = tmp_path / backup.name
    shutil.copy(backup, copy)
    shutil.copy(manifest_path(backup), manifest_path(copy))
    return copy


def drill(capsys, *args):
    status = main(["restore-drill", *map(str, args)])
    return status, capsys.readouterr()


def test_the_manifest_keeps_the_runbook_fields_and_the_dump_counts(backup, clean_stack, db_rows):
    manifest = json.loads(manifest_path(backup).read_text())
    assert manifest["file_size"] == backup.stat().st_size
    assert manifest["restore_test_result"] is None
    assert (
        manifest["row_counts"]["woc_time_entries"]
        == db_rows(clean_stack, "SELECT COUNT(*) FROM woc_time_entries")[0][0]
    )
    assert {row["migration_name"] for row in manifest["prisma_migrations"]} == {
        name for (name,) in db_rows(clean_stack, "SELECT migration_name FROM _prisma_migrations")
    }


def test_a_truncated_dump_stops_the_drill_in_one_line(damaged, capsys):
    size = damaged.stat().st_size
    with open(damaged, "r+b") as handle:
        handle.truncate(size - 100)
    status, out = drill(capsys, damaged)
    assert (status, out.out) == (2, "")
    assert out.err == f"woc-gate: {damaged} is {size - 100} bytes, its manifest records {size}: the file is truncated\n"


def test_a_dump_whose_checksum_differs_stops_the_drill(damaged, capsys):
    data = bytearray(damaged.read_bytes())
    data[-10] ^= 1
    damaged.write_bytes(bytes(data))
    recorded = json.loads(manifest_path(damaged).read_text())["checksum"]
    status, out = drill(capsys, damaged)
    assert status == 2
    assert out.err.startswith(f"woc-gate: {damaged} has checksum sha256:")
    assert out.err.endswith(f", its manifest records {recorded}\n")


def test_a_missing_manifest_stops_the_drill(damaged, capsys):
    manifest_path(damaged).unlink()
    status, out = drill(capsys, damaged)
    assert status == 2
    assert out.err == (
        f"woc-gate: {manifest_path(damaged)} is missing: "
        "a backup is checked against the manifest woc-gate backup writes\n"
    )


def test_a_database_not_named_as_scratch_is_refused_as_into(backup, clean_stack, capsys):
    url = runbook_env(clean_stack.ctx)["DATABASE_URL"]
    status, out = drill(capsys, backup, "--into", url, "--woc-config", clean_stack.profile_path)
    assert status == 2
    assert out.err.endswith(
        "/workonclock: database 'workonclock' is not named as a scratch database "
        "(its name must contain 'restore_check', e.g. workonclock_restore_check)\n"
    )
    assert clean_stack.ctx.db.password not in out.err


def test_the_source_database_is_refused_as_into(backup, clean_stack, capsys, monkeypatch, tmp_path):
    url = profile_of(clean_stack)["restore_scratch_url"]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    status, out = drill(capsys, backup, "--into", url)
    assert status == 2
    assert out.err.endswith("/workonclock_restore_check is the source database; restore into a scratch database\n")


def test_a_scratch_database_no_drill_made_is_refused(backup, clean_stack, capsys):
    url = profile_of(clean_stack)["restore_scratch_url"]
    assert drill(capsys, backup, "--into", url, "--woc-config", clean_stack.profile_path)[0] == 0
    with _session(url) as cursor:
        cursor.execute("DROP TABLE woc_gate_restore_drill")
    status, out = drill(capsys, backup, "--into", url, "--woc-config", clean_stack.profile_path)
    assert status == 2
    assert "table(s) and no woc_gate_restore_drill marker: it is not empty and no drill made it" in out.err
    with _session(url) as cursor:  # leave it as a drill would, for the next test
        cursor.execute("CREATE TABLE woc_gate_restore_drill (restoredAt DATETIME(3) NOT NULL)")


def test_a_drill_into_the_scratch_database_passes_and_never_writes_the_source(backup, clean_stack, capsys):
    url = profile_of(clean_stack)["restore_scratch_url"]
    before = _checksums(clean_stack)
    status, out = drill(capsys, backup, "--into", url, "--woc-config", clean_stack.profile_path)
    assert status == 0, out
    assert out.out.startswith(f"Restore drill PASSED: {backup} into mysql://woc_restore:****@")
    assert _checksums(clean_stack) == before
    result = json.loads(manifest_path(backup).read_text())["restore_test_result"]
    assert result["passed"] and set(result["checks"].values()) == {"passed"}


def test_the_restored_schema_equals_the_source_although_indexes_are_built_last(backup, clean_stack, capsys):
    url = profile_of(clean_stack)["restore_scratch_url"]
    assert drill(capsys, backup, "--into", url, "--woc-config", clean_stack.profile_path)[0] == 0
    with database(clean_stack.ctx) as connection, connection.cursor() as cursor:
        source = _create_statements(cursor)
    with _session(url) as cursor:
        restored = _create_statements(cursor)
    restored.pop("woc_gate_restore_drill")
    assert restored == source


@pytest.mark.slow
def test_a_drill_into_a_throwaway_server_records_the_rto(backup, clean_stack, capsys):
    status, out = drill(capsys, backup, "--woc-config", clean_stack.profile_path)
    assert status == 0, out
    assert out.out.startswith(f"Restore drill PASSED: {backup} into a throwaway server, RTO ")
    result = json.loads(manifest_path(backup).read_text())["restore_test_result"]
    assert result["rto_seconds"] > 0
    assert result["load_jobs"] == len(os.sched_getaffinity(0))  # by default one load client per core
    assert set(result["restore_phases"]) == {"schema", "rows", "indexes", "foreign keys and the rest"}


def test_an_unreachable_server_is_one_line_and_leaves_no_file(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", "mysql://woc:secret-pw@127.0.0.1:1/workonclock")
    assert main(["backup", "--out", "b.sql"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("woc-gate: cannot reach the database at mysql://woc:****@127.0.0.1:1/workonclock: ")
    assert "secret-pw" not in err and list(tmp_path.iterdir()) == []


def test_wrong_credentials_are_one_line(clean_stack, tmp_path, capsys, monkeypatch):
    db = clean_stack.ctx.db
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"mysql://{db.user}:wrong-pw@{db.host}:{db.port}/{db.name}")
    assert main(["backup", "--out", "b.sql"]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"woc-gate: the database at mysql://{db.user}:****@{db.host}:{db.port}/{db.name} refuses the account: "
        "wrong user or password in DATABASE_URL\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_during_the_backup_leaves_nothing_that_looks_complete(clean_stack, tmp_path):
    def small_files():
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    command = [*CLI, "backup", "--out", "b.sql", "--woc-config", str(clean_stack.profile_path)]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, preexec_fn=small_files, check=False)
    assert done.returncode == 2
    assert done.stderr == "woc-gate: cannot write the backup b.sql: File too large; nothing was kept\n"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_backup_counts_equal_the_dump_while_the_app_writes(dev_stack_factory, tmp_path, capsys):
    sandbox = dev_stack_factory(seed=5, scale=2)
    stop = threading.Event()
    inserted = []

    def writer():
        with database(sandbox.ctx) as connection, connection.cursor() as cursor:
            cursor.execute("SELECT organizationId, id FROM woc_users LIMIT 1")
            organization, user = cursor.fetchone()
            while not stop.is_set():
                cursor.execute(
                    "INSERT INTO woc_time_entries (id, organizationId, userId, startedAt, source, createdAt)"
                    " VALUES (%s, %s, %s, NOW(3), 'DESKTOP', NOW(3))",
                    (f"wr{len(inserted):023d}", organization, user),
                )
                connection.commit()
                inserted.append(1)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        time.sleep(0.3)
        before = len(inserted)
        out = tmp_path / "busy.sql"
        assert main(["backup", "--out", str(out), "--woc-config", str(sandbox.profile_path)]) == 0
        during = len(inserted) - before
    finally:
        stop.set()
        thread.join()
    assert during > 0
    status, result = drill(capsys, out, "--woc-config", sandbox.profile_path)
    assert status == 0, result.out  # the restored counts equal the manifest's, table by table


@contextmanager
def _session(url):
    dsn = Dsn.parse(url)
    connection = pymysql.connect(
        host=dsn.host, port=dsn.port, user=dsn.user, password=dsn.password, database=dsn.database, autocommit=True
    )
    with connection, connection.cursor() as cursor:
        yield cursor


def _create_statements(cursor):
    cursor.execute("SHOW TABLES")
    tables = [name for (name,) in cursor.fetchall()]
    statements = {}
    for table in tables:
        cursor.execute(f"SHOW CREATE TABLE `{table}`")
        statements[table] = cursor.fetchone()[1]
    return statements


def _checksums(sandbox):
    with database(sandbox.ctx) as connection, connection.cursor() as cursor:
        cursor.execute("SHOW TABLES")
        tables = [name for (name,) in cursor.fetchall()]
        cursor.execute("CHECKSUM TABLE " + ", ".join(f"`{t}`" for t in tables))
        return dict(cursor.fetchall())


def test_rows_load_before_triggers_and_indexes_after_rows(clean_stack, capsys):
    url = profile_of(clean_stack)["restore_scratch_url"]
    dump = Path(__file__).parent / "data" / "dump_with_trigger.sql"
    with ScratchUrl(url) as place:
        place.load(dump, Progress(None, total=100, unit="%"), jobs=2)
    with _session(url) as cursor:
        cursor.execute("SELECT id FROM a ORDER BY id")
        assert cursor.fetchall() == ((1,), (2,))  # the trigger (id = 1) did not fire on the restored rows
        cursor.execute("SHOW TRIGGERS")
        assert [row[0] for row in cursor.fetchall()] == ["t"]
        cursor.execute("SHOW INDEX FROM a")
        assert [row[2] for row in cursor.fetchall()] == ["k"]
        cursor.execute("DROP TRIGGER t")
        cursor.execute("DROP TABLE a, b")


def test_a_read_only_out_folder_is_one_line(clean_stack, tmp_path):
    folder = tmp_path / "read-only"
    folder.mkdir()
    # root writes through permission bits: the folder is made read-only by a bind mount in a namespace of its own
    read_only = ["unshare", "--mount", "sh", "-c", f'mount --bind -o ro "{folder}" "{folder}" && exec "$@"', "sh"]
    if subprocess.run([*read_only, "true"], capture_output=True, check=False).returncode != 0:
        pytest.skip("no mount namespace here to make a read-only folder in")
    command = [*CLI, "backup", "--out", str(folder / "b.sql"), "--woc-config", str(clean_stack.profile_path)]
    done = subprocess.run([*read_only, *command], capture_output=True, text=True, check=False)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"woc-gate: cannot write the backup {folder / 'b.sql'}: Read-only file system; nothing was kept\n"
    )


def test_out_onto_an_existing_backup_is_refused_unless_forced(damaged, clean_stack, capsys):
    damaged.write_text("an older backup\n")
    args = ["backup", "--out", str(damaged), "--woc-config", str(clean_stack.profile_path)]
    assert main(args) == 2
    assert capsys.readouterr() == (
        "",
        f"woc-gate: {damaged} already holds a backup; pass --force to replace it, or choose another --out\n",
    )
    assert damaged.read_text() == "an older backup\n"
    assert main([*args, "--force"]) == 0
    verify_dump(damaged, read_manifest(damaged))  # the dump and the manifest replaced together


def test_a_gzip_dump_is_read(damaged, clean_stack, capsys):
    packed = damaged.with_name(damaged.name + ".gz")
    packed.write_bytes(gzip.compress(damaged.read_bytes()))
    damaged.unlink()  # as `gzip workonclock.sql` leaves it: the manifest keeps the dump's own name
    status, out = drill(capsys, packed, "--into", profile_of(clean_stack)["restore_scratch_url"])
    assert status == 0, out
    assert out.out.startswith(f"Restore drill PASSED: {packed} into ")
    assert json.loads(manifest_path(packed).read_text())["restore_test_result"]["passed"]
    assert manifest_path(packed) == damaged.with_name(damaged.name + ".manifest.json")


def test_a_cut_gzip_dump_is_named_as_damaged_gzip(damaged, capsys):
    packed = gzip.compress(damaged.read_bytes())
    damaged.write_bytes(packed[: len(packed) // 2])
    status, out = drill(capsys, damaged)
    assert (status, out.out) == (2, "")
    assert out.err == (
        f"woc-gate: {damaged} is a damaged gzip file (Compressed file ended before the end-of-stream marker was"
        " reached); take the backup again\n"
    )


def test_another_databases_dump_is_named_as_such(damaged, clean_stack, capsys):
    scratch = Dsn.parse(profile_of(clean_stack)["migration_scratch_url"])
    with open(damaged, "wb") as out:
        subprocess.run(
            ["mariadb-dump", f"--host={scratch.host}", f"--port={scratch.port}", f"--user={scratch.user}"]
            + ["--protocol=TCP", "--single-transaction", scratch.database],
            stdout=out,
            env={**os.environ, "MYSQL_PWD": scratch.password},
            check=True,
        )
    status, out = drill(capsys, damaged)
    assert (status, out.out) == (2, "")
    assert out.err == (
        f"woc-gate: {damaged} is a dump of database '{scratch.database}', its manifest is of 'workonclock':"
        " the file belongs to another backup\n"
    )


def test_a_missing_dump_is_named_as_the_missing_dump(damaged, capsys):
    damaged.unlink()
    status, out = drill(capsys, damaged)
    assert (status, out.out) == (2, "")
    assert (
        out.err
        == f"woc-gate: {damaged} does not exist: give a dump woc-gate backup wrote (its manifest is beside it)\n"
    )


def test_a_storage_folder_that_cannot_be_read_is_named_not_taken_as_empty(backup, clean_stack, capsys, monkeypatch):
    missing = clean_stack.state_dir / "no-such-storage"
    monkeypatch.setenv("WOC_GATE_SCREENSHOT_STORAGE_DIR", str(missing))
    status, out = drill(capsys, backup, "--into", profile_of(clean_stack)["restore_scratch_url"])
    assert (status, out.out) == (2, "")
    assert out.err == (
        f"woc-gate: cannot read the screenshot storage folder {missing}: No such file or directory;"
        " give the gate's user read access to it, or check screenshot_storage_dir\n"
    )


@pytest.mark.parametrize("value", ["0", "-1", "two", "1.5", "257"])
def test_a_bad_jobs_value_is_one_line_before_anything_is_read(value, tmp_path, capsys):
    status, out = drill(capsys, tmp_path / "no-such-dump.sql", "--jobs", value)
    assert (status, out.out) == (2, "")
    assert out.err == f"woc-gate: --jobs {value}: give a whole number of load jobs from 1 to 256, as myloader -t\n"


@pytest.mark.parametrize(
    ("jobs", "sessions", "index_builds"),
    [
        # a's rows through 3 sessions; then b's and c's through 2 others while a client builds a's index; b's and
        # c's indexes through 2 clients
        (3, {"a": 3, "b and c": 2, "all": 5}, [1, 1, 1]),
        # one at a time: every row through one session, then every index through one client
        (1, {"a": 1, "b and c": 1, "all": 1}, [3]),
    ],
)
def test_the_rows_and_the_indexes_load_through_jobs_sessions_and_clients(
    jobs, sessions, index_builds, clean_stack, tmp_path, monkeypatch
):
    real, log = shutil.which("mariadb"), tmp_path / "log"
    log.mkdir()
    spy = tmp_path / "bin" / "mariadb"  # the real client, its input kept
    spy.parent.mkdir()
    spy.write_text(f'#!/bin/sh\ntee "{log}/$$.sql" | exec "{real}" "$@"\n')
    spy.chmod(0o755)
    monkeypatch.setenv("PATH", f"{spy.parent}{os.pathsep}{os.environ['PATH']}")
    dump = tmp_path / "three_tables.sql"
    dump.write_bytes(_table_with_rows(b"a", statements=6) + _table_with_rows(b"b") + _table_with_rows(b"c"))
    url = profile_of(clean_stack)["restore_scratch_url"]
    with ScratchUrl(url) as place:
        place.load(dump, Progress(None, total=100, unit="%"), jobs=jobs)
    inputs = [path.read_bytes() for path in log.iterdir()]
    assert sorted(text.count(b"ADD KEY") for text in inputs if b"ADD KEY" in text) == index_builds
    assert not any(b"INSERT INTO" in text for text in inputs)  # the rows went through sessions of their own
    with _session(url) as cursor:
        counted = {}
        for name, tables in {
            "a": "a",
            "b and c": "b UNION ALL SELECT * FROM c",
            "all": "a UNION ALL SELECT * FROM b UNION ALL SELECT * FROM c",
        }.items():
            cursor.execute(f"SELECT COUNT(DISTINCT session) FROM (SELECT * FROM {tables}) rows_of")
            counted[name] = cursor.fetchone()[0]
        cursor.execute("SELECT (SELECT COUNT(*) FROM a), (SELECT COUNT(*) FROM b), (SELECT COUNT(*) FROM c)")
        assert (counted, cursor.fetchone()) == (sessions, (12, 2, 2))
        cursor.execute("DROP TABLE a, b, c")


def _table_with_rows(name: bytes, statements: int = 1) -> bytes:
    """A table with a secondary index and two rows per INSERT statement; a trigger keeps each row's session."""
    create = (
        b"CREATE TABLE `" + name + b"` (\n  `id` int NOT NULL,\n  `session` bigint DEFAULT NULL,\n"
        b"  KEY `k` (`id`)\n) ENGINE=InnoDB;\n"
        b"CREATE TRIGGER `" + name + b"_session` BEFORE INSERT ON `" + name + b"` FOR EACH ROW"
        b" SET NEW.session = CONNECTION_ID();\n"
    )
    rows = b"INSERT INTO `" + name + b"` VALUES (1,NULL),\n(2,NULL);\n"
    return b"-- Table structure for table `" + name + b"`\n" + create + rows * statements


def test_a_row_the_server_refuses_stops_the_load_in_one_line(clean_stack, tmp_path):
    """The refused statement's session fails; the statements dealt to it after are taken and dropped, not waited on."""
    rows = b"".join(b"INSERT INTO `d` VALUES (%d);\n" % n for n in range(10, 50))
    dump = tmp_path / "duplicate.sql"
    dump.write_bytes(
        b"-- Table structure for table `d`\nCREATE TABLE `d` (\n  `id` int NOT NULL,\n  PRIMARY KEY (`id`)\n);\n"
        + b"INSERT INTO `d` VALUES (7);\n" * 2
        + rows
    )
    url = profile_of(clean_stack)["restore_scratch_url"]
    with pytest.raises(TargetError) as stopped, ScratchUrl(url) as place:
        place.load(dump, Progress(None, total=100, unit="%"), jobs=2)
    assert str(stopped.value).startswith("the restore failed: the database at mysql://woc_restore:****@")
    assert str(stopped.value).endswith(" answered an error: Duplicate entry '7' for key 'PRIMARY'")
    with _session(url) as cursor:
        cursor.execute("DROP TABLE d")
