"""``woc-gate backup --out FILE``: the runbook's dump of the configured database, with its manifest."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..checks.migrations import MIGRATIONS_TABLE, read_migration_records
from ..checks.restore import schema_objects
from ..config import Settings
from ..errors import BackupError
from ..files import PRIVATE_FOLDER
from ..sources.migrations import APPLIED, migration_states
from ..sources.schema_objects import created_by_migrations
from ..target.db import Dsn, connect_readonly, query
from .dump import dump, remove_stale_partials
from .manifest import manifest_path, migration_rows, write_manifest
from .progress import Progress


def take_backup(settings: Settings, out: Path, *, stream=None, force: bool = False) -> dict:
    """Dump the target database into ``out`` and write its manifest; the manifest.

    An existing backup at ``out`` is replaced only with ``force``; partial dumps a killed backup left in the
    folder are removed (and said on ``stream``).
    """
    url = settings.required_database_url()
    out = Path(out)
    _prepare_folder(out, force, stream)
    dsn = Dsn.parse(url)
    connection = connect_readonly(url)
    try:
        listed = _tables(connection)
        tables = [row["TABLE_NAME"] for row in listed]
        estimated_rows = sum(row["TABLE_ROWS"] or 0 for row in listed)
        migrations = read_migration_records(connection)
        on_source = schema_objects(connection)
    finally:
        connection.close()
    if migrations is None:
        raise BackupError(
            f"the database {dsn.database} holds no {MIGRATIONS_TABLE}: a backup without the migration ledger"
            " cannot restore which migrations were applied; nothing was written"
        )
    started = dt.datetime.now(dt.UTC)
    with Progress(stream, total=estimated_rows, unit="rows") as progress:
        result = dump(url, out, lambda table, rows: progress.reach(rows, table), tables={*tables, MIGRATIONS_TABLE})
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
    write_manifest(out, manifest)
    return manifest


def _prepare_folder(out: Path, force: bool, stream) -> None:
    """The folder exists and holds no backup at ``out`` (unless ``force``) nor a stale partial dump."""
    if not force and (out.exists() or manifest_path(out).exists()):
        raise BackupError(f"{out} already holds a backup; pass --force to replace it, or choose another --out")
    try:
        out.parent.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)  # a folder it makes: its owner's only
        for stale in remove_stale_partials(out.parent):
            if stream is not None:
                print(f"woc-gate: removed {stale}, a partial dump left by a backup that was killed", file=stream)
    except OSError as error:
        raise BackupError(f"cannot write the backup {out}: {error.strerror} ({error.filename})") from error


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
