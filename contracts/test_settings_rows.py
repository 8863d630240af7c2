"""Runbook §6: every organization's settings row, and the settings columns, agree with the shared TrackingPolicy."""

from __future__ import annotations

import pytest

from woc_gate.checks import settings_rows

pytestmark = [pytest.mark.gate("schema-contracts"), pytest.mark.contract]


def test_every_organization_has_exactly_one_settings_row(seeded_db, settings_table):
    rows = settings_rows.settings_rows(seeded_db, settings_table)
    settings_rows.every_organization_has_one_settings_row(rows, table=settings_table.table)


def test_every_settings_row_is_a_valid_tracking_policy(seeded_db, settings_table, policy_schema, names):
    rows = settings_rows.settings_rows(seeded_db, settings_table)
    settings_rows.settings_rows_satisfy_shared_type(
        rows, policy_schema, table=settings_table.table, type_name=names["policy_type"]
    )


def test_settings_columns_nullability_and_defaults_agree_with_tracking_policy(
    woc_db, settings_table, policy_schema, names
):
    settings_rows.columns_agree_with_shared_type(
        settings_rows.db_column_facts(woc_db, settings_table),
        policy_schema,
        where=f"the database table {settings_table.table}",
        type_name=names["policy_type"],
    )


def test_prisma_settings_fields_nullability_and_defaults_agree_with_tracking_policy(
    prisma_datamodel, settings_table, policy_schema, names
):
    settings_rows.columns_agree_with_shared_type(
        settings_rows.prisma_column_facts(prisma_datamodel, names, settings_table),
        policy_schema,
        where=f"Prisma model {names['settings_model']}",
        type_name=names["policy_type"],
    )
