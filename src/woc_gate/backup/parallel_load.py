"""A dump loaded in three phases: the schema, then the rows by several clients at once, then indexes and the rest.

Phase one runs the dump's session settings and every ``CREATE TABLE`` (secondary indexes and
foreign keys held back); phase two sends the ``INSERT`` statements round-robin to ``WORKERS``
clients, each with the same session settings (``LOCK TABLES`` dropped, so that they do not wait
for one another); phase three builds the held-back indexes and runs what followed the data
(triggers, routines, the closing settings). Rows never arrive before their table, nor a trigger
before the rows it must not fire on.
"""

from __future__ import annotations

import contextlib
import queue
import re
import subprocess
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..errors import TargetError
from ..target.processes import start
from .deferred_indexes import split_indexes
from .manifest import open_dump, sql_size

WORKERS = 2
INSERT = re.compile(rb"^INSERT INTO `")
TABLE_STRUCTURE = re.compile(rb"^-- Table structure for table `")
SKIPPED = re.compile(rb"^(LOCK TABLES `.*` WRITE;|UNLOCK TABLES;|/\*!40000 ALTER TABLE `.*` (DIS|EN)ABLE KEYS \*/;)$")
ROUTINES = re.compile(rb"^-- Dumping (routines|events) ")
DELIMITER_OPEN, DELIMITER_CLOSE = b"DELIMITER ;;", b"DELIMITER ;"


def load(command: list[str], dump_path: Path, progress) -> None:
    """Load the dump through ``command`` (a MySQL client reading SQL on stdin) in three phases."""
    head, schema, after = _plan(dump_path)
    tables, indexes = split_indexes(schema)
    _run_clients(command, [head + tables])
    _load_rows(command, head, dump_path, progress)
    _run_clients(command, [head + indexes + after])


def _plan(dump_path: Path) -> tuple[list[bytes], list[bytes], list[bytes]]:
    """The session settings, the schema and what follows the data: every line but the rows."""
    head, schema, after = [], [], []
    part, in_rows, in_trigger = head, False, False
    with open_dump(dump_path) as source:
        for line in source:
            if in_rows or INSERT.match(line):
                in_rows = not line.rstrip().endswith(b";")
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


def _load_rows(command: list[str], head: list[bytes], dump_path: Path, progress) -> None:
    # The main thread only waits: a signal raised in it while it held a queue's lock would leave the lock held.
    outboxes = [queue.Queue(maxsize=8) for _ in range(WORKERS)]
    with _Clients(command, WORKERS) as clients, ThreadPoolExecutor(1) as dealer:
        writers = [
            threading.Thread(target=_write_all, args=(process, head, outbox), daemon=True)
            for process, outbox in zip(clients.processes, outboxes, strict=True)
        ]
        for writer in writers:
            writer.start()
        dealt = dealer.submit(_deal_statements, dump_path, outboxes, progress, clients.stopped)
        try:
            dealt.result()
        except BaseException:
            clients.kill()  # a writer blocked on its client's pipe then ends quietly (see _write_all)
            raise
        finally:
            for writer in writers:
                writer.join()


def _deal_statements(dump_path: Path, outboxes: list[queue.Queue], progress, stopped: threading.Event) -> None:
    """Each ``INSERT`` statement of the dump to the next outbox in turn, until ``stopped``; then the end marks."""
    total, read, shown = max(sql_size(dump_path), 1), 0, 0
    statement, turn = [], 0
    try:
        with open_dump(dump_path) as source:
            for line in source:
                if stopped.is_set():
                    return
                read += len(line)
                if statement or INSERT.match(line):
                    statement.append(line)
                    if line.rstrip().endswith(b";"):
                        outboxes[turn % len(outboxes)].put(statement)
                        statement, turn = [], turn + 1
                while shown < 100 * read // total:
                    shown += 1
                    progress.advance(f"{read / 1e6:.1f} MB")
    finally:
        for outbox in outboxes:
            outbox.put(None)


def _write_all(process: subprocess.Popen, head: list[bytes], outbox: queue.Queue) -> None:
    statement: list[bytes] | None = []
    try:
        process.stdin.writelines(head)
        while (statement := outbox.get()) is not None:
            process.stdin.writelines(statement)
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
        self.stopped = threading.Event()
        what = Path(command[0]).name
        self.processes = [
            start(command, what=what, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=errors)
            for errors in self.errors
        ]

    def __enter__(self) -> _Clients:
        return self

    def kill(self) -> None:
        """Stop every client now (the load was interrupted)."""
        self.stopped.set()
        for process in self.processes:
            process.kill()

    def __exit__(self, *exc) -> None:
        if exc[0] is not None:
            self.kill()
        try:
            self._wait()
        except BaseException:  # interrupted while a client still worked: none may outlive the command
            self.kill()
            self._wait()
            raise
        failures = []
        for process, errors in zip(self.processes, self.errors, strict=True):
            errors.seek(0)
            lines = errors.read().decode(errors="replace").strip().splitlines()
            errors.close()
            if process.returncode != 0:
                errors_only = [line for line in lines if line.startswith("ERROR")]
                failures.append((errors_only or lines or [f"exit {process.returncode}"])[0])
        if failures and exc[0] is None:
            raise TargetError(f"the restore failed: {failures[0]}")

    def _wait(self) -> None:
        for process in self.processes:
            if process.stdin and not process.stdin.closed:
                with contextlib.suppress(BrokenPipeError):
                    process.stdin.close()
            process.wait()
