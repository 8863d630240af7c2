"""The runbook §4 dump, streamed to a file while its SHA-256, size and per-table row counts are taken.

``mysqldump --single-transaction --routines --triggers --set-gtid-purged=OFF`` as the runbook
writes it, plus ``--events`` (without it scheduled events are not in the backup at all), and with
``--loose-set-gtid-purged=OFF`` so that MariaDB's client, which knows no such option, accepts it
too. The row counts are those of the rows the stream carries (the dump's own snapshot), not of a
second connection: every ``INSERT INTO `t` VALUES (…),(…);`` line is counted tuple by tuple, string
literals skipped. The file is written under a temporary name and renamed only once the dump ended well.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import TargetError
from ..files import PRIVATE_FOLDER, private_opener
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


@dataclass
class DumpResult:
    """What the stream carried: its size, SHA-256 and rows per table; the client that wrote it."""

    size: int = 0
    sha256: str = ""
    row_counts: dict[str, int] = field(default_factory=dict)
    client: str = ""


def client_options_file(dsn: Dsn, directory: Path) -> Path:
    """A 0600 option file with the account's password, so that it never shows on a command line."""
    descriptor, path = tempfile.mkstemp(prefix=".woc-gate-client-", suffix=".cnf", dir=directory)
    with os.fdopen(descriptor, "w") as handle:
        password = dsn.password.replace("\\", "\\\\").replace('"', '\\"')
        handle.write(f'[client]\nuser="{dsn.user}"\npassword="{password}"\n')
    return Path(path)


def connection_flags(dsn: Dsn) -> list[str]:
    """Host, port or socket of ``dsn`` as client flags."""
    if dsn.unix_socket:
        return [f"--socket={dsn.unix_socket}"]
    return [f"--host={dsn.host}", f"--port={dsn.port}", "--protocol=TCP"]


def dump(url: str, out: Path, progress: Callable[[str, int], None] | None = None) -> DumpResult:
    """Dump the database of ``url`` into ``out`` (written whole or not at all); what the stream carried."""
    dsn = Dsn.parse(url)
    client = require_program(CLIENTS, INSTALL_CLIENT)
    out = Path(out)
    out.parent.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
    options = client_options_file(dsn, out.parent)
    partial = out.with_name(f".{out.name}.partial")
    try:
        command = [
            str(client),
            f"--defaults-extra-file={options}",
            *connection_flags(dsn),
            *RUNBOOK_FLAGS,
            dsn.database,
        ]
        result = _stream(command, partial, progress)
        result.client = client.name
        os.replace(partial, out)
        return result
    except OSError as error:
        raise TargetError(f"cannot write the backup {out}: {error.strerror}; nothing was kept") from error
    except TargetError as error:
        raise TargetError(f"the dump of {mask_url(url)} failed: {error}; nothing was kept") from error
    finally:
        partial.unlink(missing_ok=True)
        options.unlink(missing_ok=True)


def _stream(command: list[str], partial: Path, progress) -> DumpResult:
    result = DumpResult()
    digest = hashlib.sha256()
    counter = RowCounter(progress)
    with (
        tempfile.TemporaryFile() as errors,
        open(partial, "wb", opener=private_opener) as sink,  # the rows of every table: its owner's only
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
