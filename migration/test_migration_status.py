"""Runbook §3 pre-migration checklist: the production schema version is known and no migration is unreviewed."""

from __future__ import annotations

import pytest

from woc_gate.checks import migration_lint, migrations

pytestmark = [pytest.mark.gate("migration-runbook"), pytest.mark.migration]


def test_no_migration_failed(states, measure):
    for state, count in migrations.state_counts(states).items():
        measure(f"migrations_{state.replace(' ', '_')}", count)
    migrations.no_failed_migrations(states)


def test_no_applied_migration_was_edited(states):
    migrations.no_edited_migrations(states)


def test_no_applied_migration_is_missing_on_disk(states, migrations_dir):
    migrations.no_migrations_missing_on_disk(states, migrations_dir)


def test_pending_migrations_needing_maintenance_mode_are_approved(pending_statements, maintenance_approvals):
    migration_lint.pending_migrations_need_no_unapproved_maintenance(pending_statements, maintenance_approvals)
