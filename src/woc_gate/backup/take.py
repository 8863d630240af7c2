"""``woc-gate backup --out FILE``: the runbook's dump of the configured database, with its manifest."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..checks.migrations import read_migration_records
from ..checks.restore import schema_objects
from ..config import Settings
from ..sources.migrations import APPLIED, migration_states
from ..sources.schema_objects import created_by_migrations
from ..target.db import Dsn, connect_readonly, query
from .dump import dump
from .manifest import migration_rows, write_manifest
from .progress import Progress


def take_backup(settings: Settings, out: Path, *, stream=None) -> dict:
    """Dump the target database into ``out`` and write its manifest; the manifest."""
    url = settings.required_database_url()
    dsn = Dsn.parse(url)
    connection = connect_readonly(url)
    try:
        estimated_rows = sum(row["TABLE_ROWS"] or 0 for row in _tables(connection))
        migrations = read_migration_records(connection) or []
        on_source = schema_objects(connection)
    finally:
        connection.close()
    started = dt.datetime.now(dt.UTC)
    with Progress(stream, total=estimated_rows, unit="rows") as progress:
        result = dump(url, out, lambda table, rows: progress.reach(rows, table))
    manifest = {
        "timestamp": started.isoformat(timespec="seconds"),
        "environment": settings.environment,
        "database_host": f"{dsn.host}:{dsn.port}",
        "database": dsn.database,
        "commit_sha": settings.commit_sha,
        "operator": settings.operator,
        "file": Path(out).name,
        "file_size": result.size,
        "checksum": f"sha256:{result.sha256}",
        "dump_client": result.client,
        "restore_test_result": None,
        "row_counts": result.row_counts,
        "prisma_migrations": migration_rows(migrations),
        "schema_objects": {"on_source": on_source, "from_migrations": _created_by_applied(settings, migrations)},
    }
    write_manifest(Path(out), manifest)
    return manifest


def _created_by_applied(settings: Settings, records) -> dict[str, str]:
    """The events, routines, triggers and views the applied migrations of the checkout create (none without one)."""
    folder = settings.repo_path("migrations")
    if folder is None or not folder.is_dir():
        return {}
    states = migration_states(folder, records)
    return created_by_migrations(state.migration for state in states if state.status == APPLIED and state.migration)


def _tables(connection):
    return query(
        connection,
        "SELECT TABLE_NAME, TABLE_ROWS FROM information_schema.TABLES"
        " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'",
    )
