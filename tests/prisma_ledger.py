"""``_prisma_migrations`` written row by row with the statements Prisma's schema engine runs.

The row at the start of a migration, one step and the finish on success, the logs on failure
(``woc_gate.target.migrate.failure_logs``), and ``migrate resolve --rolled-back``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pymysql

from woc_gate.sources.prisma import Migration
from woc_gate.target import migrate

REFERENCE_MIGRATIONS = Path(__file__).resolve().parents[1] / "fixtures/workonclock/apps/web/prisma/migrations"


class PrismaLedger:
    """``_prisma_migrations`` of one database, written row by row as Prisma's schema engine writes it."""

    def __init__(self, connection: pymysql.Connection) -> None:
        self.connection = connection
        self.clock = dt.datetime(2025, 3, 1, 9, 0)
        self._run(migrate.PRISMA_MIGRATIONS_DDL)

    def applied(self, migration: Migration) -> str:
        """``migrate deploy`` applies the script: the start row, the script, one step, finished."""
        row = self.started(migration)
        migrate.run_script(self.connection, migration.script())
        self.finished(row)
        return row

    def finished(self, row: str) -> None:
        """What Prisma writes once the script ran: one step, then the finish."""
        self._run("UPDATE _prisma_migrations SET applied_steps_count = applied_steps_count + 1 WHERE id = %s", row)
        self._run("UPDATE _prisma_migrations SET finished_at = %s WHERE id = %s", self._tick(), row)

    def failed(self, migration: Migration, logs: str) -> str:
        """``migrate deploy`` fails on the script: the start row and its logs, never finished."""
        row = self.started(migration)
        self._run("UPDATE _prisma_migrations SET logs = %s WHERE id = %s", logs, row)
        return row

    def rolled_back(self, row: str) -> None:
        """``migrate resolve --rolled-back``: the failed row is marked rolled back."""
        self._run("UPDATE _prisma_migrations SET rolled_back_at = %s WHERE id = %s", self._tick(), row)

    def started(self, migration: Migration, checksum: str | None = None) -> str:
        """The row Prisma inserts when it starts a migration (with its own ``checksum`` if given); its id."""
        row = str(uuid.uuid4())
        self._run(
            "INSERT INTO _prisma_migrations (id, checksum, started_at, finished_at, migration_name, logs,"
            " rolled_back_at, applied_steps_count) VALUES (%s, %s, %s, NULL, %s, NULL, NULL, 0)",
            row,
            checksum or migration.checksum,
            self._tick(),
            migration.name,
        )
        return row

    def _tick(self) -> dt.datetime:
        self.clock += dt.timedelta(minutes=1)
        return self.clock

    def _run(self, sql: str, *args) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute(sql, args or None)
