"""The tracking policy: the columns of woc_organization_settings named by the shared TrackingPolicy schema."""

from __future__ import annotations

import re
from typing import Any

from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError, best_match
from pymysql.cursors import Cursor

from woc_gate.sandbox.sql import Sql, new_id, quote_name, utc_now

Policy = dict[str, Any]


def policy_properties(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The schema's properties, following a top-level ``$ref`` into ``definitions``."""
    reference = schema.get("$ref", "")
    if reference.startswith("#/definitions/"):
        schema = schema["definitions"][reference.removeprefix("#/definitions/")]
    return schema.get("properties", {})


def policy_required(schema: dict[str, Any]) -> set[str]:
    """The properties a policy must have; the others are optional (stored as NULL when absent)."""
    reference = schema.get("$ref", "")
    if reference.startswith("#/definitions/"):
        schema = schema["definitions"][reference.removeprefix("#/definitions/")]
    return set(schema.get("required", []))


def policy_error(schema: dict[str, Any], body: Any) -> ValidationError | None:
    """The most relevant reason a whole policy breaks the shared schema, or None when it is valid."""
    return best_match(Draft7Validator(schema).iter_errors(body))


def field_label(name: str, prop: dict[str, Any]) -> str:
    """The form label of a policy property: its schema title, else its name in words."""
    if prop.get("title"):
        return str(prop["title"])
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).lower()
    return words[:1].upper() + words[1:]


async def read_policy(sql: Sql, schema: dict[str, Any], organization_id: str) -> Policy | None:
    """The organization's policy (a key per schema property that is not NULL), or None without a settings row."""
    columns = ", ".join(quote_name(name) for name in policy_properties(schema))
    row = await sql.one(f"SELECT {columns} FROM woc_organization_settings WHERE organizationId = %s", organization_id)
    return None if row is None else {name: value for name, value in row.items() if value is not None}


async def write_policy(sql: Sql, organization_id: str, policy: Policy) -> None:
    """Store the given policy fields, creating the settings row when it is missing."""
    names = list(policy)
    columns = ", ".join(quote_name(name) for name in names)
    placeholders = ", ".join(["%s"] * len(names))
    updates = ", ".join(f"{quote_name(name)} = VALUES({quote_name(name)})" for name in names)
    await sql.execute(
        f"INSERT INTO woc_organization_settings (id, organizationId, updatedAt, {columns})"
        f" VALUES (%s, %s, %s, {placeholders})"
        f" ON DUPLICATE KEY UPDATE updatedAt = VALUES(updatedAt), {updates}",
        new_id(),
        organization_id,
        utc_now(),
        *policy.values(),
    )


def insert_default_settings(cursor: Cursor, schema: dict[str, Any], organization_id: str) -> None:
    """Create a settings row holding the schema's defaults (the column defaults for the rest)."""
    defaults = {name: prop["default"] for name, prop in policy_properties(schema).items() if "default" in prop}
    columns = "".join(f", {quote_name(name)}" for name in defaults)
    placeholders = ", %s" * len(defaults)
    cursor.execute(
        f"INSERT INTO woc_organization_settings (id, organizationId, updatedAt{columns})"
        f" VALUES (%s, %s, %s{placeholders})",
        (new_id(), organization_id, utc_now(), *defaults.values()),
    )
