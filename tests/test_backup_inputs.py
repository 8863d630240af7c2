"""Operator mistakes with backup and restore-drill files: each is one line naming what is wrong, exit 2.

A read-only --out folder, --out onto an existing backup, a gzip dump (read, not called truncated),
another database's dump beside this one's manifest, a missing dump (not called a missing manifest).
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
import tomllib

import pytest

from woc_gate.backup.manifest import manifest_path, read_manifest, verify_dump
from woc_gate.cli import main
from woc_gate.target.db import Dsn

CLI = [sys.executable, "-c", "import sys; from woc_gate.cli import main; sys.exit(main())"]


@pytest.fixture(scope="module")
def backup(clean_stack, tmp_path_factory):
    """One backup of the clean stack, copied by the tests that change it."""
    out = tmp_path_factory.mktemp("inputs") / "workonclock.sql"
    assert main(["backup", "--out", str(out), "--woc-config", str(clean_stack.profile_path)]) == 0
    return out


@pytest.fixture
def copy(backup, tmp_path):
    """A copy of the backup and its manifest."""
    dump = tmp_path / backup.name
    shutil.copy(backup, dump)
    shutil.copy(manifest_path(backup), manifest_path(dump))
    return dump


def drill(capsys, clean_stack, dump, *args):
    scratch = tomllib.loads(clean_stack.profile_path.read_text())["restore_scratch_url"]
    status = main(["restore-drill", str(dump), "--into", scratch, "--woc-config", str(clean_stack.profile_path), *args])
    return status, capsys.readouterr()


def test_a_read_only_out_folder_is_one_line(clean_stack, tmp_path):
    folder = tmp_path / "read-only"
    folder.mkdir()
    # root writes through permission bits: the folder is made read-only by a bind mount in a namespace of its own
    command = [*CLI, "backup", "--out", str(folder / "b.sql"), "--woc-config", str(clean_stack.profile_path)]
    mounted = f'mount --bind -o ro "{folder}" "{folder}" && exec "$@"'
    done = subprocess.run(
        ["unshare", "--mount", "sh", "-c", mounted, "sh", *command], capture_output=True, text=True, check=False
    )
    if "mount" in done.stderr and "woc-gate" not in done.stderr:
        pytest.skip(f"cannot make a read-only mount here: {done.stderr.strip()}")
    assert (done.returncode, done.stdout) == (2, "")
    assert (
        done.stderr
        == f"woc-gate: cannot write the backup {folder / 'b.sql'}: Read-only file system; nothing was kept\n"
    )


def test_out_onto_an_existing_backup_is_refused_unless_forced(copy, clean_stack, capsys):
    copy.write_text("an older backup\n")
    args = ["backup", "--out", str(copy), "--woc-config", str(clean_stack.profile_path)]
    assert main(args) == 2
    assert capsys.readouterr() == (
        "",
        f"woc-gate: {copy} already holds a backup; pass --force to replace it, or choose another --out\n",
    )
    assert copy.read_text() == "an older backup\n"
    assert main([*args, "--force"]) == 0
    verify_dump(copy, read_manifest(copy))  # the dump and the manifest replaced together


def test_a_gzip_dump_is_read(copy, clean_stack, capsys):
    packed = copy.with_name(copy.name + ".gz")
    packed.write_bytes(gzip.compress(copy.read_bytes()))
    copy.unlink()  # as `gzip workonclock.sql` leaves it: the manifest keeps the dump's own name
    status, out = drill(capsys, clean_stack, packed)
    assert status == 0, out
    assert out.out.startswith(f"Restore drill PASSED: {packed} into ")
    assert json.loads(manifest_path(packed).read_text())["restore_test_result"]["passed"]
    assert manifest_path(packed) == copy.with_name(copy.name + ".manifest.json")


def test_a_cut_gzip_dump_is_named_as_damaged_gzip(copy, clean_stack, capsys):
    packed = gzip.compress(copy.read_bytes())
    copy.write_bytes(packed[: len(packed) // 2])
    status, out = drill(capsys, clean_stack, copy)
    assert (status, out.out) == (2, "")
    assert out.err == (
        f"woc-gate: {copy} is a damaged gzip file (Compressed file ended before the end-of-stream marker was"
        " reached); take the backup again\n"
    )


def test_another_databases_dump_is_named_as_such(copy, clean_stack, capsys):
    scratch = Dsn.parse(tomllib.loads(clean_stack.profile_path.read_text())["migration_scratch_url"])
    with open(copy, "wb") as out:
        subprocess.run(
            ["mariadb-dump", f"--host={scratch.host}", f"--port={scratch.port}", f"--user={scratch.user}"]
            + ["--protocol=TCP", "--single-transaction", scratch.database],
            stdout=out,
            env={**os.environ, "MYSQL_PWD": scratch.password},
            check=True,
        )
    status, out = drill(capsys, clean_stack, copy)
    assert (status, out.out) == (2, "")
    assert out.err == (
        f"woc-gate: {copy} is a dump of database '{scratch.database}', its manifest is of 'workonclock':"
        " the file belongs to another backup\n"
    )


def test_a_missing_dump_is_named_as_the_missing_dump(copy, clean_stack, capsys):
    copy.unlink()
    status, out = drill(capsys, clean_stack, copy)
    assert (status, out.out) == (2, "")
    assert (
        out.err == f"woc-gate: {copy} does not exist: give a dump woc-gate backup wrote (its manifest is beside it)\n"
    )
