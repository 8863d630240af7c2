"""Direct SQL for the reference apps: pymysql off the event loop, through a small pool of autocommit connections."""

from __future__ import annotations

import contextlib
import secrets
import string
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

import pymysql
from pymysql.constants import FIELD_TYPE
from pymysql.cursors import Cursor
from starlette.concurrency import run_in_threadpool

from woc_gate.sandbox.context import Database
from woc_gate.target.db import Dsn, connect

T = TypeVar("T")
Row = dict[str, Any]

_BASE36 = string.digits + string.ascii_lowercase
POOL_SIZE = 4  # connections per app at most: a request beyond them waits in its worker thread for one


class Sql:
    """Blocking pymysql access run in worker threads, on at most ``size`` pooled connections, closed by ``close``."""

    def __init__(self, database: Database, size: int = POOL_SIZE) -> None:
        self._database = database
        self._slots = threading.BoundedSemaphore(size)
        self._idle: list[pymysql.Connection] = []
        self._lock = threading.Lock()
        self._closed = False

    async def all(self, query: str, *args: Any) -> list[Row]:
        """Every row of a SELECT, as dicts (tinyint(1) columns as booleans)."""
        return await self.run(lambda cursor: fetch_rows(cursor, query, args))

    async def one(self, query: str, *args: Any) -> Row | None:
        """The first row of a SELECT, or None."""
        rows = await self.all(query, *args)
        return rows[0] if rows else None

    async def execute(self, query: str, *args: Any) -> int:
        """Run one statement; the number of rows it touched."""
        return await self.run(lambda cursor: cursor.execute(query, args))

    async def run(self, work: Callable[[Cursor], T]) -> T:
        """Run ``work(cursor)`` in a worker thread, as one transaction."""
        return await run_in_threadpool(self._in_transaction, work)

    def close(self) -> None:
        """Close every idle connection; those in use are closed when their transaction ends."""
        with self._lock:
            idle, self._idle, self._closed = self._idle, [], True
        for connection in idle:
            _close_quietly(connection)

    def _in_transaction(self, work: Callable[[Cursor], T]) -> T:
        with self._slots:
            connection = self._take()
            try:
                return _transaction(connection, work)
            finally:
                self._give_back(connection)

    def _take(self) -> pymysql.Connection:
        with self._lock:
            connection = self._idle.pop() if self._idle else None
        if connection is not None:
            try:
                connection.ping(reconnect=False)
                return connection
            except pymysql.Error:
                _close_quietly(connection)
        database = self._database
        dsn = Dsn(database.host, database.port, database.user, database.password, database.name, database.unix_socket)
        return connect(dsn, init_command="SET time_zone = '+00:00'")

    def _give_back(self, connection: pymysql.Connection) -> None:
        with self._lock:
            if connection.open and not self._closed:
                self._idle.append(connection)
                return
        _close_quietly(connection)


def _transaction(connection: pymysql.Connection, work: Callable[[Cursor], T]) -> T:
    connection.begin()
    try:
        with connection.cursor() as cursor:
            result = work(cursor)
    except BaseException:
        connection.rollback()
        raise
    connection.commit()
    return result


def _close_quietly(connection: pymysql.Connection) -> None:
    with contextlib.suppress(pymysql.Error):  # the server may have dropped it: nothing left to release
        connection.close()


def fetch_rows(cursor: Cursor, query: str, args: Sequence[Any] = ()) -> list[Row]:
    """Run a SELECT on a cursor and return dict rows, tinyint(1) columns as booleans."""
    cursor.execute(query, args)
    columns = cursor.description or ()
    flags = [_is_boolean(column) for column in columns]
    names = [column[0] for column in columns]
    return [
        {
            name: (bool(value) if flag and value is not None else value)
            for name, flag, value in zip(names, flags, row, strict=True)
        }
        for row in cursor.fetchall()
    ]


def _is_boolean(column: tuple[Any, ...]) -> bool:
    return column[1] == FIELD_TYPE.TINY and column[3] == 1


def new_id() -> str:
    """A new cuid-shaped id: ``c`` followed by 24 lowercase base-36 characters."""
    stamp = _base36(int(time.time() * 1000)).rjust(8, "0")
    return "c" + stamp + "".join(secrets.choice(_BASE36) for _ in range(16))


def _base36(number: int) -> str:
    digits = ""
    while number:
        number, digit = divmod(number, 36)
        digits = _BASE36[digit] + digits
    return digits or "0"


def utc_now() -> datetime:
    """The current time as the database stores it: naive UTC, millisecond precision."""
    now = datetime.now(UTC).replace(tzinfo=None)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def iso(moment: datetime | None) -> str | None:
    """A stored (naive UTC) datetime as JavaScript's toISOString gives it: ``2025-01-06T09:00:00.000Z``."""
    if moment is None:
        return None
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def quote_name(name: str) -> str:
    """A column name quoted for MySQL; refuses anything but a plain identifier."""
    if not name.isidentifier():
        raise ValueError(f"{name!r} is not a plain column name; use letters, digits and underscores")
    return f"`{name}`"


def jsonable(row: Row) -> Row:
    """A row ready for JSON: datetimes as ISO-8601 UTC strings."""
    return {key: iso(value) if isinstance(value, datetime) else value for key, value in row.items()}
