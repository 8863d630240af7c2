"""Runbook §3 step 4: the runtime API's direct SQL still fits the migrated schema."""

from __future__ import annotations

import warnings

import pytest

from woc_gate.checks import runtime_sql

pytestmark = [pytest.mark.gate("migration-runbook"), pytest.mark.migration]


def test_every_runtime_sql_statement_prepares_against_the_schema(woc_db, runtime_statements, woc_repo):
    unchecked = runtime_sql.built_at_run_time(runtime_statements, woc_repo)
    if unchecked:
        warnings.warn("runtime SQL built at run time, not checked: " + "; ".join(unchecked), stacklevel=1)
    refused = runtime_sql.statements_that_do_not_prepare(woc_db, runtime_statements)
    runtime_sql.every_runtime_statement_prepares(refused, woc_repo)
