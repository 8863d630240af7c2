"""Migration-status checks (runbook §3 "Confirm no unreviewed Prisma migrations exist"): none failed, edited or lost.

Faults that prove them: ``failed-migration``, ``edited-migration``.
"""

from __future__ import annotations

from pathlib import Path

from woc_gate.checks import CheckFailure
from woc_gate.sources.migrations import APPLIED, FAILED, MISSING_ON_DISK, MigrationRecord, MigrationState
from woc_gate.target.db import Session, query

MIGRATIONS_TABLE = "_prisma_migrations"


class MigrationFailure(CheckFailure):
    """The migration history of the target is not what a release may start from."""


def read_migration_records(connection: Session) -> list[MigrationRecord] | None:
    """The rows of ``_prisma_migrations``, oldest first; ``None`` when the database has no such table."""
    tables = query(
        connection,
        "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s",
        (MIGRATIONS_TABLE,),
    )
    if not tables:
        return None
    rows = query(
        connection,
        "SELECT migration_name, checksum, started_at, finished_at, rolled_back_at, logs"
        f" FROM `{MIGRATIONS_TABLE}` ORDER BY started_at, migration_name",
    )
    return [MigrationRecord(**row) for row in rows]


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
    """No applied migration's ``migration.sql`` changed after it was applied (its checksum differs)."""
    __tracebackhide__ = True
    edited = [state for state in states if state.status == APPLIED and state.edited]
    if edited:
        raise MigrationFailure(
            f"{len(edited)} applied migration(s) were edited after they were applied: {_names(edited)}",
            "; ".join(f"{state.name}: checksum {state.record.checksum} (as applied)" for state in edited),
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
    logs = " ".join((state.record.logs or "").split()) if state.record else ""
    return (logs if len(logs) <= 160 else logs[:157] + "...") or "no logs"
