"""Migration-status checks (runbook §3 "Confirm no unreviewed Prisma migrations exist"): none failed, edited or lost.

Faults that prove them: ``failed-migration``, ``edited-migration``.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from woc_gate.checks import CheckFailure
from woc_gate.errors import DatabaseError
from woc_gate.sources.migrations import APPLIED, FAILED, MISSING_ON_DISK, MigrationRecord, MigrationState
from woc_gate.target.boundary import NO_SUCH_TABLE
from woc_gate.target.db import Session, query

MIGRATIONS_TABLE = "_prisma_migrations"


class MigrationFailure(CheckFailure):
    """The migration history of the target is not what a release may start from."""


def read_migration_records(connection: Session) -> list[MigrationRecord] | None:
    """The rows of ``_prisma_migrations``, oldest first; ``None`` when the database has no such table.

    Read straight, not looked up in information_schema, which hides a table the account may not read: a
    ledger the account cannot read is a ``DatabaseError`` naming the grant, never "no migrations applied".
    """
    try:
        rows = query(
            connection,
            "SELECT migration_name, checksum, started_at, finished_at, rolled_back_at, logs"
            f" FROM `{MIGRATIONS_TABLE}` ORDER BY started_at, migration_name",
        )
    except DatabaseError as error:
        if error.code == NO_SUCH_TABLE:
            return None
        raise
    return [MigrationRecord(**row) for row in rows]


def count_tables(connection: Session) -> int:
    """How many tables and views the database holds."""
    rows = query(connection, "SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()")
    return int(rows[0]["n"])


def unmanaged(records: list[MigrationRecord] | None, tables: int, states: list[MigrationState]) -> str:
    """Why the database is not under Prisma Migrate (as ``migrate status`` says it), or "" when it is."""
    if records is not None:
        return ""
    if not tables:
        return (
            f"not managed by Prisma Migrate: the database is empty; migrate deploy creates {MIGRATIONS_TABLE}"
            " and applies every migration"
        )
    first = states[0].name if states else "<first migration>"
    return (
        f"not managed by Prisma Migrate: the database holds {tables} table(s) but no {MIGRATIONS_TABLE}, and"
        f" migrate deploy refuses it (P3005); once its schema matches {first}, baseline it with"
        f" npx prisma migrate resolve --applied {first}"
    )


def managed_by_prisma_migrate(records: list[MigrationRecord] | None, tables: int, states: list[MigrationState]) -> None:
    """The database has ``_prisma_migrations``, or is empty: ``migrate deploy`` refuses tables without it (P3005)."""
    __tracebackhide__ = True
    if records is None and tables:
        raise MigrationFailure(
            f"the database needs a baseline: {unmanaged(records, tables, states)}",
            f"a {MIGRATIONS_TABLE} table, or an empty database",
            f"{tables} table(s), no {MIGRATIONS_TABLE}",
        )


def state_counts(states: list[MigrationState]) -> dict[str, int]:
    """How many migrations are in each state, and how many applied ones were edited (for the run record)."""
    counts = Counter(state.status for state in states)
    counts["edited"] = sum(state.status == APPLIED and state.edited for state in states)
    return dict(counts)


def no_failed_migrations(states: list[MigrationState]) -> None:
    """No migration started and never finished nor rolled back (``migrate deploy`` refuses to run past one)."""
    __tracebackhide__ = True
    failed = [state for state in states if state.status == FAILED]
    if failed:
        raise MigrationFailure(
            f"{len(failed)} migration(s) failed and were never rolled back: {_names(failed)}",
            f"every row of {MIGRATIONS_TABLE} finished or rolled back",
            "; ".join(f"{state.name} started {_when(state)}, not finished: {_logs(state)}" for state in failed),
        )


def no_edited_migrations(states: list[MigrationState]) -> None:
    """No applied migration's ``migration.sql`` differs from its first attempt (Prisma's "edited" migrations)."""
    __tracebackhide__ = True
    edited = [state for state in states if state.status == APPLIED and state.edited]
    if edited:
        raise MigrationFailure(
            f"{len(edited)} applied migration(s) were edited after they were applied: {_names(edited)}",
            "; ".join(f"{state.name}: checksum {state.first.checksum} ({_attempt(state)})" for state in edited),
            "; ".join(
                f"{state.name}: checksum {state.migration.checksum} ({state.migration.sql_path})" for state in edited
            ),
        )


def no_migrations_missing_on_disk(states: list[MigrationState], migrations_dir: Path) -> None:
    """Every migration the database recorded is still in the migrations folder."""
    __tracebackhide__ = True
    missing = [state for state in states if state.migration is None]
    if missing:
        raise MigrationFailure(
            f"{len(missing)} migration(s) recorded in {MIGRATIONS_TABLE} are missing from {migrations_dir}: "
            f"{_names(missing)}",
            f"a folder in {migrations_dir} for every recorded migration",
            "; ".join(
                f"{state.name}: {state.status if state.status != MISSING_ON_DISK else 'applied'}, no folder"
                for state in missing
            ),
        )


def _names(states: list[MigrationState]) -> str:
    return ", ".join(state.name for state in states)


def _when(state: MigrationState) -> str:
    started = state.record.started_at if state.record else None
    return started.isoformat(sep=" ", timespec="seconds") if started else "at an unknown time"


def _logs(state: MigrationState) -> str:
    return (state.record.error_line if state.record else "") or "no logs"


def _attempt(state: MigrationState) -> str:
    return "as applied" if state.first is state.record else "its first attempt, rolled back"
