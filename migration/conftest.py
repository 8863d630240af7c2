"""Fixtures of the migration gate tests: the migrations folder, its state on the target, the pending statements."""

from __future__ import annotations

import pytest

from woc_gate.attestations import maintenance_approved
from woc_gate.checks.migration_lint import lint_pending
from woc_gate.checks.migrations import read_migration_records
from woc_gate.sources import runtime_sql
from woc_gate.sources.migrations import migration_states


@pytest.fixture(scope="session")
def migrations_dir(woc_settings, woc_repo):
    """The checkout's Prisma migrations folder."""
    folder = woc_settings.repo_path("migrations")
    if not folder.is_dir():
        pytest.fail(f"the migrations folder {folder} does not exist; set [layout] migrations in the profile")
    return folder


@pytest.fixture(scope="session")
def states(woc_db, migrations_dir):
    """Each migration's state on the target: applied, pending, failed, rolled back, edited, missing on disk."""
    return migration_states(migrations_dir, read_migration_records(woc_db))


@pytest.fixture(scope="session")
def pending_statements(woc_db, woc_settings, states):
    """Every statement of the pending migrations, judged destructive or long-running against the target."""
    return lint_pending(woc_db, states, woc_settings.migration_scratch_url)


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
