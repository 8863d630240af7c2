"""The drill the backup-restore tests judge: one recorded within the configured age, else a backup and drill now."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import filelock
import pytest

from woc_gate.backup.drill import run_drill
from woc_gate.backup.manifest import read_manifest
from woc_gate.backup.take import take_backup
from woc_gate.errors import BackupError
from woc_gate.plugin.outcomes import BACKUP_PROPERTY
from woc_gate.plugin.private import private_temp

BACKUP_NAME = "workonclock-backup.sql"


@pytest.fixture(scope="session")
def drilled_backup(request, woc_settings) -> Path:
    """A backup that went through a restore drill: the recorded one, or one taken and drilled now (once per run).

    One taken now is a full dump of the target: it lives in the run's private folder, removed when the run ends.
    """
    if woc_settings.restore_drill_record:
        return Path(woc_settings.restore_drill_record)
    if not woc_settings.database_url:
        pytest.skip("no database configured: set DATABASE_URL (or DB_HOST, DB_NAME, …)")
    folder = private_temp(request.config, "drill")  # the same for every xdist worker: one drill per run
    dump = folder / BACKUP_NAME
    with filelock.FileLock(folder / "drill.lock", timeout=1800):
        if not dump.is_file():
            take_backup(woc_settings, dump, stream=None)
            run_drill(woc_settings, dump, stream=None)
    return dump


@pytest.fixture(scope="session")
def backup_manifest(woc_settings, drilled_backup) -> dict:
    """The drilled backup's manifest, with the drill's result; a recorded one must be recent enough."""
    manifest = read_manifest(drilled_backup)
    result = manifest["restore_test_result"]
    if not result:
        raise BackupError(f"{drilled_backup} was never drilled: run woc-gate restore-drill {drilled_backup}")
    age = dt.datetime.now(dt.UTC) - dt.datetime.fromisoformat(result["drilled_at"])
    if age > dt.timedelta(hours=woc_settings.restore_drill_max_age_hours):
        raise BackupError(
            f"the drill of {drilled_backup} ran {age.total_seconds() / 3600:.0f} hours ago, more than "
            f"restore_drill_max_age_hours ({woc_settings.restore_drill_max_age_hours}); drill a fresh backup"
        )
    return manifest


@pytest.fixture
def drill_result(request, backup_manifest) -> dict:
    """The drill's result; the test's report carries the backup metadata into the run record."""
    request.node.user_properties.append((BACKUP_PROPERTY, json.dumps(_metadata(backup_manifest))))
    return backup_manifest["restore_test_result"]


def _metadata(manifest: dict) -> dict:
    return {key: value for key, value in manifest.items() if key not in ("row_counts", "prisma_migrations")}
