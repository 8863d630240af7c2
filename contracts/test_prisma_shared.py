"""Runbook §6: Prisma stays the source of truth for database shape, and the shared types agree with it."""

from __future__ import annotations

import pytest

from woc_gate.checks import contracts, unique_keys

pytestmark = [pytest.mark.gate("schema-contracts"), pytest.mark.contract]


def test_prisma_role_key_enum_equals_shared_role_key(prisma_datamodel, shared_source, names):
    prisma_values = prisma_datamodel.enum(names["role_enum"]).values
    shared_values = contracts.literal_values(shared_source.schema(names["role_key_type"]))
    contracts.enum_values_equal(
        prisma_values, shared_values, enum=names["role_enum"], shared_type=names["role_key_type"]
    )


def test_settings_model_has_a_compatible_field_for_every_policy_field(prisma_datamodel, policy_schema, names):
    model = prisma_datamodel.model(names["settings_model"])
    fields = {field.name: field.type for field in model.fields if field.column is not None}
    contracts.columns_cover_shared_type(fields, policy_schema, model=model.name, type_name=names["policy_type"])


def test_every_unique_key_the_prisma_schema_declares_is_enforced_by_the_database(woc_db, prisma_datamodel):
    unique_keys.every_declared_unique_key_enforced(
        unique_keys.declared_unique_keys(prisma_datamodel),
        unique_keys.db_unique_indexes(woc_db),
        schema=prisma_datamodel.schema_path.name,
    )
