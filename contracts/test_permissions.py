"""Runbook §6: shared role permission defaults match seeded Prisma permission records."""

from __future__ import annotations

import pytest

from woc_gate.checks import contracts
from woc_gate.fixtures import one_line
from woc_gate.target import db

pytestmark = [pytest.mark.gate("schema-contracts"), pytest.mark.contract]


@pytest.fixture(scope="module")
def tables(prisma_datamodel, names):
    """Table and column names of the permission models, from the Prisma schema."""
    with one_line():
        organization = prisma_datamodel.model(names["organization_model"])
        role = prisma_datamodel.model(names["role_model"])
        permission = prisma_datamodel.model(names["permission_model"])
        link = prisma_datamodel.model(names["role_permission_model"])
        return {
            "organizations": organization.table,
            "org_id": organization.field("id").column,
            "org_slug": organization.field("slug").column,
            "roles": role.table,
            "role_id": role.field("id").column,
            "role_org": role.field("organizationId").column,
            "role_key": role.field("key").column,
            "permissions": permission.table,
            "permission_id": permission.field("id").column,
            "permission_key": permission.field("key").column,
            "links": link.table,
            "link_role": link.field("roleId").column,
            "link_permission": link.field("permissionId").column,
        }


def test_db_permission_keys_equal_shared_permissions(woc_db, shared_source, tables, names):
    rows = db.query(woc_db, "SELECT `{permission_key}` AS k FROM `{permissions}`".format(**tables))
    with one_line():
        shared_keys = shared_source.constant(names["permissions"])
    contracts.permission_keys_equal(
        [row["k"] for row in rows], shared_keys, table=tables["permissions"], constant=names["permissions"]
    )


def test_every_organizations_role_permissions_equal_shared_defaults(woc_db, shared_source, tables, names):
    rows = db.query(
        woc_db,
        """
        SELECT o.`{org_slug}` AS tenant, r.`{role_key}` AS role, p.`{permission_key}` AS permission
        FROM `{roles}` r
        JOIN `{organizations}` o ON o.`{org_id}` = r.`{role_org}`
        LEFT JOIN `{links}` l ON l.`{link_role}` = r.`{role_id}`
        LEFT JOIN `{permissions}` p ON p.`{permission_id}` = l.`{link_permission}`
    """.format(**tables),
    )
    assert rows, f"{tables['roles']} holds no roles: the seed did not run"
    seeded: dict[tuple[str, str], set[str]] = {}
    for row in rows:
        keys = seeded.setdefault((row["tenant"], row["role"]), set())
        if row["permission"] is not None:
            keys.add(row["permission"])
    with one_line():
        defaults = shared_source.constant(names["role_defaults"])
    contracts.role_defaults_seeded(seeded, defaults, constant=names["role_defaults"])
