"""Variants of the reference stack outside the fault catalogue, for the suite's own tests of the checks.

Switched on like faults (``stack.start(faults=[...])``, ``--woc-fault NAME``) but not listed with them.
A *correct* variant is a deployment that differs harmlessly and must pass every check; a *defect*
is a real failure the catalogue does not name, which the contract checks must still catch.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from woc_gate.sandbox.policy import policy_properties, policy_required
from woc_gate.sandbox.runtime_source import add_reports_service
from woc_gate.sandbox.seedfile import load_seed_file

if TYPE_CHECKING:
    from woc_gate.sandbox.context import SandboxContext
    from woc_gate.sandbox.fault_injection import FaultTarget

CORRECT = {
    "settings-write-204": "PUT /api/settings answers 204 No Content",
    "signed-preview-url": "previewUrl carries a signature in its query string",
    "captured-at-offset": "capturedAt ends in +00:00 instead of Z",
    "instant-add-column": "a pending migration adds a NOT NULL column with a default (instant: no maintenance mode)",
    "schema-objects": "applied migrations add a view, a function, a procedure, a trigger and an event",
    "runtime-sql-union-table": "a runtime statement interpolates ${table} from a literal union of existing tables",
    "policy-omits-defaults": "the TrackingPolicy gains an optional screenshotQuality (default 80), which the API policy"
    " and web settings leave out while it holds its default",
}
DEFECTS = {
    "org-missing-role": "a background organization has no row for one of its roles",
    "settings-row-out-of-range": "a background organization's screenshot interval is 0",
    "settings-column-drift": "blurScreenshots takes NULL and screenshotIntervalMinutes defaults to 0",
    "settings-lost-on-b": "web settings drop blurScreenshots for the second smoke tenant only",
    "settings-refuse-maximum": "web settings refuse a field at its exact maximum",
    "settings-coerce-types": "web settings accept numbers as text and booleans as 0/1, converting them",
}
VARIANTS = CORRECT | DEFECTS


def adjusted_event(ctx: SandboxContext, event: dict[str, Any]) -> dict[str, Any]:
    """A ScreenshotEvent as the screenshot variants give it."""
    if ctx.has("signed-preview-url") and "previewUrl" in event:
        event["previewUrl"] += "?expires=1767225600&signature=3f1c9a0b"
    if ctx.has("captured-at-offset") and isinstance(event.get("capturedAt"), str):
        event["capturedAt"] = event["capturedAt"].removesuffix("Z") + "+00:00"
    return event


def omitted_defaults(ctx: SandboxContext, policy: dict[str, Any]) -> dict[str, Any]:
    """A policy as a serializer that leaves out optional fields at their default gives it (policy-omits-defaults)."""
    if not ctx.has("policy-omits-defaults"):
        return policy
    required, properties = policy_required(ctx.policy_schema), policy_properties(ctx.policy_schema)
    return {
        name: value
        for name, value in policy.items()
        if name in required or "default" not in properties.get(name, {}) or value != properties[name]["default"]
    }


def lenient_policy(ctx: SandboxContext, body: Any) -> Any:
    """A policy body as a lenient parser would turn it before validation (numbers from text, booleans from 0/1)."""
    if not ctx.has("settings-coerce-types") or not isinstance(body, dict):
        return body
    types = {name: prop.get("type") for name, prop in policy_properties(ctx.policy_schema).items()}
    coerced = dict(body)
    for name, value in body.items():
        if types.get(name) == "integer" and isinstance(value, str) and value.isdigit():
            coerced[name] = int(value)
        elif types.get(name) == "boolean" and value in (0, 1) and not isinstance(value, bool):
            coerced[name] = bool(value)
    return coerced


def refused_at_maximum(ctx: SandboxContext, body: Any) -> str | None:
    """Why an off-by-one range check refuses the body (a value at its exact maximum), or None."""
    if not ctx.has("settings-refuse-maximum") or not isinstance(body, dict):
        return None
    for name, prop in policy_properties(ctx.policy_schema).items():
        if "maximum" in prop and body.get(name) == prop["maximum"]:
            return f"{name} must be less than {prop['maximum']}"
    return None


def loses_write_on_second_tenant(ctx: SandboxContext, organization_slug: str) -> bool:
    """True when the settings-lost-on-b defect drops this organization's blurScreenshots."""
    return ctx.has("settings-lost-on-b") and organization_slug == load_seed_file().tenants[1].slug


def apply_variants(names, target: FaultTarget) -> None:
    """Apply the database and tree variants among ``names``."""
    for name, inject in INJECTORS.items():
        if name in names:
            inject(target)


def org_missing_role(target: FaultTarget) -> None:
    role_id, organization_id = target.background_row(
        "SELECT r.id, r.organizationId FROM woc_roles r JOIN woc_organizations o ON o.id = r.organizationId"
        " WHERE o.slug NOT IN ({smoke}) AND r.`key` = 'MANAGER' ORDER BY o.slug LIMIT 1",
        "org-missing-role",
    )
    (member_role,) = target.rows(
        "SELECT id FROM woc_roles WHERE organizationId = %s AND `key` = 'MEMBER'", organization_id
    )[0]
    target.execute("UPDATE woc_users SET roleId = %s WHERE roleId = %s", member_role, role_id)
    target.execute("DELETE FROM woc_role_permissions WHERE roleId = %s", role_id)
    target.execute("DELETE FROM woc_roles WHERE id = %s", role_id)


def settings_row_out_of_range(target: FaultTarget) -> None:
    (settings_id,) = target.background_row(
        "SELECT s.id FROM woc_organization_settings s JOIN woc_organizations o ON o.id = s.organizationId"
        " WHERE o.slug NOT IN ({smoke}) ORDER BY o.slug LIMIT 1",
        "settings-row-out-of-range",
    )
    target.execute(
        "UPDATE woc_organization_settings SET screenshotIntervalMinutes = 0, updatedAt = %s WHERE id = %s",
        datetime.now(UTC).replace(tzinfo=None),
        settings_id,
    )


def settings_column_drift(target: FaultTarget) -> None:
    target.execute("ALTER TABLE woc_organization_settings MODIFY blurScreenshots BOOLEAN NULL DEFAULT false")
    target.execute("ALTER TABLE woc_organization_settings ALTER screenshotIntervalMinutes SET DEFAULT 0")


INSTANT_ADD_COLUMN = (
    "20250401090000_user_locale",
    "-- AlterTable\nALTER TABLE `woc_users` ADD COLUMN `locale` VARCHAR(16) NOT NULL DEFAULT 'en';\n",
)
SCHEMA_OBJECTS = (
    "20250313090000_reporting_objects",
    """-- CreateView
CREATE VIEW `woc_active_users` AS SELECT `id`, `organizationId`, `email` FROM `woc_users` WHERE `status` = 'ACTIVE';

-- CreateFunction
CREATE FUNCTION `woc_entry_minutes`(`startedAt` DATETIME(3), `endedAt` DATETIME(3)) RETURNS INTEGER DETERMINISTIC
RETURN TIMESTAMPDIFF(MINUTE, `startedAt`, COALESCE(`endedAt`, UTC_TIMESTAMP(3)));

-- CreateProcedure
CREATE PROCEDURE `woc_close_stale_entries`(IN `cutoff` DATETIME(3))
BEGIN
  UPDATE `woc_time_entries` SET `endedAt` = `cutoff` WHERE `endedAt` IS NULL AND `startedAt` < `cutoff`;
END;

-- CreateTrigger
CREATE TRIGGER `woc_projects_trim_name` BEFORE INSERT ON `woc_projects`
FOR EACH ROW SET NEW.`name` = TRIM(NEW.`name`);

-- CreateEvent
CREATE EVENT `woc_expire_invites` ON SCHEDULE EVERY 1 DAY
DO DELETE FROM `woc_invites` WHERE `acceptedAt` IS NULL AND `expiresAt` < UTC_TIMESTAMP(3);
""",
)


def instant_add_column(target: FaultTarget) -> None:
    target.add_migration(*INSTANT_ADD_COLUMN)
    target.edit_schema(
        r"(model User \{[^}]*?createdAt[^\n]*)",
        r'\1\n  locale          String     @default("en") @db.VarChar(16)',
        "the User field createdAt",
    )


def schema_objects(target: FaultTarget) -> None:
    target.apply_migration(*SCHEMA_OBJECTS)
    # Prisma applies migrations as the application's account, which then owns the routines and may read their
    # bodies; here root applied them, so the account is let read routine bodies as their owner could.
    (version,) = target.rows("SELECT VERSION()")[0]
    for user, host in target.rows("SELECT User, Host FROM mysql.db WHERE Db = DATABASE() AND User <> 'root'"):
        grant = "SELECT ON mysql.proc" if "MariaDB" in version else "SHOW_ROUTINE ON *.*"
        target.execute(f"GRANT {grant} TO %s@%s", user, host)


def runtime_sql_union_table(target: FaultTarget) -> None:
    add_reports_service(target.tree, ("woc_time_entries", "woc_adhoc_requests"))


INJECTORS = {
    "org-missing-role": org_missing_role,
    "settings-row-out-of-range": settings_row_out_of_range,
    "settings-column-drift": settings_column_drift,
    "instant-add-column": instant_add_column,
    "schema-objects": schema_objects,
    "runtime-sql-union-table": runtime_sql_union_table,
}
