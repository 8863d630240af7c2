"""Permission keys and role defaults as the database holds them, for every organization, against the shared ones.

The tables and columns are the ones the Prisma schema maps its models to; nothing here names a table itself.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..sources.prisma import Datamodel
from ..target import db
from . import listed
from .contracts import ContractViolation, key_changes


@dataclass(frozen=True)
class PermissionTables:
    """The tables and columns of organizations, roles, permissions and their links, from the Prisma schema."""

    organizations: str
    org_id: str
    org_slug: str
    roles: str
    role_id: str
    role_org: str
    role_key: str
    permissions: str
    permission_id: str
    permission_key: str
    links: str
    link_role: str
    link_permission: str


def permission_tables(datamodel: Datamodel, names: Mapping[str, str]) -> PermissionTables:
    """Where the permission models are stored, by the model names of the settings."""
    organization = datamodel.model(names["organization_model"])
    role = datamodel.model(names["role_model"])
    permission = datamodel.model(names["permission_model"])
    link = datamodel.model(names["role_permission_model"])
    return PermissionTables(
        organizations=organization.table,
        org_id=organization.field("id").column,
        org_slug=organization.field("slug").column,
        roles=role.table,
        role_id=role.field("id").column,
        role_org=role.field("organizationId").column,
        role_key=role.field("key").column,
        permissions=permission.table,
        permission_id=permission.field("id").column,
        permission_key=permission.field("key").column,
        links=link.table,
        link_role=link.field("roleId").column,
        link_permission=link.field("permissionId").column,
    )


def db_permission_keys(connection, tables: PermissionTables) -> list[str]:
    """Every permission key the database holds."""
    rows = db.query(connection, f"SELECT `{tables.permission_key}` AS k FROM `{tables.permissions}`")
    return [row["k"] for row in rows]


def seeded_roles(connection, t: PermissionTables) -> dict[str, dict[str, set[str]]]:
    """Every organization (even one without roles), its role keys and each role's permission keys."""
    rows = db.query(
        connection,
        f"""
        SELECT o.`{t.org_slug}` AS tenant, r.`{t.role_key}` AS role, p.`{t.permission_key}` AS permission
        FROM `{t.organizations}` o
        LEFT JOIN `{t.roles}` r ON r.`{t.role_org}` = o.`{t.org_id}`
        LEFT JOIN `{t.links}` l ON l.`{t.link_role}` = r.`{t.role_id}`
        LEFT JOIN `{t.permissions}` p ON p.`{t.permission_id}` = l.`{t.link_permission}`
        """,
    )
    seeded: dict[str, dict[str, set[str]]] = {}
    for row in rows:
        roles = seeded.setdefault(row["tenant"], {})
        if row["role"] is not None:
            keys = roles.setdefault(row["role"], set())
            if row["permission"] is not None:
                keys.add(row["permission"])
    return seeded


def catalogue_keys(connection, t: PermissionTables) -> dict[str, list[tuple[str, ...]]]:
    """Every row's key in the catalogue tables, by table: permission, (tenant, role), (tenant, role, permission)."""
    roles = f"`{t.roles}` r JOIN `{t.organizations}` o ON o.`{t.org_id}` = r.`{t.role_org}`"
    return {
        t.permissions: _keys(connection, f"SELECT `{t.permission_key}` FROM `{t.permissions}`"),
        t.roles: _keys(connection, f"SELECT o.`{t.org_slug}`, r.`{t.role_key}` FROM {roles}"),
        t.links: _keys(
            connection,
            f"SELECT o.`{t.org_slug}`, r.`{t.role_key}`, p.`{t.permission_key}` FROM `{t.links}` l"
            f" JOIN {roles} ON r.`{t.role_id}` = l.`{t.link_role}`"
            f" JOIN `{t.permissions}` p ON p.`{t.permission_id}` = l.`{t.link_permission}`",
        ),
    }


def _keys(connection, sql: str) -> list[tuple[str, ...]]:
    return [tuple(str(value) for value in row.values()) for row in db.query(connection, sql)]


def each_key_held_once(keys_by_table: Mapping[str, Iterable[tuple[str, ...]]]) -> None:
    """Every catalogue table holds each of its keys exactly once (the rows compared as a multiset, not a set)."""
    __tracebackhide__ = True
    repeated = []
    for table, keys in keys_by_table.items():
        counts = Counter(keys)
        repeated += [f"{table}: {' / '.join(key)} ({count} rows)" for key, count in sorted(counts.items()) if count > 1]
    if repeated:
        raise ContractViolation(
            f"{len(repeated)} catalogue key(s) held more than once: {listed(repeated)}",
            f"each key once in {', '.join(keys_by_table)}",
            listed(repeated),
        )


def permission_keys_equal(db_keys: Iterable[str], shared_keys: Iterable[str], *, table: str, constant: str) -> None:
    """The database's permission keys are exactly the shared list."""
    __tracebackhide__ = True
    db_keys, shared_keys = set(db_keys), set(shared_keys)
    if db_keys != shared_keys:
        changes = key_changes(missing=shared_keys - db_keys, extra=db_keys - shared_keys)
        raise ContractViolation(
            f"{table} and the shared {constant} differ: {changes}",
            f"the {len(shared_keys)} keys of {constant}",
            f"{len(db_keys)} keys in {table}: {changes}",
        )


def every_role_seeded_with_its_defaults(
    seeded: Mapping[str, Mapping[str, Iterable[str]]], defaults: Mapping[str, Iterable[str]], *, constant: str
) -> None:
    """Every organization has every role of the shared defaults, each with exactly its default permissions."""
    __tracebackhide__ = True
    problems = []
    if not seeded:
        problems.append("no organization at all")
    for tenant, roles in sorted(seeded.items()):
        for role in sorted(set(defaults) - set(roles)):
            problems.append(f"tenant {tenant}, role {role}: no role row")
        for role, keys in sorted(roles.items()):
            if role not in defaults:
                problems.append(f"tenant {tenant}, role {role}: role key not in {constant}")
                continue
            keys, expected = set(keys), set(defaults[role])
            if keys != expected:
                problems.append(
                    f"tenant {tenant}, role {role}: " + key_changes(missing=expected - keys, extra=keys - expected)
                )
    if problems:
        raise ContractViolation(
            f"seeded role permissions differ from the shared {constant} in {len(problems)} role(s): "
            + listed(problems),
            f"every organization has the roles {', '.join(sorted(defaults))}, each with exactly {constant}[role]",
            f"{len(seeded)} organization(s), {len(problems)} role(s) that differ",
        )
