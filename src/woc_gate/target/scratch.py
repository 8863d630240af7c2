"""A schema-only copy of the target's tables in a scratch database, where pending migrations are tried.

The server, not a rule of thumb, says how each statement would run, in a session set up as Prisma's
own on the target (the target's SQL mode and foreign key checks; a server of the same version): the
statement is run on the empty copy with ``ALGORITHM=INSTANT``, else ``ALGORITHM=INPLACE, LOCK=NONE``,
else as written (a table copy, or a rebuild that locks writes). Each statement stays applied, so the
next one meets the schema it will meet. The scratch database must be named as one and differ from the
source; woc-gate marks it as its own on first use (table ``_woc_gate_scratch``) and never drops the
tables of a database it did not mark.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pymysql.cursors

from ..errors import ConfigError, DatabaseError
from ..redaction import mask_url
from .db import Dsn, Session, connect, query, refused
from .schema import Schema, read_schema

INSTANT, INPLACE, COPY = "INSTANT", "INPLACE", "COPY"
SCRATCH_MARK = "scratch"
MARKER_TABLE = "_woc_gate_scratch"
SETTING = "migration_scratch_url"
ATTEMPTS = ((INSTANT, ("ALGORITHM=INSTANT",)), (INPLACE, ("ALGORITHM=INPLACE", "LOCK=NONE")))
ALGORITHM_REFUSED = {1845, 1846}  # "ALGORITHM=… / LOCK=… is not supported"
PRIVILEGE_REFUSED = {1044, 1142, 1143, 1227}  # access to the database, a table, a column, a privilege denied


@dataclass(frozen=True)
class PrismaSession:
    """How ``prisma migrate deploy`` meets the target: its server's version, SQL mode and foreign key checks.

    Prisma sets neither in its session, so both are the server's global values.
    """

    version: str
    sql_mode: str
    foreign_key_checks: int

    @classmethod
    def of(cls, session: Session) -> PrismaSession:
        """The target's values, read in its session."""
        row = query(
            session,
            "SELECT VERSION() AS version, @@GLOBAL.sql_mode AS sql_mode, @@GLOBAL.foreign_key_checks AS fk",
        )[0]
        return cls(row["version"], row["sql_mode"], int(row["fk"]))

    @property
    def server(self) -> str:
        """The server's kind and release series: ``MariaDB 10.11``, ``MySQL 8.0``."""
        series = re.match(r"\d+\.\d+", self.version)
        kind = "MariaDB" if "mariadb" in self.version.lower() else "MySQL"
        return f"{kind} {series.group(0) if series else self.version}"

    @property
    def strict(self) -> bool:
        """Whether a value that does not fit fails the statement (else it is cut or zeroed, with a warning)."""
        return "STRICT_TRANS_TABLES" in self.sql_mode or "STRICT_ALL_TABLES" in self.sql_mode


@dataclass(frozen=True)
class Outcome:
    """How the server ran one statement on the copy: its algorithm (for an ALTER or an index), or its refusal."""

    algorithm: str | None
    refusal: str | None = None


class ScratchSchema:
    """The scratch copy: ``refresh`` copies the source's tables, ``apply`` runs one pending statement."""

    def __init__(self, scratch_url: str, source: Session) -> None:
        self.dsn = Dsn.parse(scratch_url)
        source_name = query(source, "SELECT DATABASE() AS name")[0]["name"]
        if SCRATCH_MARK not in self.dsn.database.lower() or self.dsn.database == source_name:
            raise ConfigError(
                f"scratch database {self.dsn.database!r} ({mask_url(scratch_url)}) must have 'scratch' in its name "
                f"and differ from the source database {source_name!r}"
            )
        self.source = source
        self.prisma = PrismaSession.of(source)
        self.connection = _connect(self.dsn)
        own = PrismaSession.of(self.connection)
        if own.server != self.prisma.server:
            self.connection.close()
            raise ConfigError(
                f"the scratch database {self.dsn} runs {own.server}, the target {self.prisma.server}: the server "
                f"would not answer as the target's does; point {SETTING} at a database on a {self.prisma.server} server"
            )

    def refresh(self) -> None:
        """Make the scratch tables empty copies of the source's, then take on Prisma's session settings.

        A table still equal to the source's and empty is kept (an earlier run left it so). A database
        woc-gate did not mark as its own is left alone: a ``ConfigError``, nothing dropped.
        """
        self._claim()
        self._run("SET SESSION foreign_key_checks = 0")  # the copies reference each other in any order
        for row in query(self.connection, _VIEWS):
            self._run(f"DROP VIEW `{row['name']}`")
        wanted = {row["name"]: _create_statement(self.source, row["name"]) for row in query(self.source, _BASE_TABLES)}
        for name in self._tables():
            if name != MARKER_TABLE and self._stale(name, wanted.get(name)):
                self._run(f"DROP TABLE `{name}`")
        kept = set(self._tables())
        for name, statement in wanted.items():
            if name not in kept:
                self._run(statement)
        self._run("SET SESSION sql_mode = %s", (self.prisma.sql_mode,))
        self._run(f"SET SESSION foreign_key_checks = {self.prisma.foreign_key_checks}")

    def apply(self, text: str, separator: str | None) -> Outcome:
        """Run one statement on the copy and say how the server ran it; it stays applied.

        ``separator`` joins an ``ALGORITHM=`` clause to the statement (None: it takes none).
        """
        algorithm = self._fastest(text, separator) if separator is not None else None
        if algorithm in (INSTANT, INPLACE):
            return Outcome(algorithm)
        refusal = self._refusal(text)
        return Outcome(None, refusal.refusal) if refusal is not None else Outcome(algorithm)

    def _fastest(self, text: str, separator: str) -> str | None:
        """INSTANT or INPLACE (then applied), COPY when the server refuses both, None when it refuses it otherwise."""
        for algorithm, clause in ATTEMPTS:
            refusal = self._refusal(text + separator + separator.join(clause))
            if refusal is None:
                return algorithm
            if refusal.code not in ALGORITHM_REFUSED:
                return None
        return COPY

    def schema(self) -> Schema:
        """The copy's tables as the server describes them now."""
        return read_schema(self.connection, skip=(MARKER_TABLE,))

    def close(self) -> None:
        """Close the scratch session."""
        self.connection.close()

    def _claim(self) -> None:
        tables = self._tables()
        if MARKER_TABLE in tables:
            return
        if tables:
            shown = ", ".join(tables[:5]) + (f" and {len(tables) - 5} more" if len(tables) > 5 else "")
            raise ConfigError(
                f"the scratch database {self.dsn} holds tables woc-gate did not create ({shown}); nothing was "
                f"dropped: point {SETTING} at an empty database, which woc-gate then marks as its own"
            )
        self._run(
            f"CREATE TABLE `{MARKER_TABLE}` (source VARCHAR(64) NOT NULL,"
            " claimed_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP)"
            " COMMENT 'woc-gate owns this scratch database: it drops and copies its tables'"
        )
        self._run(f"INSERT INTO `{MARKER_TABLE}` (source) VALUES (DATABASE())")

    def _stale(self, table: str, wanted: str | None) -> bool:
        """Whether a scratch table must go: the source has none defined like it, or it holds rows."""
        return wanted != _create_statement(self.connection, table) or _rows(self.connection, table)

    def _tables(self) -> list[str]:
        return [row["name"] for row in query(self.connection, _BASE_TABLES)]

    def _run(self, sql: str, args: tuple = ()) -> None:
        refusal = self._refusal(sql, args)
        if refusal is not None:
            raise refusal

    def _refusal(self, sql: str, args: tuple = ()) -> DatabaseError | None:
        refusal = refused(self.connection, sql, args)
        if refusal is not None and refusal.code in PRIVILEGE_REFUSED:
            raise ConfigError(
                f"the scratch account {self.dsn.user!r} lacks a right on {self.dsn.database!r} ({refusal.refusal});"
                f" grant it ALL PRIVILEGES ON `{self.dsn.database}`.* ({SETTING})"
            )
        return refusal


_BASE_TABLES = (
    "SELECT TABLE_NAME AS name FROM information_schema.TABLES"
    " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME"
)
_VIEWS = "SELECT TABLE_NAME AS name FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()"


def _create_statement(session: Session, table: str) -> str:
    return query(session, f"SHOW CREATE TABLE `{table}`")[0]["Create Table"]


def _rows(session: Session, table: str) -> bool:
    return bool(query(session, f"SELECT EXISTS(SELECT 1 FROM `{table}`) AS found")[0]["found"])


def _connect(dsn: Dsn) -> Session:
    return connect(dsn, setting=SETTING, connect_timeout=10, cursorclass=pymysql.cursors.DictCursor)
