"""SIGTERM and Ctrl-C during the operator commands: children stopped, nothing partial kept, one line, 143/130.

The stack's server holds a table lock while the command runs, so the dump (the drill's load, the
ledger's read) is surely in progress when the signal comes, however small the seed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import tomllib
from contextlib import contextmanager
from pathlib import Path

import pymysql
import pytest

from woc_gate.cli import main

pytestmark = pytest.mark.slow  # each test runs an operator command in a subprocess and signals it

CLI = [sys.executable, "-c", "import sys; from woc_gate.cli import main; sys.exit(main())"]
STOPPED = "its child processes were stopped and its partial files removed"
WAITING = "Waiting for table metadata lock"


@contextmanager
def root(sandbox):
    """A root session on the stack's server (over its socket)."""
    connection = pymysql.connect(unix_socket=sandbox.ctx.db.unix_socket, user="root", autocommit=True)
    with connection, connection.cursor() as cursor:
        yield cursor


def until(condition, what: str, timeout: float = 8.0):
    """Poll ``condition`` until it is true; its value."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.002)
    return value


def waiting_on_the_lock(cursor, user: str, statement: str) -> bool:
    cursor.execute(
        "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = %s AND STATE = %s AND INFO LIKE %s",
        (user, WAITING, f"{statement}%"),
    )
    return cursor.fetchone()[0] > 0


@contextmanager
def running(sandbox, folder: Path, *args: str):
    """The woc-gate command in ``folder`` (temporary files in its ``tmp``), in a process group of its own as a
    terminal's foreground job is; killed with its group on the way out if it still runs."""
    (folder / "tmp").mkdir(exist_ok=True)
    process = subprocess.Popen(
        [*CLI, *args, "--woc-config", str(sandbox.profile_path)],
        cwd=folder,
        env={**os.environ, "TMPDIR": str(folder / "tmp")},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=_interruptible,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate()


def _interruptible() -> None:
    # A terminal's job takes Ctrl-C; one started from a shell's background job would inherit SIGINT ignored
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@contextmanager
def stalled_backup(sandbox, folder: Path, name: str):
    """A backup into ``folder/out`` whose dump waits on a lock of woc_users (dumped last) while inside."""
    (folder / "out").mkdir()
    with root(sandbox) as lock, root(sandbox) as watch:
        lock.execute("LOCK TABLES workonclock.woc_users WRITE")
        with running(sandbox, folder, "backup", "--out", f"out/{name}") as process:
            until(lambda: waiting_on_the_lock(watch, sandbox.ctx.db.user, "SELECT"), "the dump to reach woc_users")
            assert (folder / "out" / f".{name}.partial").stat().st_size > 0
            yield process


def test_sigterm_during_backup_keeps_no_partial_and_no_option_file(clean_stack, tmp_path):
    with stalled_backup(clean_stack, tmp_path, "b.sql") as backup:
        assert [path.name for path in (tmp_path / "out").iterdir()] == [".b.sql.partial"]  # the option file: in tmp
        assert list((tmp_path / "tmp").glob("woc-gate-client-*/client.cnf"))
        backup.send_signal(signal.SIGTERM)  # CI cancelling a job: the command alone gets it
        out, err = backup.communicate(timeout=10)
        assert backup.returncode == 143
        assert (out, err) == ("", f"woc-gate: backup stopped by SIGTERM; {STOPPED}\n")
    assert list((tmp_path / "out").iterdir()) == list((tmp_path / "tmp").iterdir()) == []
    with root(clean_stack) as watch:
        assert not waiting_on_the_lock(watch, clean_stack.ctx.db.user, "SELECT")  # the dump client was stopped


def test_a_partial_left_by_a_killed_backup_is_removed_by_the_next_one(clean_stack, tmp_path, capsys, monkeypatch):
    with stalled_backup(clean_stack, tmp_path, "a.sql") as backup:
        os.killpg(backup.pid, signal.SIGKILL)
        backup.wait()
    assert (tmp_path / "out" / ".a.sql.partial").is_file()
    monkeypatch.chdir(tmp_path / "out")
    assert main(["backup", "--out", "b.sql", "--woc-config", str(clean_stack.profile_path)]) == 0
    assert capsys.readouterr().err == (
        "woc-gate: removed .a.sql.partial, a partial dump left by a backup that was killed\n"
    )
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == ["b.sql", "b.sql.manifest.json"]


def test_ctrl_c_during_the_drills_load_ends_quietly(dev_stack_factory, tmp_path):
    sandbox = dev_stack_factory(seed=5, scale=2)  # rows of other tables to load before the locked one's
    scratch = tomllib.loads(sandbox.profile_path.read_text())["restore_scratch_url"]
    dump = tmp_path / "b.sql"
    assert main(["backup", "--out", str(dump), "--woc-config", str(sandbox.profile_path)]) == 0
    last = _last_table_with_rows(dump)
    with root(sandbox) as watch:
        watch.execute("DROP DATABASE IF EXISTS workonclock_restore_check")  # its tables now appear with the load
        with running(sandbox, tmp_path, "restore-drill", dump.name, "--into", scratch) as drill:
            # Locked as soon as the schema phase makes it, before any rows: its INSERT must come, and wait.
            until(lambda: last in _scratch_tables(watch), f"the drill to create {last}")
            watch.execute(f"LOCK TABLES workonclock_restore_check.`{last}` WRITE")
            until(lambda: waiting_on_the_lock(watch, "woc_restore", f"INSERT INTO `{last}`"), "an INSERT to wait")
            drill.send_signal(signal.SIGINT)  # the clients, blocked on the lock, get nothing: the drill must stop them
            out, err = drill.communicate(timeout=30)  # it kills its sessions through a new one: slow on a busy machine
            assert _processes_using(tmp_path / "tmp") == []  # no client outlives the drill, blocked or not
    assert drill.returncode == 130
    assert (out, err) == ("", f"woc-gate: restore-drill stopped by SIGINT; {STOPPED}\n")


def _processes_using(folder: Path) -> list[str]:
    """The command lines naming ``folder``: the drill's clients read their option file from its temp folder."""
    lines = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            line = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if str(folder) in line:
                lines.append(line)
    return lines


def _last_table_with_rows(dump: Path) -> str:
    """The table whose rows come last in the dump (mysqldump writes tables in name order)."""
    with dump.open("rb") as source:
        inserts = [line.split(b"`")[1] for line in source if line.startswith(b"INSERT INTO `")]
    return inserts[-1].decode()


def _scratch_tables(cursor) -> list[str]:
    cursor.execute("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'workonclock_restore_check'")
    return [name for (name,) in cursor.fetchall()]


def test_migrate_status_waiting_on_the_ledger_stops_on_sigterm(clean_stack, tmp_path):
    with root(clean_stack) as lock, root(clean_stack) as watch:
        lock.execute("LOCK TABLES workonclock._prisma_migrations WRITE")
        with running(clean_stack, tmp_path, "migrate-status") as process:
            until(lambda: waiting_on_the_lock(watch, clean_stack.ctx.db.user, "SELECT migration_name"), "the read")
            process.send_signal(signal.SIGTERM)
            out, err = process.communicate(timeout=10)
    assert process.returncode == 143
    assert (out, err) == ("", f"woc-gate: migrate-status stopped by SIGTERM; {STOPPED}\n")
