"""Runbook §4 backup with its metadata, §5 restore and validation queries, §7 "Backup restore tested"."""

from __future__ import annotations

import pytest

from woc_gate.backup.manifest import RUNBOOK_FIELDS, verify_dump
from woc_gate.checks import restore

pytestmark = [pytest.mark.gate("backup-restore"), pytest.mark.restore]


def test_backup_keeps_every_runbook_metadata_field(backup_manifest):
    restore.every_metadata_field_is_set(backup_manifest, RUNBOOK_FIELDS)


def test_backup_matches_its_recorded_size_and_checksum(drilled_backup, backup_manifest):
    verify_dump(drilled_backup, backup_manifest)


def test_backup_restores_into_a_scratch_database(drill_result):
    restore.restore_completed(drill_result)


def test_restored_counts_equal_the_backup(drill_result):
    restore.recorded_validation_passed(drill_result, "counts")


def test_every_active_organization_has_a_settings_row(drill_result):
    restore.recorded_validation_passed(drill_result, "settings_rows")


def test_no_old_non_prefixed_table_is_active(drill_result):
    restore.recorded_validation_passed(drill_result, "legacy_tables")


def test_restored_prisma_migrations_equal_the_backup(drill_result):
    restore.recorded_validation_passed(drill_result, "prisma_migrations")


def test_every_event_routine_trigger_and_view_survives_the_restore(drill_result):
    restore.recorded_validation_passed(drill_result, "schema_objects")


def test_every_screenshot_object_key_is_in_storage(drill_result):
    if drill_result["checks"].get("object_keys") == "not run":
        pytest.skip("no screenshot storage configured: set screenshot_storage_dir in the profile")
    restore.recorded_validation_passed(drill_result, "object_keys")
