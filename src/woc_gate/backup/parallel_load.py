"""A dump loaded in phases: the schema, the rows by several clients at once, the indexes, then the rest.

Phase one runs the dump's session settings and every ``CREATE TABLE`` (secondary indexes and
foreign keys held back); phase two sends the ``INSERT`` statements round-robin to ``jobs`` clients,
each with the same session settings (``LOCK TABLES`` dropped, so that they do not wait for one
another); phase three builds the held-back indexes, one ``ALTER TABLE`` per table, spread over up
to ``jobs`` clients, the largest tables first and each on the least loaded client (a table's build
runs on one thread of the server, so a large table's build and the others' share the cores); phase
four adds the foreign keys and runs what followed the data (triggers, routines, the closing
settings). Rows never arrive before their table, nor a trigger before the rows it must not fire on.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from ..errors import TargetError
from ..target.processes import start
from .deferred_indexes import FOREIGN_KEY_CHECKS_OFF, split_indexes
from .dump_scan import DELIMITER_CLOSE, DELIMITER_OPEN, Rows, scan
from .manifest import open_dump, sql_size

OUTBOX_STATEMENTS = 8  # statements waiting per client: enough to keep it busy, few enough to bound memory
TABLE_STRUCTURE = re.compile(rb"^-- Table structure for table `")
SKIPPED = re.compile(rb"^(LOCK TABLES `.*` WRITE;|UNLOCK TABLES;|/\*!40000 ALTER TABLE `.*` (DIS|EN)ABLE KEYS \*/;)$")
ROUTINES = re.compile(rb"^-- Dumping (routines|events) ")


def default_jobs() -> int:
    """The cores this process may run on (its affinity mask where the system has one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def load(command: list[str], dump_path: Path, progress, jobs: int) -> dict[str, float]:
    """Load the dump through ``command`` (a MySQL client reading SQL on stdin) in four phases; each one's seconds."""
    seconds: dict[str, float] = {}
    with _timed(seconds, "schema"):
        head, schema, after = _plan(dump_path)
        tables, deferred = split_indexes(schema)
        _run_clients(command, [head + tables])
    with _timed(seconds, "rows"):
        sizes = _load_rows(command, head, dump_path, progress, jobs)
    with _timed(seconds, "indexes"):
        _run_clients(command, [[*head, *share] for share in _shares(deferred.indexes, sizes, jobs)])
    with _timed(seconds, "foreign keys and the rest"):
        _run_clients(command, [[*head, FOREIGN_KEY_CHECKS_OFF, *deferred.foreign_keys, *after]])
    return seconds


@contextlib.contextmanager
def _timed(seconds: dict[str, float], phase: str) -> Iterator[None]:
    started = time.monotonic()
    yield
    seconds[phase] = time.monotonic() - started


def _plan(dump_path: Path) -> tuple[list[bytes], list[bytes], list[bytes]]:
    """The session settings, the schema and what follows the data: every line but the rows."""
    head, schema, after = [], [], []
    part, in_trigger = head, False
    with open_dump(dump_path) as source:
        for line in scan(source):
            if isinstance(line, Rows):
                continue
            if part is head and TABLE_STRUCTURE.match(line):
                part = schema
            elif part is schema and ROUTINES.match(line):
                part = after
            if SKIPPED.match(line.rstrip()):
                continue
            in_trigger = (in_trigger or line.rstrip() == DELIMITER_OPEN) and line.rstrip() != DELIMITER_CLOSE
            (after if in_trigger or line.rstrip() == DELIMITER_CLOSE and part is schema else part).append(line)
    return head, schema, after


def _load_rows(command: list[str], head: list[bytes], dump_path: Path, progress, jobs: int) -> Counter:
    """Every ``INSERT`` of the dump through ``jobs`` clients at once; the bytes of rows each table got."""
    outboxes = [queue.Queue(maxsize=OUTBOX_STATEMENTS) for _ in range(jobs)]
    with _Clients(command, jobs) as clients:
        writers = [
            threading.Thread(target=_write_all, args=(process, head, outbox), daemon=True)
            for process, outbox in zip(clients.processes, outboxes, strict=True)
        ]
        for writer in writers:
            writer.start()
        try:
            return _deal_statements(dump_path, outboxes, progress)
        except BaseException:
            clients.kill()  # a writer blocked on its client's pipe then ends quietly (see _write_all)
            raise
        finally:
            for outbox in outboxes:
                outbox.put(None)
            for writer in writers:
                writer.join()


def _deal_statements(dump_path: Path, outboxes: list[queue.Queue], progress) -> Counter:
    """Each ``INSERT`` statement of the dump to the next outbox in turn; the bytes of rows per table."""
    total, read, shown = max(sql_size(dump_path), 1), 0, 0
    sizes, turn = Counter(), 0
    with open_dump(dump_path) as source:
        for piece in scan(source):
            if isinstance(piece, Rows):
                outboxes[turn % len(outboxes)].put(piece.statement)
                sizes[piece.table] += len(piece.statement)
                turn += 1
                read += len(piece.statement)
            else:
                read += len(piece)
            while shown < 100 * read // total:
                shown += 1
                progress.advance(f"{read / 1e6:.1f} MB")
    return sizes


def _shares(statements: dict[bytes, bytes], sizes: Counter, jobs: int) -> list[list[bytes]]:
    """The tables' statements spread over up to ``jobs`` clients: largest table first, each to the least loaded."""
    shares = [[] for _ in range(min(jobs, len(statements)))]
    loads = [0] * len(shares)
    for table in sorted(statements, key=lambda name: sizes[name], reverse=True):
        least = loads.index(min(loads))
        shares[least].append(statements[table])
        loads[least] += sizes[table]
    return shares


def _write_all(process: subprocess.Popen, head: list[bytes], outbox: queue.Queue) -> None:
    statement: bytes | None = b""
    try:
        process.stdin.writelines(head)
        while (statement := outbox.get()) is not None:
            process.stdin.write(statement)
        process.stdin.close()
    except (BrokenPipeError, ValueError):  # the client stopped or was stopped; its exit status and stderr say why
        while statement is not None:  # take the rest, up to the end mark, so that the reader never waits on it
            statement = outbox.get()


def _run_clients(command: list[str], inputs: list[list[bytes]]) -> None:
    with _Clients(command, len(inputs)) as clients:
        for process, lines in zip(clients.processes, inputs, strict=True):
            with contextlib.suppress(BrokenPipeError):  # the client stopped; its exit status says why
                process.stdin.writelines(lines)
                process.stdin.close()


class _Clients:
    """Client processes whose failures become one ``TargetError`` once they all ended."""

    def __init__(self, command: list[str], count: int) -> None:
        self.errors = [tempfile.TemporaryFile() for _ in range(count)]  # noqa: SIM115 - closed in __exit__
        what = Path(command[0]).name
        self.processes = [
            start(command, what=what, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=errors)
            for errors in self.errors
        ]

    def __enter__(self) -> _Clients:
        return self

    def kill(self) -> None:
        """Stop every client now (the load was interrupted)."""
        for process in self.processes:
            process.kill()

    def __exit__(self, *exc) -> None:
        if exc[0] is not None:
            self.kill()
        failures = []
        for process, errors in zip(self.processes, self.errors, strict=True):
            if process.stdin and not process.stdin.closed:
                with contextlib.suppress(BrokenPipeError):
                    process.stdin.close()
            process.wait()
            errors.seek(0)
            lines = errors.read().decode(errors="replace").strip().splitlines()
            errors.close()
            if process.returncode != 0:
                errors_only = [line for line in lines if line.startswith("ERROR")]
                failures.append((errors_only or lines or [f"exit {process.returncode}"])[0])
        if failures and exc[0] is None:
            raise TargetError(f"the restore failed: {failures[0]}")
