"""The runbook §4 dump, streamed to a file while its SHA-256, size and per-table row counts are taken.

``mysqldump --single-transaction --routines --triggers --set-gtid-purged=OFF`` as the runbook
writes it, plus ``--events`` (without it scheduled events are not in the backup at all), and with
``--loose-set-gtid-purged=OFF`` so that MariaDB's client, which knows no such option, accepts it
too. The row counts are those of the rows the stream carries (the dump's own snapshot), not of a
second connection: every ``INSERT INTO `t` VALUES (…),(…);`` line is counted tuple by tuple, string
literals skipped. The file is written under a temporary name and renamed only once the dump ended well and
carries every table the database lists.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import BackupError, TargetError
from ..files import private_opener
from ..redaction import mask_url
from ..target.db import Dsn
from ..target.processes import require_program, start

CLIENTS = ("mariadb-dump", "mysqldump")
INSTALL_CLIENT = "install mariadb-client (apt-get install mariadb-client)"
RUNBOOK_FLAGS = ("--single-transaction", "--routines", "--triggers", "--events", "--loose-set-gtid-purged=OFF")
INSERT = re.compile(rb"^INSERT INTO `((?:[^`]|``)+)` (?:\([^)]*\) )?VALUES\b")
STRING = re.compile(rb"'(?:[^'\\]|\\.)*'", re.DOTALL)
TABLE_DATA = re.compile(rb"^-- Dumping data for table `((?:[^`]|``)+)`")
CHUNK = 1 << 20
PARTIAL_SUFFIX = ".partial"


@dataclass
class DumpResult:
    """What the stream carried: its size, SHA-256 and rows per table; the client that wrote it."""

    size: int = 0
    sha256: str = ""
    row_counts: dict[str, int] = field(default_factory=dict)
    client: str = ""


@contextlib.contextmanager
def client_options(dsn: Dsn) -> Iterator[Path]:
    """A 0600 option file with the account's password, in a private folder removed on exit (never beside a dump).

    So that the password never shows on a command line, nor stays on disk after the client ended.
    """
    folder = Path(tempfile.mkdtemp(prefix="woc-gate-client-"))
    try:
        path = folder / "client.cnf"
        password = dsn.password.replace("\\", "\\\\").replace('"', '\\"')
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as handle:
            handle.write(f'[client]\nuser="{dsn.user}"\npassword="{password}"\n')
        yield path
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def connection_flags(dsn: Dsn) -> list[str]:
    """Host, port or socket of ``dsn`` as client flags."""
    if dsn.unix_socket:
        return [f"--socket={dsn.unix_socket}"]
    return [f"--host={dsn.host}", f"--port={dsn.port}", "--protocol=TCP"]


def partial_path(out: Path) -> Path:
    """Where the dump of ``out`` is written until it ended well."""
    return out.with_name(f".{out.name}{PARTIAL_SUFFIX}")


def remove_stale_partials(folder: Path) -> list[Path]:
    """Remove the partial dumps no running backup holds (left by a killed one); the paths removed."""
    removed = []
    for path in sorted(folder.glob(f".*{PARTIAL_SUFFIX}")):
        with open(path, "rb") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # a backup running now writes it
            path.unlink()
            removed.append(path)
    return removed


def dump(
    url: str, out: Path, progress: Callable[[str, int], None] | None = None, *, tables: Collection[str] = ()
) -> DumpResult:
    """Dump the database of ``url`` into ``out`` (written whole or not at all); what the stream carried.

    The dump must carry each of ``tables`` (those the database lists), else nothing is kept.
    """
    dsn = Dsn.parse(url)
    client = require_program(CLIENTS, INSTALL_CLIENT)
    out = Path(out)
    partial = partial_path(out)
    try:
        with client_options(dsn) as options, open(partial, "wb", opener=private_opener) as sink:
            fcntl.flock(sink, fcntl.LOCK_EX)  # tells a backup started later that this partial is not stale
            command = [str(client), f"--defaults-extra-file={options}", *connection_flags(dsn), *RUNBOOK_FLAGS]
            result = _stream([*command, dsn.database], sink, progress)
            result.client = client.name
            _carries_every_table(url, result, tables)
            os.replace(partial, out)
        return result
    except OSError as error:
        raise BackupError(f"cannot write the backup {out}: {error.strerror}; nothing was kept") from error
    except TargetError as error:
        raise TargetError(f"the dump of {mask_url(url)} failed: {error}; nothing was kept") from error
    finally:
        if partial.exists():  # not unlink(missing_ok=True): a read-only folder refuses even that
            partial.unlink()


def _carries_every_table(url: str, result: DumpResult, tables) -> None:
    missing = sorted(set(tables) - set(result.row_counts))
    if missing:
        raise BackupError(
            f"the dump of {mask_url(url)} lacks {len(missing)} of the {len(set(tables))} tables the database lists"
            f" ({', '.join(missing)}): the client left them out (an ignore-table option, or too few rights on them);"
            " nothing was kept"
        )


def _stream(command: list[str], sink, progress) -> DumpResult:
    result = DumpResult()
    digest = hashlib.sha256()
    counter = RowCounter(progress)
    with (
        tempfile.TemporaryFile() as errors,
        start(command, what=Path(command[0]).name, stdout=subprocess.PIPE, stderr=errors) as process,
    ):
        try:
            for line in iter(lambda: process.stdout.readline(CHUNK * 64), b""):
                sink.write(line)
                digest.update(line)
                result.size += len(line)
                counter.feed(line, result.size)
            sink.flush()
            os.fsync(sink.fileno())
        except BaseException:
            process.kill()
            raise
        process.wait()
        if process.returncode != 0:
            errors.seek(0)
            raise TargetError(_first_error(errors.read()) or f"exit status {process.returncode}")
    result.sha256 = digest.hexdigest()
    result.row_counts = counter.counts
    return result


class RowCounter:
    """Counts the rows of each ``INSERT … VALUES`` statement, on one line or one tuple per line.

    A dump's values are literals only (numbers, NULL, quoted strings, hex), so once the quoted
    strings are blanked out every opening parenthesis starts a row.
    """

    def __init__(self, progress) -> None:
        self.counts: dict[str, int] = {}
        self.progress = progress  # called with the table and the rows counted so far, at each table and statement line
        self.table: str | None = None
        self.rows = 0

    def feed(self, line: bytes, size: int) -> None:
        """Take one line of the stream."""
        rest = line
        if self.table is None:
            found = INSERT.match(line)
            if found is None:
                self._note_table(line, size)
                return
            self.table = found.group(1).replace(b"``", b"`").decode()
            rest = line[found.end() :]
        values = STRING.sub(b"''", rest)
        rows = values.count(b"(")
        self.counts[self.table] = self.counts.get(self.table, 0) + rows
        self.rows += rows
        if self.progress is not None:
            self.progress(self.table, self.rows)
        if values.rstrip().endswith(b";"):
            self.table = None

    def _note_table(self, line: bytes, size: int) -> None:
        started = TABLE_DATA.match(line)
        if started:
            table = started.group(1).replace(b"``", b"`").decode()
            self.counts.setdefault(table, 0)
            if self.progress is not None:
                self.progress(table, self.rows)


def _first_error(stderr: bytes) -> str:
    lines = [line.strip() for line in stderr.decode(errors="replace").splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower()]
    return (errors or lines or [""])[0]
