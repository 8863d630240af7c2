"""Database sessions on the target, from ``DATABASE_URL`` or the ``DB_*`` variables; the one place that opens them.

``connect`` is the only ``pymysql.connect`` of woc-gate (the reference stack uses it too): the checks'
read-only sessions, the stack's administrative and application connections. ``query``, ``stream``, ``execute``
and ``refusal`` run statements on a session; pymysql's errors become typed one-line errors naming its database.
Only the read-only sessions (``connect_readonly``) are sessions on the target: their cursors ask the writes
blocker before a statement leaves.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import parse_qs, unquote, urlsplit

import pymysql
import pymysql.cursors

from ..errors import ConfigError, DatabaseError
from ..redaction import MASK, mask_url, split_userinfo
from .boundary import database_errors
from .writes import BLOCKER


@dataclass(frozen=True)
class Dsn:
    """The parts of a ``mysql://user:password@host:port/database`` URL."""

    host: str
    port: int
    user: str
    password: str
    database: str | None
    unix_socket: str | None = None

    @classmethod
    def parse(cls, url: str) -> Dsn:
        """Parse a MySQL URL, also one with an unencoded ``#``, ``?`` or ``@`` in its password."""
        prefix, user, password, rest = split_userinfo(url)
        try:
            parts = urlsplit(prefix + "placeholder@" + rest if user is not None else url)
            port = parts.port or 3306
        except ValueError:
            parts, port = None, None
        if parts is None or port is None or parts.scheme not in ("mysql", "mariadb") or not parts.path.strip("/"):
            raise ConfigError(
                f"database URL {mask_url(url)} is not of the form mysql://user:password@host:port/database"
            )
        return cls(
            host=parts.hostname or "127.0.0.1",
            port=port,
            user=unquote(user or ""),
            password=unquote(password or ""),
            database=unquote(parts.path.strip("/")),
            unix_socket=(parse_qs(parts.query).get("socket") or [None])[0],
        )

    def __str__(self) -> str:
        where = self.unix_socket or f"{self.host}:{self.port}"
        return f"mysql://{self.user}:{MASK}@{where}/{self.database or ''}"


class Session(pymysql.connections.Connection):
    """A pymysql connection that knows its database (``dsn``) and the setting that named it, for its errors."""

    _preferred_tls: ClassVar[ssl.SSLContext | None] = None

    def __init__(self, dsn: Dsn, setting: str, **options: Any) -> None:
        self.dsn = dsn
        self.setting = setting
        super().__init__(**options)

    def _create_ssl_ctx(self, sslp: Any) -> ssl.SSLContext:
        # With no TLS option pymysql prefers TLS, unverified, and builds that context (the system CAs loaded though
        # unused) for every connection: 23 ms of CPU where connecting takes 1 ms. It is the same context each time.
        if sslp != {}:
            return super()._create_ssl_ctx(sslp)
        if Session._preferred_tls is None:
            Session._preferred_tls = super()._create_ssl_ctx(sslp)
        return Session._preferred_tls


def connect(
    dsn: Dsn,
    *,
    setting: str = "DATABASE_URL",
    connect_timeout: float = 5.0,
    read_timeout: float | None = None,
    **options: Any,
) -> Session:
    """A utf8mb4 autocommit connection to ``dsn``; pymysql's errors become typed one-line errors naming ``setting``."""
    with database_errors(str(dsn), setting):
        connection = Session(
            dsn,
            setting,
            host=dsn.host,
            port=dsn.port,
            user=dsn.user,
            password=dsn.password,
            database=dsn.database,
            unix_socket=dsn.unix_socket,
            charset="utf8mb4",
            autocommit=True,
            connect_timeout=connect_timeout,
            read_timeout=connect_timeout,  # a server that accepts and never greets fails as fast as a closed port
            **options,
        )
    # queries may take longer than the greeting; pymysql has no other way to set it after connecting
    connection._read_timeout = read_timeout
    return connection


class _AsksTheBlocker:
    """A cursor that refuses a statement that changes data unless the test is marked writes."""

    def execute(self, query: str, args: Any = None) -> int:
        BLOCKER.refuse_statement(query)
        return super().execute(query, args)


class TargetCursor(_AsksTheBlocker, pymysql.cursors.DictCursor):
    """A cursor of a target session (rows as dicts)."""


class TargetStreamCursor(_AsksTheBlocker, pymysql.cursors.SSCursor):
    """A cursor of a target session whose rows (tuples) arrive one by one as the server sends them."""


def connect_readonly(
    url: str, *, setting: str = "DATABASE_URL", connect_args: Mapping[str, Any] | None = None
) -> Session:
    """A session that can read but never write: every transaction in it is READ ONLY."""
    connection = connect(Dsn.parse(url), setting=setting, cursorclass=TargetCursor, **(connect_args or {}))
    execute(connection, "SET SESSION TRANSACTION READ ONLY")
    return connection


def query(session: Session, sql: str, args: tuple = ()) -> list[dict]:
    """Run one read and return its rows (dicts on a read-only session)."""
    with database_errors(str(session.dsn), session.setting), session.cursor() as cursor:
        cursor.execute(sql, args or None)  # no args: a % in the text stays as written
        return list(cursor.fetchall())


def stream(session: Session, sql: str, args: tuple = ()) -> Iterator[tuple]:
    """Run one read on a read-only session and yield its rows (tuples) as they arrive: never all of them in memory."""
    with database_errors(str(session.dsn), session.setting), session.cursor(TargetStreamCursor) as cursor:
        cursor.execute(sql, args or None)  # no args: a % in the text stays as written
        yield from cursor


def execute(session: Session, sql: str, args: tuple = ()) -> None:
    """Run one statement whose rows, if any, nobody reads."""
    query(session, sql, args)


def refusal(session: Session, sql: str, args: tuple = ()) -> str | None:
    """The server's reason for refusing ``sql``, or None when it ran it; a failure to reach the server still raises."""
    error = refused(session, sql, args)
    return error.refusal if error is not None else None


def refused(session: Session, sql: str, args: tuple = ()) -> DatabaseError | None:
    """The server's refusal of ``sql`` (its ``code`` and ``refusal``), or None when it ran it; as ``refusal``."""
    try:
        execute(session, sql, args)
    except DatabaseError as error:
        if not error.refusal:
            raise
        return error
    return None
