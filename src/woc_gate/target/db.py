"""Read-only database sessions on the target, from ``DATABASE_URL`` or the ``DB_*`` variables."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

import pymysql
import pymysql.cursors

from ..errors import ConfigError, TargetError
from ..redaction import mask_url


@dataclass(frozen=True)
class Dsn:
    """The parts of a ``mysql://user:password@host:port/database`` URL."""

    host: str
    port: int
    user: str
    password: str
    database: str
    unix_socket: str | None = None

    @classmethod
    def parse(cls, url: str) -> Dsn:
        """Parse a MySQL URL; a malformed one is a ``ConfigError`` that shows it masked."""
        parts = urlsplit(url)
        if parts.scheme not in ("mysql", "mariadb") or not parts.path.strip("/"):
            raise ConfigError(
                f"database URL {mask_url(url)} is not of the form mysql://user:password@host:port/database"
            )
        query = parse_qs(parts.query)
        return cls(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 3306,
            user=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            database=unquote(parts.path.strip("/")),
            unix_socket=(query.get("socket") or [None])[0],
        )


def connect_readonly(url: str, *, timeout: float = 10.0) -> pymysql.Connection:
    """A session that can read but never write: every transaction in it is READ ONLY."""
    dsn = Dsn.parse(url)
    try:
        connection = pymysql.connect(
            host=dsn.host,
            port=dsn.port,
            user=dsn.user,
            password=dsn.password,
            database=dsn.database,
            unix_socket=dsn.unix_socket,
            connect_timeout=timeout,
            read_timeout=300,
            charset="utf8mb4",
            cursorclass=pymysql.cursors.DictCursor,
            autocommit=True,
        )
    except pymysql.MySQLError as error:
        raise TargetError(f"cannot reach the database at {mask_url(url)}: {error.args[-1]}") from None
    with connection.cursor() as cursor:
        cursor.execute("SET SESSION TRANSACTION READ ONLY")
    return connection


def query(connection: pymysql.Connection, sql: str, args: tuple = ()) -> list[dict]:
    """Run one read and return its rows as dicts."""
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        return list(cursor.fetchall())
