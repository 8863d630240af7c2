"""Bulk loading of generated rows: ``LOAD DATA LOCAL INFILE`` where the server allows it, else multi-row INSERTs.

Rows are tuples in a table's column order; datetime columns hold UTC epoch seconds (the server
converts them), ``None`` is SQL NULL.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pymysql

from woc_gate.errors import SandboxError
from woc_gate.files import with_filename

T = TypeVar("T")
INSERT_BATCH = 2000
CHUNK_ROWS = 200_000
DISK_FULL_ERRORS = (1021, 1114)  # ER_DISK_FULL, ER_RECORD_FILE_FULL ("The table … is full")
PENDING_CHUNKS = 2  # files written but not loaded yet: the seed waits rather than run far ahead of the server


@dataclass(frozen=True)
class Table:
    """A table as the seed writes it: its name, the columns given, which of them are datetimes."""

    name: str
    columns: tuple[str, ...]
    datetimes: frozenset[str] = frozenset()


class TableSink:
    """Collects the rows of one table and loads them at ``flush``."""

    def add(self, row: tuple) -> None:
        raise NotImplementedError

    def flush(self) -> int:
        """Load what was collected; the number of rows loaded in all."""
        raise NotImplementedError


class FileLoader:
    """Runs the ``LOAD DATA`` of finished files one after another in a background thread.

    The server inserts one chunk while the seed generates the next; at most ``PENDING_CHUNKS`` wait,
    so what the seed has generated is never far ahead of what is stored. The thread is the only user
    of the connection until ``wait`` returns.
    """

    def __init__(self, connection: pymysql.Connection) -> None:
        self._connection = connection
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="seed-load")
        self._pending: list[Future] = []
        self._slots = threading.Semaphore(PENDING_CHUNKS)

    def submit(self, table: Table, path: Path) -> None:
        """Load the file into the table, then delete it (waits while ``PENDING_CHUNKS`` are not loaded yet)."""
        self._slots.acquire()
        failed = next((future for future in self._pending if future.done() and future.exception()), None)
        if failed is not None:  # stop generating rows that could not be stored
            self._slots.release()
            failed.result()
        self._pending.append(self._executor.submit(self._load, table, path))

    def wait(self) -> None:
        """Wait for every submitted load; raise the first failure."""
        pending, self._pending = self._pending, []
        try:
            for future in pending:
                future.result()
        finally:
            self._executor.shutdown()

    def _load(self, table: Table, path: Path) -> None:
        variables = [f"@{column}" if column in table.datetimes else f"`{column}`" for column in table.columns]
        conversions = [
            f"`{column}` = FROM_UNIXTIME(@{column})" for column in table.columns if column in table.datetimes
        ]
        statement = (
            f"LOAD DATA LOCAL INFILE %s INTO TABLE `{table.name}` CHARACTER SET utf8mb4"
            rf" FIELDS TERMINATED BY '\t' ESCAPED BY '\\' LINES TERMINATED BY '\n' ({', '.join(variables)})"
            + (f" SET {', '.join(conversions)}" if conversions else "")
        )
        try:
            with _reported(table), self._connection.cursor() as cursor:
                cursor.execute(statement, (str(path),))
            path.unlink()
        finally:
            self._slots.release()


class InfileSink(TableSink):
    """Rows written to tab-separated files of ``CHUNK_ROWS`` rows, each loaded by a ``FileLoader`` when full."""

    def __init__(self, loader: FileLoader, table: Table, scratch_dir: Path) -> None:
        self._loader = loader
        self._table = table
        self._scratch_dir = scratch_dir
        self._count = 0
        self._open_chunk()

    def add(self, row: tuple) -> None:
        if None in row:
            row = [r"\N" if value is None else value for value in row]
        try:
            self._file.write("\t".join(map(str, row)) + "\n")
        except OSError as error:
            raise with_filename(error, self._path) from None
        self._count += 1
        if self._count % CHUNK_ROWS == 0:
            self._submit_chunk()
            self._open_chunk()

    def flush(self) -> int:
        self._submit_chunk()
        return self._count

    def _open_chunk(self) -> None:
        handle, name = tempfile.mkstemp(prefix=f"{self._table.name}-", suffix=".tsv", dir=self._scratch_dir)
        self._path = Path(name)
        self._file = open(handle, "w", encoding="utf-8", newline="\n")  # noqa: SIM115 - kept open across chunks

    def _submit_chunk(self) -> None:
        try:
            self._file.close()
        except OSError as error:
            raise with_filename(error, self._path) from None
        self._loader.submit(self._table, self._path)


class InsertSink(TableSink):
    """Rows sent in multi-row INSERT statements of ``INSERT_BATCH`` rows."""

    def __init__(self, connection: pymysql.Connection, table: Table) -> None:
        self._connection = connection
        self._table = table
        self._datetime_positions = [i for i, column in enumerate(table.columns) if column in table.datetimes]
        self._batch: list[tuple] = []
        self._count = 0
        columns = ", ".join(f"`{column}`" for column in table.columns)
        self._statement = f"INSERT INTO `{table.name}` ({columns}) VALUES ({', '.join(['%s'] * len(table.columns))})"

    def add(self, row: tuple) -> None:
        if self._datetime_positions:
            row = tuple(_as_datetime(value) if i in self._datetime_positions else value for i, value in enumerate(row))
        self._batch.append(row)
        if len(self._batch) >= INSERT_BATCH:
            self._send()

    def flush(self) -> int:
        self._send()
        return self._count

    def _send(self) -> None:
        if self._batch:
            with _reported(self._table), self._connection.cursor() as cursor:
                cursor.executemany(self._statement, self._batch)
            self._count += len(self._batch)
            self._batch = []


def prepare_session(connection: pymysql.Connection) -> bool:
    """Set the loading session up (UTC, no per-row checks); True when the server accepts LOCAL INFILE."""
    with connection.cursor() as cursor:
        cursor.execute("SET time_zone = '+00:00', foreign_key_checks = 0, unique_checks = 0")
        cursor.execute("SELECT @@local_infile")
        return bool(cursor.fetchone()[0])


def load_rows(
    connection: pymysql.Connection, tables: list[Table], scratch_dir: Path, produce: Callable[[dict], T]
) -> T:
    """Call ``produce(sinks)`` with one sink per table, load everything it added; what it returned.

    Loads by file, overlapping with ``produce``, when the server allows it; else by INSERTs.
    """
    if not prepare_session(connection):
        return _produce_and_flush({table: InsertSink(connection, table) for table in tables}, produce)
    loader = FileLoader(connection)
    try:
        return _produce_and_flush({table: InfileSink(loader, table, scratch_dir) for table in tables}, produce)
    finally:
        loader.wait()


def _produce_and_flush(sinks: dict[Table, TableSink], produce: Callable[[dict], T]) -> T:
    result = produce(sinks)
    for sink in sinks.values():
        sink.flush()
    return result


@contextmanager
def _reported(table: Table):
    try:
        yield
    except pymysql.Error as error:
        if error.args and (error.args[0] in DISK_FULL_ERRORS or "Errcode: 28 " in str(error.args[-1])):
            raise SandboxError(
                f"loading the seed into {table.name} failed: the database server's disk is full ({error.args[-1]});"
                " free space on the file system of its datadir (the sandbox's own server keeps it in the template"
                " cache, $WOC_GATE_CACHE_DIR) and start again"
            ) from None
        raise SandboxError(
            f"loading the seed into {table.name} failed: {error.args[-1]}; the seed writes the reference"
            " data model (fixtures/workonclock), so --repo must keep its tables and columns"
        ) from None


def _as_datetime(value: Any) -> Any:
    return None if value is None else datetime.fromtimestamp(value, UTC).replace(tzinfo=None)
