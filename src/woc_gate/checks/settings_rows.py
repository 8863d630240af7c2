"""The organizations' settings rows and the settings columns, against the shared TrackingPolicy.

Tables and columns come from the Prisma schema (DMMF); nullability and defaults come from the
database's ``information_schema`` and from Prisma, both compared with the shared type's rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import SourceError
from ..sources.prisma import Datamodel, DefaultFunction
from ..target import db
from . import listed
from .contracts import ContractViolation, definition_of, schema_errors, validator


@dataclass(frozen=True)
class Column:
    """One column that holds a field of the shared type: its name and Prisma type."""

    field: str
    name: str
    prisma_type: str


@dataclass(frozen=True)
class SettingsTable:
    """Where the settings rows live and which column holds each field of the shared type."""

    table: str
    row_id: str
    organization_id: str
    organizations: str
    org_id: str
    org_slug: str
    columns: tuple[Column, ...]


@dataclass(frozen=True)
class SettingsRow:
    """One settings row: its id and the value of each field (NULL as None, 0/1 booleans as booleans)."""

    id: str
    values: dict[str, Any]

    @property
    def policy(self) -> dict[str, Any]:
        """The policy the row stores: NULL columns left out, as an absent optional field."""
        return {name: value for name, value in self.values.items() if value is not None}


@dataclass(frozen=True)
class ColumnFacts:
    """Whether a column takes NULL and what it defaults to (None: no default, or NULL)."""

    nullable: bool
    default: Any


def settings_table(datamodel: Datamodel, names: Mapping[str, str], schema: Mapping[str, Any]) -> SettingsTable:
    """The settings model's table, and the columns of the shared type's fields it has."""
    model = datamodel.model(names["settings_model"])
    organization = datamodel.model(names["organization_model"])
    fields = {field.name: field for field in model.fields if field.column is not None}
    columns = tuple(
        Column(name, fields[name].column, fields[name].type) for name in _properties(schema) if name in fields
    )
    link = next(
        (field for field in model.fields if field.relation_from_fields and field.type == organization.name), None
    )
    if link is None:
        raise SourceError(f"Prisma model {model.name} has no relation to {organization.name}")
    return SettingsTable(
        table=model.table,
        row_id=model.field(model.primary_key[0]).column,
        organization_id=model.field(link.relation_from_fields[0]).column,
        organizations=organization.table,
        org_id=organization.field("id").column,
        org_slug=organization.field("slug").column,
        columns=columns,
    )


def settings_rows(connection, t: SettingsTable, *, tenant: str | None = None) -> dict[str, list[SettingsRow]]:
    """Every organization (or one, by slug) and its settings rows."""
    selected = ", ".join(f"s.`{column.name}` AS `{column.field}`" for column in t.columns)
    where, args = (f"WHERE o.`{t.org_slug}` = %s", (tenant,)) if tenant else ("", ())
    rows = db.query(
        connection,
        f"SELECT o.`{t.org_slug}` AS `__tenant`, s.`{t.row_id}` AS `__row`, {selected} FROM `{t.organizations}` o "
        f"LEFT JOIN `{t.table}` s ON s.`{t.organization_id}` = o.`{t.org_id}` {where}",
        args,
    )
    by_tenant: dict[str, list[SettingsRow]] = {}
    for row in rows:
        found = by_tenant.setdefault(row.pop("__tenant"), [])
        row_id = row.pop("__row")
        if row_id is not None:
            found.append(
                SettingsRow(row_id, {column.field: _stored(row[column.field], column) for column in t.columns})
            )
    return by_tenant


def db_policy(connection, t: SettingsTable, *, tenant: str) -> dict[str, Any]:
    """The policy the settings row of one organization (by slug) stores."""
    __tracebackhide__ = True
    found = settings_rows(connection, t, tenant=tenant).get(tenant, [])
    if len(found) != 1:
        raise ContractViolation(
            f"tenant {tenant} has {len(found)} {t.table} rows", f"one {t.table} row", f"{len(found)} rows"
        )
    return found[0].policy


def db_column_facts(connection, t: SettingsTable) -> dict[str, ColumnFacts]:
    """Nullability and default of each settings column, from ``information_schema``, by field name."""
    rows = db.query(
        connection,
        "SELECT COLUMN_NAME AS name, IS_NULLABLE AS nullable, COLUMN_DEFAULT AS `default` "
        "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s",
        (t.table,),
    )
    by_column = {row["name"]: row for row in rows}
    return {
        column.field: ColumnFacts(
            by_column[column.name]["nullable"] == "YES",
            _stored(_default_literal(by_column[column.name]["default"]), column),
        )
        for column in t.columns
        if column.name in by_column
    }


def prisma_column_facts(datamodel: Datamodel, names: Mapping[str, str], t: SettingsTable) -> dict[str, ColumnFacts]:
    """Nullability and default of each settings field as the Prisma schema declares them."""
    model = datamodel.model(names["settings_model"])
    facts = {}
    for column in t.columns:
        field = model.field(column.field)
        default = None if isinstance(field.default, DefaultFunction) else field.default
        facts[column.field] = ColumnFacts(not field.is_required, default)
    return facts


def every_organization_has_one_settings_row(rows: Mapping[str, list], *, table: str) -> None:
    """Every organization has exactly one settings row."""
    __tracebackhide__ = True
    problems = [f"tenant {tenant}: {len(found)} rows" for tenant, found in sorted(rows.items()) if len(found) != 1]
    if not rows:
        problems.append("no organization at all")
    if problems:
        raise ContractViolation(
            f"{len(problems)} organization(s) without exactly one {table} row: {listed(problems)}",
            f"one {table} row per organization",
            listed(problems),
        )


def settings_rows_satisfy_shared_type(
    rows: Mapping[str, list], schema: Mapping[str, Any], *, table: str, type_name: str
) -> None:
    """Every settings row holds a valid policy: required fields set, values in range, booleans 0 or 1."""
    __tracebackhide__ = True
    required = set(definition_of(schema).get("required", []))
    problems = []
    for tenant, found in sorted(rows.items()):
        for row in found:
            where = f"tenant {tenant} (row {row.id})"
            problems += [f"{where}: {name} is NULL" for name in sorted(required) if row.values.get(name) is None]
            problems += [
                f"{where}: {error}"
                for error in schema_errors(row.policy, schema)
                if "is a required property" not in error  # said above, as NULL
            ]
    if problems:
        raise ContractViolation(
            f"{len(problems)} {table} value(s) break the shared {type_name}: {listed(problems)}",
            f"every {table} row a valid {type_name}",
            f"{len(problems)} value(s) out of the type in {sum(map(len, rows.values()))} row(s)",
        )


def columns_agree_with_shared_type(
    facts: Mapping[str, ColumnFacts], schema: Mapping[str, Any], *, where: str, type_name: str
) -> None:
    """A required field's column is NOT NULL, and every column default is a valid value of its field."""
    __tracebackhide__ = True
    definition = definition_of(schema)
    required = set(definition.get("required", []))
    problems = [f"{name}: no column" for name in sorted(required - set(facts))]
    received = []
    for name, fact in sorted(facts.items()):
        found = []
        if fact.nullable and name in required:
            found.append(f"{name}: nullable, but required in {type_name}")
        if fact.default is not None:
            errors = [error.message for error in validator(definition["properties"][name]).iter_errors(fact.default)]
            found += [f"{name}: default {fact.default!r}: {error}" for error in errors]
        if found:
            problems += found
            received.append(f"{name} {'NULL' if fact.nullable else 'NOT NULL'} DEFAULT {fact.default!r}")
    if problems:
        raise ContractViolation(
            f"{where} disagrees with the shared {type_name}: {'; '.join(problems)}",
            "required fields NOT NULL, defaults inside their ranges",
            "; ".join(received) or "no column",
        )


def _properties(schema: Mapping[str, Any]) -> dict[str, Any]:
    return dict(definition_of(schema).get("properties", {}))


def _stored(value: Any, column: Column) -> Any:
    """A stored value as the JSON value it stands for (MySQL keeps a Boolean as 0 or 1)."""
    if value is None or column.prisma_type != "Boolean":
        return value
    return bool(value) if value in (0, 1) else value  # anything else stays as stored, and breaks the type


def _default_literal(text: str | None) -> Any:
    """A COLUMN_DEFAULT as a value: MariaDB writes NULL as ``NULL`` and quotes strings, MySQL does neither."""
    if text is None or text.upper() == "NULL":
        return None
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1]
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text
