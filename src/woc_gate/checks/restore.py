"""Runbook §5 validation of a restored database: counts, settings rows, legacy tables, migrations, schema objects,
object keys.

Faults that prove them: ``missing-settings-row``, ``legacy-table``, ``backup-drops-trigger``,
``orphan-screenshot-object``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from woc_gate.checks import CheckFailure
from woc_gate.checks import listed as listed_problems
from woc_gate.sources.schema_objects import schema_object
from woc_gate.target.db import Session, query, stream

PREFIX = "woc_"
PRISMA_TABLE = "_prisma_migrations"
DRILL_MARKER = "woc_gate_restore_drill"  # made by the drill in a scratch database it restored into
SCHEMA_OBJECTS = (
    "SELECT 'event' AS kind, EVENT_NAME AS name FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE()"
    " UNION ALL SELECT LOWER(ROUTINE_TYPE), ROUTINE_NAME FROM information_schema.ROUTINES"
    " WHERE ROUTINE_SCHEMA = DATABASE()"
    " UNION ALL SELECT 'trigger', TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()"
    " UNION ALL SELECT 'view', TABLE_NAME FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()"
)


class RestoreFailure(CheckFailure):
    """The restored database is not the database that was backed up, or not one the app can serve."""


class RecordedFailure(RestoreFailure):
    """A validation failure the drill recorded, raised again with its text as it was."""

    def __init__(self, text: str) -> None:
        AssertionError.__init__(self, text)
        self.title = text.splitlines()[0]


def recorded_validation_passed(result: dict, name: str) -> None:
    """The drill ran the validation ``name`` and it passed."""
    __tracebackhide__ = True
    outcome = result["checks"].get(name, "not run")
    if outcome != "passed":
        raise RecordedFailure(outcome if outcome != "not run" else f"the drill did not run the {name} validation")


def every_metadata_field_is_set(manifest: dict, fields: tuple[str, ...]) -> None:
    """The manifest records every runbook §4 metadata field (the restore result included)."""
    __tracebackhide__ = True
    missing = [name for name in fields if manifest.get(name) in (None, "")]
    if missing:
        raise RestoreFailure(
            f"the backup's manifest lacks {', '.join(missing)}",
            f"every runbook §4 field: {', '.join(fields)}",
            f"unset: {', '.join(missing)} (set commit_sha and operator with --woc-commit and --woc-operator)",
        )


def restore_completed(result: dict) -> None:
    """The dump was restored and validated, and the time it took (RTO) recorded."""
    __tracebackhide__ = True
    if not result.get("rto_seconds") or not result.get("checks"):
        raise RestoreFailure("the drill recorded no restore", "a restore time and validation results", result)


def table_counts(connection: Session) -> dict[str, int]:
    """Exact row counts of every table of the restored database (the drill's marker aside)."""
    tables = query(
        connection,
        "SELECT TABLE_NAME AS name FROM information_schema.TABLES"
        " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
    )
    return {
        row["name"]: query(connection, f"SELECT COUNT(*) AS n FROM `{row['name']}`")[0]["n"]
        for row in tables
        if row["name"] != DRILL_MARKER
    }


def counts_match_the_backup(restored: dict[str, int], backed_up: dict[str, int], tolerance: dict[str, float]) -> None:
    """Every table holds as many rows as the dump carried (within the table's configured tolerance)."""
    __tracebackhide__ = True
    differences = {}
    for table in sorted(set(restored) | set(backed_up)):
        want, got = backed_up.get(table), restored.get(table)
        allowed = tolerance.get(table, 0.0) * (want or 0)
        if want is None or got is None or abs(got - want) > allowed:
            differences[table] = (want, got)
    if differences:
        raise RestoreFailure(
            f"restored row counts differ from the backup in {len(differences)} table(s): {', '.join(differences)}",
            "; ".join(f"{table}: {want}" for table, (want, _) in differences.items()),
            "; ".join(f"{table}: {got}" for table, (_, got) in differences.items()),
        )


def every_active_organization_has_settings(connection: Session, tables: dict[str, str]) -> None:
    """A settings row exists for every ACTIVE organization."""
    __tracebackhide__ = True
    missing = query(
        connection,
        f"SELECT o.slug FROM `{tables['organizations']}` o LEFT JOIN `{tables['settings']}` s"
        " ON s.organizationId = o.id WHERE o.status = 'ACTIVE' AND s.organizationId IS NULL ORDER BY o.slug",
    )
    if missing:
        slugs = [row["slug"] for row in missing]
        raise RestoreFailure(
            f"{len(slugs)} active organization(s) have no {tables['settings']} row: {', '.join(slugs)}",
            f"a {tables['settings']} row for every ACTIVE organization",
            f"none for {', '.join(slugs)}",
        )


def no_active_legacy_tables(counts: dict[str, int]) -> None:
    """No table outside the ``woc_`` prefix (Prisma's own aside) holds rows."""
    __tracebackhide__ = True
    active = {table: rows for table, rows in counts.items() if _is_legacy(table) and rows > 0}
    if active:
        raise RestoreFailure(
            f"{len(active)} non-prefixed (legacy) table(s) hold rows: {', '.join(sorted(active))}",
            f"every table with rows named {PREFIX}… (or {PRISMA_TABLE})",
            "; ".join(f"{table}: {rows} rows" for table, rows in sorted(active.items())),
        )


def migrations_match_the_backup(restored: list[dict], backed_up: list[dict]) -> None:
    """``_prisma_migrations`` in the restored database equals its state at backup time."""
    __tracebackhide__ = True
    key = lambda row: (row["migration_name"], row["checksum"], row["finished_at"], row["rolled_back_at"])  # noqa: E731
    if sorted(map(key, restored)) != sorted(map(key, backed_up)):
        raise RestoreFailure(
            f"restored {PRISMA_TABLE} differs from the backup",
            [row["migration_name"] for row in backed_up],
            [row["migration_name"] for row in restored],
        )


def schema_objects(connection: Session) -> list[str]:
    """The events, functions, procedures, triggers and views of the database the account can see, named."""
    return sorted(schema_object(row["kind"], row["name"]) for row in query(connection, SCHEMA_OBJECTS))


def schema_objects_survive(backed_up: dict | None, restored: list[str]) -> None:
    """Every object listed on the source at backup time, or created by an applied migration, is in the restore."""
    __tracebackhide__ = True
    expected = "every event, routine, trigger and view listed on the source or created by an applied migration"
    if backed_up is None:
        raise RestoreFailure(
            "the backup's manifest lists no schema objects", expected, "take it again: woc-gate backup"
        )
    present = {name.lower() for name in restored}
    listed, created = backed_up["on_source"], backed_up["from_migrations"]
    missing = [name for name in sorted({*listed, *created}) if name.lower() not in present]
    if missing:
        raise RestoreFailure(
            f"{len(missing)} schema object(s) did not survive the restore: {', '.join(missing)}",
            expected,
            listed_problems([_whence(name, listed, created) for name in missing]),
        )


def _whence(name: str, listed: list[str], created: dict[str, str]) -> str:
    if name in listed:
        return f"{name}: listed on the source, missing after the restore"
    return (
        f"{name}: created by migration {created[name]}, not listed on the source (hidden from the backup's account,"
        " e.g. without the TRIGGER privilege, or dropped outside the migrations)"
    )


def screenshot_keys(
    connection: Session, screenshots_table: str, known_until: dt.datetime | None
) -> Iterator[tuple[str, bool]]:
    """Every ``objectKey`` of the screenshots table, with whether its row was created by ``known_until`` (every row
    without it), as the server sends them: never all of them in memory."""
    if known_until is None:
        return ((key, True) for (key,) in stream(connection, f"SELECT objectKey FROM `{screenshots_table}`"))
    rows = stream(
        connection,
        f"SELECT objectKey, createdAt <= %s FROM `{screenshots_table}`",
        (known_until.astimezone(dt.UTC).replace(tzinfo=None),),
    )
    return ((key, known != 0) for key, known in rows)


@dataclass(frozen=True)
class ObjectKeys:
    """The screenshots' object keys against storage: the judged keys no object answers and the objects no key names
    (both sorted; the second listed, not a failure: retention may lag), how many rows there were and were judged."""

    missing: list[str]
    unnamed: list[str]
    rows: int
    judged: int


def compare_object_keys(keys: Iterable[tuple[str, bool]], stored: set[str]) -> ObjectKeys:
    """One pass over the rows' keys, each with whether it is judged (a stream), against the keys of storage."""
    missing, unnamed, rows, judged = set(), set(stored), 0, 0
    for key, is_judged in keys:
        rows += 1
        judged += is_judged
        if key in stored:
            unnamed.discard(key)
        elif is_judged:
            missing.add(key)
    return ObjectKeys(sorted(missing), sorted(unnamed), rows, judged)


def every_object_key_in_storage(missing: list[str], where: str, screenshots_table: str) -> None:
    """Every ``objectKey`` of the screenshots table names an object in screenshot storage (``missing`` is empty)."""
    __tracebackhide__ = True
    if missing:
        shown = ", ".join(missing[:10]) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
        raise RestoreFailure(
            f"{len(missing)} {screenshots_table}.objectKey value(s) have no object in storage: {shown}",
            f"an object in {where} for every objectKey",
            f"missing: {shown}",
        )


def inventory_covers_the_backup(
    created_at: dt.datetime, backed_up_at: dt.datetime, max_age_hours: int, where: str
) -> None:
    """The S3 Inventory report the objects were read from is not much older than the backup.

    The screenshots a report is older than go unjudged (it cannot know their objects): a day's are expected with a
    daily inventory, more than ``s3_inventory_max_age_hours`` are not.
    """
    __tracebackhide__ = True
    older = (backed_up_at - created_at).total_seconds() / 3600
    if older > max_age_hours:
        raise RestoreFailure(
            f"the S3 inventory report is {older:.0f} hours older than the backup: the objects of the screenshots"
            " since were not checked",
            f"a report at most {max_age_hours} hours older than the backup (s3_inventory_max_age_hours)",
            f"{where}, begun {created_at.isoformat(timespec='minutes')}, backup taken"
            f" {backed_up_at.isoformat(timespec='minutes')}; drill a backup taken nearer the report, or unset"
            " s3_inventory to list the bucket",
        )


def _is_legacy(table: str) -> bool:
    return not table.startswith(PREFIX) and table != PRISMA_TABLE
