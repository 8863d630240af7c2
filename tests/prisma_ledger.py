"""``_prisma_migrations`` written row by row with the statements Prisma's schema engine runs.

The row at the start of a migration, one step and the finish on success, the logs on failure, and
``migrate resolve --rolled-back``; ``prisma_logs`` is what Prisma writes in ``logs`` when a script fails.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pymysql

from woc_gate.sandbox import migrate
from woc_gate.sources.prisma import Migration

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


def prisma_logs(migration: str, code: int, error: str, query: int) -> str:
    """The logs Prisma's schema engine writes for a migration that failed (P3018 and its span trace)."""
    return (
        "A migration failed to apply. New migrations cannot be applied before the error is recovered from."
        " Read more about how to resolve migration issues in a production database:"
        f" https://pris.ly/d/migrate-resolve\n\nMigration name: {migration}\n\nDatabase error code: {code}\n\n"
        f"Database error:\n{error}\n\nPlease check the query number {query} from the migration file.\n\n"
        "   0: sql_schema_connector::apply_migration::apply_script\n"
        f'           with migration_name="{migration}"\n'
        "             at schema-engine/connectors/sql-schema-connector/src/apply_migration.rs:106\n"
        "   1: schema_core::commands::apply_migrations::Applying migration\n"
        f'           with migration_name="{migration}"\n'
        "             at schema-engine/core/src/commands/apply_migrations.rs:91\n"
        "   2: schema_core::state::ApplyMigrations\n"
        "             at schema-engine/core/src/state.rs:226"
    )
