"""``woc-gate restore-drill FILE``: verify a backup, restore it into a scratch place, run the §5 validation.

By default the dump goes into a throwaway server of the drill's own, tuned for a bulk load; with
``--into URL`` into a scratch database, which must be named as one (``restore_check`` in its
name), must not be the source, and must be empty or made by an earlier drill (it holds the
drill's marker table). The source database is never connected to. The result, with the restore
time (RTO), goes back into the manifest.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ..checks import CheckFailure
from ..checks import restore as checks
from ..checks.migrations import MIGRATIONS_TABLE, read_migration_records
from ..config import Settings
from ..errors import BackupError, ConfigError
from ..interrupts import in_background
from ..redaction import mask_url
from ..sources.prisma import load_datamodel
from ..target.db import Dsn, Session, connect_readonly
from ..target.storage import stored_objects
from . import loader, object_keys, parallel_load
from .manifest import migration_rows, read_manifest, require_dump, verify_dump, write_manifest
from .progress import Progress

DEFAULT_SCRATCH = "workonclock_restore_check"
SCRATCH_MARK = "restore_check"
REFERENCE_TABLES = {
    "organizations": "woc_organizations",
    "settings": "woc_organization_settings",
    "screenshots": "woc_screenshots",
}


@dataclass
class DrillResult:
    """What a drill found: each validation's outcome (``passed`` or the failure text) and its timings."""

    dump: Path
    target: str
    checks: dict[str, str] = field(default_factory=dict)
    orphan_objects: list[str] = field(default_factory=list)
    object_storage: dict = field(default_factory=dict)  # what was read of screenshot storage, from what, how fast
    restore_seconds: float = 0.0
    restore_phases: dict[str, float] = field(default_factory=dict)
    load_jobs: int = 1
    validation_seconds: float = 0.0
    drilled_at: str = ""

    @property
    def passed(self) -> bool:
        """True when every validation that ran passed."""
        return all(outcome in ("passed", "not run") for outcome in self.checks.values())

    @property
    def rto_seconds(self) -> float:
        """Restore plus validation: how long until the restored data is known good."""
        return round(self.restore_seconds + self.validation_seconds, 3)

    def as_dict(self) -> dict:
        """The result as the manifest and the run record keep it."""
        return {
            "passed": self.passed,
            "drilled_at": self.drilled_at,
            "target": self.target,
            "rto_seconds": self.rto_seconds,
            "restore_seconds": round(self.restore_seconds, 3),
            "restore_phases": {phase: round(seconds, 3) for phase, seconds in self.restore_phases.items()},
            "load_jobs": self.load_jobs,
            "validation_seconds": round(self.validation_seconds, 3),
            "checks": self.checks,
            "orphan_objects": self.orphan_objects,
            "object_storage": self.object_storage,
        }

    def lines(self) -> list[str]:
        """The result for a terminal."""
        verdict = "PASSED" if self.passed else "FAILED"
        lines = [
            f"Restore drill {verdict}: {self.dump} into {self.target}, RTO {self.rto_seconds:.1f} s "
            f"(restore {self.restore_seconds:.1f} s, validation {self.validation_seconds:.1f} s)"
        ]
        for name, outcome in self.checks.items():
            lines.append(f"  {name}: {outcome.splitlines()[0]}")
        if self.object_storage:
            lines.append(f"  {object_keys.objects_read(self.object_storage)}")
        if self.orphan_objects:
            lines.append(f"  objects without a row: {', '.join(self.orphan_objects[:10])}")
        return lines


def run_drill(
    settings: Settings, dump_path: Path, *, into: str | None = None, stream=None, jobs: int | None = None
) -> DrillResult:
    """Verify, restore (through ``jobs`` clients at once, by default one per core) and validate ``dump_path``.

    The result is also written into its manifest.
    """
    jobs = jobs or parallel_load.default_jobs()
    dump_path = Path(dump_path)
    require_dump(dump_path)
    manifest = read_manifest(dump_path)
    verify_dump(dump_path, manifest)
    holds_the_ledger(dump_path, manifest)
    if into:
        check_scratch_url(into, settings.database_url)
    drilled_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    with (
        tempfile.TemporaryDirectory(prefix="woc-gate-drill-") as work,
        Progress(stream, total=100, unit="%") as progress,
    ):
        place = loader.ScratchUrl(into) if into else loader.ThrowawayServer(Path(work), manifest["file_size"], jobs)
        with place:
            target = mask_url(into) if into else "a throwaway server"
            result = DrillResult(dump_path, target, load_jobs=jobs, drilled_at=drilled_at)
            started = time.monotonic()
            listing = in_background(stored_objects, settings)  # storage is listed while the dump loads
            result.restore_phases = place.load(dump_path, progress, jobs)
            result.restore_seconds = time.monotonic() - started
            started = time.monotonic()
            validate(settings, place, manifest, result, listing)
            result.validation_seconds = time.monotonic() - started
    manifest["restore_test_result"] = result.as_dict()
    write_manifest(dump_path, manifest)
    return result


def holds_the_ledger(dump_path: Path, manifest: dict) -> None:
    """Refuse a backup without ``_prisma_migrations``: restored, it would not say which migrations were applied."""
    if MIGRATIONS_TABLE not in manifest["row_counts"]:
        raise BackupError(
            f"{dump_path} holds no {MIGRATIONS_TABLE} (its manifest counts no rows of it): the backup cannot"
            " restore which migrations were applied; take it again with an account that may read that table"
        )


def check_scratch_url(into: str, source_url: str | None) -> None:
    """Refuse a ``--into`` database that is not named as a scratch one, or is the source."""
    scratch = Dsn.parse(into)
    if SCRATCH_MARK not in scratch.database:
        raise ConfigError(
            f"--into {mask_url(into)}: database {scratch.database!r} is not named as a scratch database "
            f"(its name must contain {SCRATCH_MARK!r}, e.g. {DEFAULT_SCRATCH})"
        )
    if source_url:
        source = Dsn.parse(source_url)
        if (source.host, source.port, source.database) == (scratch.host, scratch.port, scratch.database):
            raise ConfigError(f"--into {mask_url(into)} is the source database; restore into a scratch database")


def validate(settings: Settings, place: loader.Place, manifest: dict, result: DrillResult, listing: Future) -> None:
    """Run every runbook §5 validation on the restored database; each outcome goes into ``result.checks``.

    ``listing`` gives what screenshot storage holds (None without storage). The row counts and the object keys
    (the rows' keys streamed past those of storage) are read at once, each on a read-only session of its own,
    while the other validations run on a third.
    """
    tables = validated_tables(settings)
    tolerance = {table: float(share) for table, share in settings.restore_tolerance.items()}
    with ThreadPoolExecutor(max_workers=2) as pool:
        counted = pool.submit(_reading, place, checks.table_counts)
        keys = pool.submit(
            _object_keys, listing, place, tables["screenshots"], manifest, settings.s3_inventory_max_age_hours, result
        )
        _reading(place, lambda connection: _validate(connection, tables, tolerance, manifest, result, counted))
        result.checks["object_keys"] = keys.result()


def _reading(place: loader.Place, read):
    """What ``read`` makes of a read-only session of the restored database."""
    connection = connect_readonly(place.url, setting=place.setting)
    try:
        return read(connection)
    finally:
        connection.close()


def _object_keys(
    listing: Future, place: loader.Place, table: str, manifest: dict, inventory_max_age_hours: int, result: DrillResult
) -> str:
    """The outcome of the ``object_keys`` validation, once storage is listed ("not run" without storage)."""
    storage = listing.result()
    if storage is None:
        return "not run"
    return _reading(
        place,
        lambda connection: _outcome(
            lambda: object_keys.validate(
                connection, table, storage, manifest["timestamp"], inventory_max_age_hours, result
            )
        ),
    )


def _validate(
    connection: Session, tables: dict, tolerance: dict, manifest: dict, result: DrillResult, counted: Future
) -> None:
    restored_migrations = migration_rows(read_migration_records(connection) or [])
    steps = {
        "counts": lambda: checks.counts_match_the_backup(counted.result(), manifest["row_counts"], tolerance),
        "settings_rows": lambda: checks.every_active_organization_has_settings(connection, tables),
        "legacy_tables": lambda: checks.no_active_legacy_tables(counted.result()),
        "prisma_migrations": lambda: checks.migrations_match_the_backup(
            restored_migrations, manifest["prisma_migrations"]
        ),
        "schema_objects": lambda: checks.schema_objects_survive(
            manifest.get("schema_objects"), checks.schema_objects(connection)
        ),
    }
    for name, step in steps.items():
        result.checks[name] = _outcome(step)


def validated_tables(settings: Settings) -> dict[str, str]:
    """The organizations, settings and screenshots tables: from the checkout's Prisma schema, else the reference."""
    schema = settings.repo_path("prisma_schema")
    if schema is None or not schema.is_file():
        return dict(REFERENCE_TABLES)
    datamodel = load_datamodel(schema)
    models = {"organizations": "organization_model", "settings": "settings_model", "screenshots": "screenshot_model"}
    return {role: datamodel.model(settings.names[name]).table for role, name in models.items()}


def _outcome(step) -> str:
    try:
        step()
    except CheckFailure as failure:
        return str(failure)
    return "passed"
