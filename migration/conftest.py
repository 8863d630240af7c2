"""Fixtures of the migration gate tests: the migrations folder, its state on the target, the pending statements."""

from __future__ import annotations

import pytest

from woc_gate.attestations import maintenance_approved
from woc_gate.checks import migrations
from woc_gate.checks.migration_lint import lint_pending
from woc_gate.sources import runtime_sql
from woc_gate.sources.migrations import migration_states


@pytest.fixture(scope="session")
def migrations_dir(woc_settings):
    """The Prisma migrations folder: --woc-migrations, else the checkout's; skips when neither is configured."""
    if woc_settings.migrations is None and woc_settings.repo is None:
        pytest.skip("no migrations folder configured: pass --woc-migrations PATH or --woc-repo PATH")
    return woc_settings.migrations_dir


@pytest.fixture(scope="session")
def states(woc_db, migrations_dir):
    """Each migration's state on the target: applied, pending, failed, rolled back, edited, missing on disk."""
    records = migrations.read_migration_records(woc_db)
    found = migration_states(migrations_dir, records)
    if records is None:
        migrations.managed_by_prisma_migrate(records, migrations.count_tables(woc_db), found)
    return found


@pytest.fixture(scope="session")
def pending_statements(woc_db, woc_settings, states):
    """Every statement of the pending migrations, tried on a scratch copy and judged against the target."""
    return lint_pending(woc_db, states, woc_settings.migration_scratch_url, woc_settings.migration_copy_rows)


@pytest.fixture(scope="session")
def maintenance_approvals(woc_attestations):
    """The migrations whose maintenance mode the technical owner approved in an attestation."""
    return maintenance_approved(woc_attestations)


@pytest.fixture(scope="session")
def runtime_statements(woc_settings, woc_repo):
    """The runtime API's SQL statements, from its TypeScript source."""
    return runtime_sql.runtime_statements(
        woc_repo, woc_settings.layout["runtime_sql"], woc_settings.names["sql_methods"]
    )
