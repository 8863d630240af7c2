"""Runbook §3 step 4: the runtime API's direct SQL still fits the migrated schema."""

from __future__ import annotations

import pytest

from woc_gate.attestations import runtime_sql_vouched
from woc_gate.checks import runtime_sql

pytestmark = [pytest.mark.gate("migration-runbook"), pytest.mark.migration]


def test_every_runtime_sql_statement_prepares_against_the_schema(woc_db, runtime_statements, woc_repo):
    refused = runtime_sql.statements_that_do_not_prepare(woc_db, runtime_statements)
    runtime_sql.every_runtime_statement_prepares(refused, woc_repo)


def test_every_runtime_sql_statement_is_known_before_run_time(runtime_statements, woc_repo, woc_attestations):
    unknown = runtime_sql.unvouched_run_time_statements(
        runtime_statements, woc_repo, runtime_sql_vouched(woc_attestations)
    )
    if unknown:
        pytest.skip(
            f"{len(unknown)} runtime SQL statement(s) built at run time cannot be prepared: {'; '.join(unknown)}. "
            'The technical owner may vouch for each: [[attestation]] item = "migration-runbook", '
            'runtime_sql = "FILE:LINE"'
        )
