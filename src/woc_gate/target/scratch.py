"""A schema-only copy of the target's tables in a scratch database, where pending migrations are tried.

The server, not a rule of thumb, says how each ALTER would run: the statement is run on the empty
copy with ``ALGORITHM=INSTANT``, else ``ALGORITHM=INPLACE, LOCK=NONE``, else as written (a table
copy that locks writes). Each statement stays applied, so the next one meets the schema it will meet.
The scratch database must be named as one, differ from the source, and hold only tables woc-gate made.
"""

from __future__ import annotations

import pymysql.cursors

from ..errors import ConfigError, TargetError
from ..redaction import mask_url
from .db import Dsn, Session, connect, execute, query, refusal

INSTANT, INPLACE, COPY = "INSTANT", "INPLACE", "COPY"
SCRATCH_MARK = "scratch"


class ScratchSchema:
    """The scratch copy: ``refresh`` copies the source's tables, ``try_statement`` runs one pending statement."""

    def __init__(self, scratch_url: str, source: Session) -> None:
        self.dsn = Dsn.parse(scratch_url)
        source_name = query(source, "SELECT DATABASE() AS name")[0]["name"]
        if SCRATCH_MARK not in self.dsn.database.lower() or self.dsn.database == source_name:
            raise ConfigError(
                f"scratch database {self.dsn.database!r} ({mask_url(scratch_url)}) must have 'scratch' in its name "
                f"and differ from the source database {source_name!r}"
            )
        self.source = source
        self.connection = _connect(self.dsn)

    def refresh(self) -> None:
        """Replace the scratch tables with empty copies of the source's tables."""
        tables = [row["name"] for row in query(self.source, _BASE_TABLES)]
        for row in query(self.connection, _BASE_TABLES):
            execute(self.connection, f"DROP TABLE `{row['name']}`")
        for table in tables:
            execute(self.connection, query(self.source, f"SHOW CREATE TABLE `{table}`")[0]["Create Table"])

    def try_statement(self, text: str, alter: bool) -> str:
        """How the server would run ``text`` (INSTANT, INPLACE or COPY); it stays applied on the copy.

        A statement the copy refuses raises ``TargetError`` with the server's reason.
        """
        attempts = [(f"{text}, ALGORITHM=INSTANT", INSTANT), (f"{text}, ALGORITHM=INPLACE, LOCK=NONE", INPLACE)]
        if not alter:  # CREATE INDEX takes its algorithm without a comma
            attempts = [(attempt.replace(", ", " "), algorithm) for attempt, algorithm in attempts]
        for attempt, algorithm in attempts:
            if refusal(self.connection, attempt) is None:
                return algorithm
        self.run(text)
        return COPY

    def run(self, text: str) -> None:
        """Run a statement that needs no judgement (CREATE TABLE, …) so later ones meet its result."""
        refused = refusal(self.connection, text)
        if refused is not None:
            raise TargetError(f"the scratch copy refuses it: {refused}")

    def close(self) -> None:
        """Close the scratch session."""
        self.connection.close()


_BASE_TABLES = (
    "SELECT TABLE_NAME AS name FROM information_schema.TABLES"
    " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME"
)


def _connect(dsn: Dsn) -> Session:
    return connect(
        dsn,
        setting="migration_scratch_url",
        connect_timeout=10,
        cursorclass=pymysql.cursors.DictCursor,
        init_command="SET SESSION foreign_key_checks = 0",  # tables are copied and changed in any order
    )
