"""Apply a Prisma migrations folder as ``prisma migrate deploy`` does, recording each in ``_prisma_migrations``."""

from __future__ import annotations

import uuid
from pathlib import Path

import pymysql
from pymysql.constants import CLIENT

from woc_gate.errors import TargetError
from woc_gate.sources.prisma import Migration, list_migrations

# Prisma's schema engine creates its table with exactly this statement (MySQL connector).
PRISMA_MIGRATIONS_DDL = """\
CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             DATETIME(3),
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          DATETIME(3),
    started_at              DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    applied_steps_count     INTEGER UNSIGNED NOT NULL DEFAULT 0
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
"""
MULTI_STATEMENTS = CLIENT.MULTI_STATEMENTS


class MigrationFailed(TargetError):
    """A migration script the server refused: the migration, the server's error line and the file to fix."""


def deploy(connection: pymysql.Connection, migrations_dir: Path) -> list[Migration]:
    """Apply every migration of ``migrations_dir`` in order on a fresh database; the migrations applied.

    ``connection`` must have been opened with ``client_flag=MULTI_STATEMENTS`` (a migration is one script).
    """
    migrations = list_migrations(migrations_dir)
    with connection.cursor() as cursor:
        cursor.execute(PRISMA_MIGRATIONS_DDL)
    for migration in migrations:
        apply(connection, migration)
    return migrations


def apply(connection: pymysql.Connection, migration: Migration) -> None:
    """Run one migration script between its started and finished records, as one step."""
    row_id = record_started(connection, migration.name, migration.checksum)
    try:
        run_script(connection, migration.sql_path.read_text())
    except pymysql.Error as error:
        raise MigrationFailed(
            f"migration {migration.name} failed: {error.args[-1]}; fix {migration.sql_path}"
        ) from None
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE _prisma_migrations SET finished_at = CURRENT_TIMESTAMP(3), applied_steps_count = 1 WHERE id = %s",
            (row_id,),
        )


def record_started(connection: pymysql.Connection, name: str, checksum: str, logs: str | None = None) -> str:
    """Insert the row Prisma writes when it starts a migration; its id."""
    row_id = str(uuid.uuid4())
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO _prisma_migrations (id, checksum, started_at, migration_name, logs, applied_steps_count)"
            " VALUES (%s, %s, CURRENT_TIMESTAMP(3), %s, %s, 0)",
            (row_id, checksum, name, logs),
        )
    return row_id


def run_script(connection: pymysql.Connection, script: str) -> None:
    """Run a multi-statement SQL script, consuming every result."""
    with connection.cursor() as cursor:
        cursor.execute(script)
        while cursor.nextset():
            pass


def failure_logs(migration: str, code: int, error: str, query: int) -> str:
    """The logs Prisma's schema engine records for a script that failed: its P3018 error, then its span trace."""
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
