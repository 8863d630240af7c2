"""A dump loaded in phases: the schema, the rows by several sessions at once, the indexes, then the rest.

Phase one runs the dump's session settings and every ``CREATE TABLE`` (secondary indexes and foreign
keys held back) through the MySQL client. Phase two sends the ``INSERT`` statements round-robin to
``jobs`` sessions of their own, each with the same session settings (``LOCK TABLES`` dropped, so that
they do not wait for one another), as they are: the client would only scan each for its end, at a
tenth of the drill's CPU. First the rows of the largest table with held-back indexes, then, while a
client builds that table's indexes (an index build runs on one thread of the server, so it takes one
core of its own), the other tables' rows through ``jobs - 1`` sessions. Phase three builds the other
tables' indexes, one ``ALTER TABLE`` per table spread over ``jobs - 1`` clients, largest first, and
waits for the largest table's. Phase four adds the foreign keys and runs what followed the data
(triggers, routines, the closing settings). Rows never arrive before their table, nor a trigger
before the rows it must not fire on, nor an index build before the last row of its table; with one
job everything runs in turn.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import queue
import re
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import TargetError
from ..target.db import Session, execute
from ..target.processes import start
from .deferred_indexes import FOREIGN_KEY_CHECKS_OFF, split_indexes
from .dump_scan import DELIMITER_CLOSE, DELIMITER_OPEN, Rows, scan
from .manifest import open_dump

OUTBOX_STATEMENTS = 8  # statements waiting per client: enough to keep it busy, few enough to bound memory
TABLE_STRUCTURE = re.compile(rb"^-- Table structure for table `")
SKIPPED = re.compile(rb"^(LOCK TABLES `.*` WRITE;|UNLOCK TABLES;|/\*!40000 ALTER TABLE `.*` (DIS|EN)ABLE KEYS \*/;)$")
ROUTINES = re.compile(rb"^-- Dumping (routines|events) ")


@dataclass
class Plan:
    """Every line of the dump but the rows, in three parts, and where each table's rows are in its SQL."""

    head: list[bytes] = field(default_factory=list)
    schema: list[bytes] = field(default_factory=list)
    after: list[bytes] = field(default_factory=list)
    spans: dict[bytes, list[tuple[int, int]]] = field(default_factory=dict)  # per table, its runs of statements

    def size(self, table: bytes) -> int:
        """The bytes of a table's rows."""
        return sum(end - start for start, end in self.spans.get(table, ()))


def default_jobs() -> int:
    """The cores this process may run on (its affinity mask where the system has one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def load(command: list[str], session: Callable[[], Session], dump_path: Path, progress, jobs: int) -> dict[str, float]:
    """Load the dump in four phases; each one's seconds.

    ``command`` is a MySQL client reading SQL on stdin, ``session`` opens a session on the database restored into.
    """
    seconds: dict[str, float] = {}
    with _timed(seconds, "schema"):
        plan = _plan(dump_path)
        tables, deferred = split_indexes(plan.schema)
        _run_clients(command, [plan.head + tables])
    indexes = deferred.indexes
    first = max(indexes, key=plan.size) if jobs > 1 and indexes else None
    rows = _Rows(session, plan, dump_path, progress)
    with _Clients(command, 1 if first else 0) as first_build:
        with _timed(seconds, "rows"):
            if first:
                rows.load([first], jobs)
                _send(first_build.processes[0], [*plan.head, indexes.pop(first)])
            rows.load([table for table in plan.spans if table != first], jobs - 1 if first else jobs)
        with _timed(seconds, "indexes"):
            shares = _shares(indexes, plan, jobs - 1 if first else jobs)
            _run_clients(command, [[*plan.head, *share] for share in shares])
            first_build.finish()
    with _timed(seconds, "foreign keys and the rest"):
        _run_clients(command, [[*plan.head, FOREIGN_KEY_CHECKS_OFF, *deferred.foreign_keys, *plan.after]])
    return seconds


@contextlib.contextmanager
def _timed(seconds: dict[str, float], phase: str) -> Iterator[None]:
    started = time.monotonic()
    yield
    seconds[phase] = time.monotonic() - started


def _plan(dump_path: Path) -> Plan:
    plan = Plan()
    part, in_trigger, position = plan.head, False, 0
    with open_dump(dump_path) as source:
        for line in scan(source):
            if isinstance(line, Rows):
                _extend(plan.spans.setdefault(line.table, []), position, position + len(line.statement))
                position += len(line.statement)
                continue
            position += len(line)
            if part is plan.head and TABLE_STRUCTURE.match(line):
                part = plan.schema
            elif part is plan.schema and ROUTINES.match(line):
                part = plan.after
            if SKIPPED.match(line.rstrip()):
                continue
            in_trigger = (in_trigger or line.rstrip() == DELIMITER_OPEN) and line.rstrip() != DELIMITER_CLOSE
            at_end = in_trigger or line.rstrip() == DELIMITER_CLOSE and part is plan.schema
            (plan.after if at_end else part).append(line)
    return plan


def _extend(spans: list[tuple[int, int]], start: int, end: int) -> None:
    """A statement's bytes added to its table's spans: the last one, when it ends where the statement starts."""
    if spans and spans[-1][1] == start:
        start = spans.pop()[0]
    spans.append((start, end))


class _Rows:
    """The dump's rows, a few tables at a time, each statement sent as it is on sessions of their own (the server
    parses it as from a client, which would only have scanned it for its end); the progress moves by their bytes."""

    def __init__(self, session: Callable[[], Session], plan: Plan, dump_path: Path, progress) -> None:
        self.session = session
        self.settings = [line for line in plan.head if line.rstrip().endswith(b";") and not line.startswith(b"--")]
        self.plan = plan
        self.dump_path = dump_path
        self.progress = progress
        self.total = max(sum(map(plan.size, plan.spans)), 1)
        self.sent = 0

    def load(self, tables: list[bytes], jobs: int) -> None:
        """The rows of ``tables`` (in the dump's order) through ``jobs`` sessions at once, round-robin.

        The statements are dealt from a thread of their own: the main thread only waits, so that a signal raised in
        it never leaves a queue's lock held; when it is stopped, the sessions are killed (a statement may wait on
        a lock for as long as the server lets it) and the statements waiting dropped.
        """
        outboxes = [queue.Queue(maxsize=OUTBOX_STATEMENTS) for _ in range(jobs)]
        failures: list[TargetError] = []
        sessions: list[Session] = []
        stopped = threading.Event()
        writers = [
            threading.Thread(target=self._execute_all, args=(outbox, sessions, failures), daemon=True)
            for outbox in outboxes
        ]
        for writer in writers:
            writer.start()
        with ThreadPoolExecutor(1) as dealer:
            dealt = dealer.submit(self._deal, tables, outboxes, failures, stopped)
            try:
                dealt.result()
                for writer in writers:
                    writer.join()
            except BaseException:  # interrupted while dealing or while the last statements run
                stopped.set()
                self._kill(sessions)
                raise
            finally:
                for writer in writers:
                    writer.join()
        if failures:
            raise TargetError(f"the restore failed: {failures[0]}")

    def _execute_all(self, outbox: queue.Queue, sessions: list[Session], failures: list[TargetError]) -> None:
        statement: bytes | None = b""
        try:
            with self.session() as session:
                sessions.append(session)
                for statement in itertools.chain(self.settings, iter(outbox.get, None)):
                    execute(session, statement)
            statement = None
        except TargetError as error:
            failures.append(error)
        while statement is not None:  # take the rest, up to the end mark, so that the dealer never waits on it
            statement = outbox.get()

    def _kill(self, sessions: list[Session]) -> None:
        """End the sessions on the server, and with them the statements they run."""
        with contextlib.suppress(TargetError), self.session() as killer:
            for session in sessions:
                with contextlib.suppress(TargetError):  # it ended meanwhile
                    execute(killer, f"KILL CONNECTION {session.thread_id()}")

    def _deal(
        self, tables: list[bytes], outboxes: list[queue.Queue], failures: list[TargetError], stopped: threading.Event
    ) -> None:
        turn = 0
        try:
            with open_dump(self.dump_path) as source:
                for start, end in (span for table in tables for span in self.plan.spans[table]):
                    source.seek(start)
                    for piece in scan(_Window(source, end)):
                        if failures or stopped.is_set():
                            return
                        outboxes[turn % len(outboxes)].put(piece.statement)
                        turn += 1
                        self._sent(len(piece.statement))
        finally:
            for outbox in outboxes:
                outbox.put(None)

    def _sent(self, size: int) -> None:
        shown = 100 * self.sent // self.total
        self.sent += size
        for _ in range(shown, 100 * self.sent // self.total):
            self.progress.advance(f"{self.sent / 1e6:.1f} MB of rows")


class _Window:
    """Reads of a dump that stop at ``end`` (a table's rows)."""

    def __init__(self, source, end: int) -> None:
        self.source = source
        self.end = end

    def read(self, size: int) -> bytes:
        return self.source.read(max(min(size, self.end - self.source.tell()), 0))


def _shares(statements: dict[bytes, bytes], plan: Plan, jobs: int) -> list[list[bytes]]:
    """The tables' statements spread over up to ``jobs`` clients: largest table first, each to the least loaded."""
    shares = [[] for _ in range(min(jobs, len(statements)))]
    loads = [0] * len(shares)
    for table in sorted(statements, key=plan.size, reverse=True):
        least = loads.index(min(loads))
        shares[least].append(statements[table])
        loads[least] += plan.size(table)
    return shares


def _send(process: subprocess.Popen, lines: list[bytes]) -> None:
    """All of a client's input, then its end."""
    with contextlib.suppress(BrokenPipeError):  # the client stopped; its exit status says why
        process.stdin.writelines(lines)
        process.stdin.close()


def _run_clients(command: list[str], inputs: list[list[bytes]]) -> None:
    with _Clients(command, len(inputs)) as clients:
        for process, lines in zip(clients.processes, inputs, strict=True):
            _send(process, lines)


class _Clients:
    """Client processes whose failures become one ``TargetError`` once they all ended."""

    def __init__(self, command: list[str], count: int) -> None:
        self.errors = [tempfile.TemporaryFile() for _ in range(count)]  # noqa: SIM115 - closed in finish
        what = Path(command[0]).name
        self.processes = [
            start(command, what=what, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=errors)
            for errors in self.errors
        ]
        self.finished = False

    def __enter__(self) -> _Clients:
        return self

    def kill(self) -> None:
        """Stop every client now (the load was interrupted)."""
        for process in self.processes:
            process.kill()

    def finish(self) -> None:
        """Wait until every client ended; a ``TargetError`` naming the first failure, if one failed."""
        if self.finished:
            return
        self.finished = True
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
        if failures:
            raise TargetError(f"the restore failed: {failures[0]}")

    def __exit__(self, *exc) -> None:
        if exc[0] is None:
            self.finish()
            return
        self.kill()
        with contextlib.suppress(TargetError):  # the error under way says more
            self.finish()

    def _wait(self) -> None:
        for process in self.processes:
            if process.stdin and not process.stdin.closed:
                with contextlib.suppress(BrokenPipeError):
                    process.stdin.close()
            process.wait()
