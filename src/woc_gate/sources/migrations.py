"""The state of every Prisma migration: the migrations folder against the ``_prisma_migrations`` rows.

Prisma's schema engine (``diagnose_migration_history``, ``apply_migrations``) decides as follows, and
so does this module:

- a row with ``finished_at`` set and ``rolled_back_at`` NULL is an applied migration;
- a row with both NULL is a failed migration (``migrate deploy`` refuses to run while one exists);
- a row with ``rolled_back_at`` set is ignored by ``deploy``, which applies that migration again;
- a folder without an applied row is pending; a row without a folder is missing on disk;
- a migration whose first row (the oldest attempt, as ``diagnose_migration_history`` finds it) has a
  checksum matching none of the script's variants (as it is, CRLF as LF, LF as CRLF; unpadded hex from
  old engines) was edited: after it was applied, or after an attempt that was rolled back;
- the script is read as Prisma's CLI reads it, as UTF-8 with each byte that is not UTF-8 replaced.

Prisma says nothing about an edited or vanished migration on ``deploy``; woc-gate does.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from woc_gate.sources.prisma import Migration, checksum_variants, list_migrations

APPLIED = "applied"
PENDING = "pending"
FAILED = "failed"
ROLLED_BACK = "rolled back"
MISSING_ON_DISK = "missing on disk"
CHECKSUM_LENGTH = 64
_DATABASE_ERROR = re.compile(r"Database error:\s*\n\s*(\S[^\n]*)")


@dataclass(frozen=True)
class MigrationRecord:
    """One row of ``_prisma_migrations``."""

    migration_name: str
    checksum: str
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    rolled_back_at: dt.datetime | None
    logs: str | None = None

    @property
    def is_applied(self) -> bool:
        """Finished and not rolled back."""
        return self.finished_at is not None and self.rolled_back_at is None

    @property
    def is_failed(self) -> bool:
        """Started, never finished, never rolled back."""
        return self.finished_at is None and self.rolled_back_at is None

    @property
    def error_line(self) -> str:
        """The database error in Prisma's logs (``error 1205: Lock wait timeout… (query 1)``), else their first line."""
        logs = (self.logs or "").strip()
        found = _DATABASE_ERROR.search(logs)
        if found is None:
            return logs.splitlines()[0] if logs else ""
        code = re.search(r"Database error code: (\w+)", logs)
        query = re.search(r"query number (\d+)", logs)
        return (
            (f"error {code.group(1)}: " if code else "")
            + found.group(1).strip()
            + (f" (query {query.group(1)})" if query else "")
        )


@dataclass(frozen=True)
class MigrationState:
    """One migration's state: ``status`` is applied, pending, failed, rolled back or missing on disk."""

    name: str
    status: str
    edited: bool = False
    reapplied: bool = False  # rolled back once, applied again later
    migration: Migration | None = None
    record: MigrationRecord | None = None  # the row that decided the status
    first: MigrationRecord | None = None  # the oldest attempt, whose checksum Prisma compares with the file

    @property
    def edit(self) -> str:
        """When the script was edited, in words ("after it was applied"); "" when it was not."""
        if not self.edited:
            return ""
        if self.first is not self.record:
            return f"after its first attempt ({'rolled back' if self.first.rolled_back_at else 'failed'})"
        return "after it was applied" if self.status == APPLIED else "after its attempt"

    def as_dict(self) -> dict:
        """The state as JSON-ready values."""
        record = self.record
        return {
            "name": self.name,
            "status": self.status,
            "edited": self.edited,
            "reapplied": self.reapplied,
            "checksum_on_disk": self.migration.checksum if self.migration else None,
            "checksum_applied": record.checksum if record else None,
            "checksum_first_attempt": self.first.checksum if self.first else None,
            "started_at": _iso(record.started_at) if record else None,
            "finished_at": _iso(record.finished_at) if record else None,
            "rolled_back_at": _iso(record.rolled_back_at) if record else None,
        }


def checksum_matches(script: bytes, checksum: str) -> bool:
    """Whether ``checksum`` is one Prisma accepts for a ``migration.sql`` with these bytes."""
    if len(checksum) != CHECKSUM_LENGTH:  # an old engine wrote its hex without zero padding
        return checksum in {_unpadded(variant) for variant in checksum_variants(script)}
    return checksum in checksum_variants(script)


def migration_states(migrations_dir: Path, records: list[MigrationRecord] | None) -> list[MigrationState]:
    """Every migration on disk or in the table, in folder order, then the ones missing on disk.

    ``records`` is ``None`` when the database has no ``_prisma_migrations`` table: all are pending.
    """
    records = sorted(records or [], key=lambda record: _sortable(record.started_at))
    on_disk = list_migrations(migrations_dir)
    names = {migration.name for migration in on_disk}
    states = [_state_of(migration, [r for r in records if r.migration_name == migration.name]) for migration in on_disk]
    missing = []
    for record in records:
        if record.migration_name not in names and record.migration_name not in {s.name for s in missing}:
            rows = [r for r in records if r.migration_name == record.migration_name]
            deciding = _deciding(rows)
            status = FAILED if deciding.is_failed else MISSING_ON_DISK
            missing.append(MigrationState(record.migration_name, status, record=deciding))
    return states + missing


def _state_of(migration: Migration, rows: list[MigrationRecord]) -> MigrationState:
    if not rows:
        return MigrationState(migration.name, PENDING, migration=migration)
    deciding = _deciding(rows)
    edited = not checksum_matches(migration.sql_path.read_bytes(), rows[0].checksum)
    if deciding.is_applied:
        rolled_back_before = any(row.rolled_back_at is not None for row in rows if row is not deciding)
        return MigrationState(migration.name, APPLIED, edited, rolled_back_before, migration, deciding, rows[0])
    status = FAILED if deciding.is_failed else ROLLED_BACK
    return MigrationState(migration.name, status, edited, migration=migration, record=deciding, first=rows[0])


def _deciding(rows: list[MigrationRecord]) -> MigrationRecord:
    """The row that decides a migration's state: a failed one first, then the applied one, else the last."""
    for test in (lambda row: row.is_failed, lambda row: row.is_applied):
        chosen = [row for row in rows if test(row)]
        if chosen:
            return chosen[-1]
    return rows[-1]


def _unpadded(checksum: str) -> str:
    return "".join(f"{int(checksum[i : i + 2], 16):x}" for i in range(0, len(checksum), 2))


def _sortable(moment: dt.datetime | None) -> dt.datetime:
    return moment or dt.datetime.min


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None
