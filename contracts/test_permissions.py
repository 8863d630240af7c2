"""Runbook §6: shared role permission defaults match seeded Prisma permission records, in every organization."""

from __future__ import annotations

import pytest

from woc_gate.checks import permissions

pytestmark = [pytest.mark.gate("schema-contracts"), pytest.mark.contract]


def test_db_permission_keys_equal_shared_permissions(seeded_db, shared_source, permission_tables, names):
    shared_keys = shared_source.constant(names["permissions"])
    permissions.permission_keys_equal(
        permissions.db_permission_keys(seeded_db, permission_tables),
        shared_keys,
        table=permission_tables.permissions,
        constant=names["permissions"],
    )


def test_every_organization_has_every_role_with_its_default_permissions(
    seeded_db, shared_source, permission_tables, names
):
    defaults = shared_source.constant(names["role_defaults"])
    permissions.every_role_seeded_with_its_defaults(
        permissions.seeded_roles(seeded_db, permission_tables), defaults, constant=names["role_defaults"]
    )


def test_catalogue_tables_hold_each_key_once(seeded_db, permission_tables):
    permissions.each_key_held_once(permissions.catalogue_keys(seeded_db, permission_tables))
