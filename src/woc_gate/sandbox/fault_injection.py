"""The faults whose defect lives in the database, the source tree or the storage, applied to a fresh stack.

Each is applied on the stack's own copies (the database copied from the template, the tree copy,
the storage copy) and breaks one thing. The faults of the apps and the settings live elsewhere.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pymysql

from woc_gate.errors import SandboxError
from woc_gate.sandbox import variants
from woc_gate.sandbox.environment import BACKUP_SUFFIX
from woc_gate.sandbox.faults import OPTIONAL_FIELD_NAMES
from woc_gate.sandbox.runtime_source import add_reports_service
from woc_gate.sources.prisma import MIGRATION_SCRIPT, Migration, list_migrations, migration_checksum
from woc_gate.target import migrate

MIGRATIONS = Path("apps/web/prisma/migrations")
SCHEMA = Path("apps/web/prisma/schema.prisma")
UNKNOWN_PERMISSION = ("legacy.export_all", "export all legacy")
DUPLICATED_PERMISSION = ("cdupkey0000000000000000001", "users.read", "woc_permissions_key_key")
DRIFTED_ROLE = "AUDITOR"
LEGACY_USERS_DDL = """\
CREATE TABLE `users` (
    `id` VARCHAR(191) NOT NULL,
    `email` VARCHAR(191) NOT NULL,
    `name` VARCHAR(191) NULL,
    `password` VARCHAR(191) NULL,
    `lastLoginAt` DATETIME(3) NULL,
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    UNIQUE INDEX `users_email_key`(`email`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"""
# Migrations the tree faults add, named to sort after the reference ones in the order Prisma would meet them.
DROPPED_COLUMN_MIGRATION = (
    "20250310090000_drop_time_entry_created_at",
    "-- AlterTable\nALTER TABLE `woc_time_entries` DROP COLUMN `createdAt`;\n",
)
FAILED_MIGRATION = (
    "20250317090000_project_colors",
    "-- AlterTable\nALTER TABLE `woc_projects` ADD COLUMN `color` VARCHAR(191) NULL;\n",
)
FAILED_MIGRATION_LOGS = migrate.failure_logs(
    FAILED_MIGRATION[0], 1205, "Lock wait timeout exceeded; try restarting transaction", 1
)
DESTRUCTIVE_MIGRATION = (
    "20250324090000_drop_email_verified_at",
    "/*\n  Warnings:\n\n  - You are about to drop the column `emailVerifiedAt` on the `woc_users` table."
    " All the data in the column will be lost.\n\n*/\n"
    "-- AlterTable\nALTER TABLE `woc_users` DROP COLUMN `emailVerifiedAt`;\n",
)
SIZE_GUARD_MIGRATION = (
    "20250312090000_screenshot_size_guard",
    "-- CreateTrigger\nCREATE TRIGGER `woc_screenshots_size_guard` BEFORE INSERT ON `woc_screenshots`\n"
    "FOR EACH ROW SET NEW.`sizeBytes` = GREATEST(NEW.`sizeBytes`, 0);\n",
)
BACKUP_GRANTS = "SELECT, SHOW VIEW, EVENT, LOCK TABLES"  # a backup account as guides grant it, TRIGGER forgotten
OPTIONAL_FIELD_TS = """
  /**
   * JPEG quality of uploaded screenshots.
   *
   * @minimum 10
   * @maximum 100
   * @default 80
   * @asType integer
   */
  screenshotQuality?: number;"""
OPTIONAL_FIELD_MIGRATION = (
    "20250401090000_screenshot_quality",
    "-- AlterTable\n"
    "ALTER TABLE `woc_organization_settings` ADD COLUMN `screenshotQuality` INTEGER NOT NULL DEFAULT 80;\n",
)
SHARED_POLICY = Path("packages/shared/src/policy.ts")
EDIT_TO_APPLIED_MIGRATION = "\n-- CreateIndex\nCREATE INDEX `woc_roles_name_idx` ON `woc_roles`(`name`);\n"


@dataclass(frozen=True)
class FaultTarget:
    """What the faults change: the stack's database (an admin connection on it), tree copy and storage."""

    db: pymysql.Connection  # opened with migrate.MULTI_STATEMENTS
    tree: Path
    storage: Path
    smoke_slugs: tuple[str, ...]  # the smoke tenants, in seed-file order

    def rows(self, query: str, *args) -> list[tuple]:
        """The rows of one query."""
        with self.db.cursor() as cursor:
            cursor.execute(query, args)
            return list(cursor.fetchall())

    def execute(self, query: str, *args) -> None:
        """Run one statement."""
        with self.db.cursor() as cursor:
            cursor.execute(query, args)

    def add_migration(self, name: str, script: str) -> Path:
        """Add a migration folder to the tree copy (pending); its ``migration.sql``."""
        folder = self.tree / MIGRATIONS / name
        folder.mkdir(parents=True)
        sql_path = folder / MIGRATION_SCRIPT
        sql_path.write_text(script)
        return sql_path

    def apply_migration(self, name: str, script: str) -> None:
        """Add a migration folder to the tree copy and apply it, recorded as Prisma records it."""
        sql_path = self.add_migration(name, script)
        migrate.apply(self.db, Migration(name, sql_path.parent, sql_path, migration_checksum(sql_path.read_bytes())))

    def edit_schema(self, pattern: str, replacement: str, what: str) -> None:
        """Change the tree copy's ``schema.prisma`` once; a ``SandboxError`` when ``pattern`` finds nothing."""
        schema = self.tree / SCHEMA
        text = schema.read_text()
        edited, count = re.subn(pattern, replacement, text, count=1)
        if count == 0:
            raise SandboxError(f"{schema} has no {what} for the fault to change")
        schema.write_text(edited)

    def background_row(self, query: str, fault: str) -> tuple:
        """The first row of ``query`` (with ``{smoke}`` placeholders) for an organization that is not a smoke tenant."""
        placeholders = ", ".join(["%s"] * len(self.smoke_slugs))
        rows = self.rows(query.format(smoke=placeholders), *self.smoke_slugs)
        if not rows:
            raise SandboxError(
                f"fault {fault} needs a background organization; set [background] tenants above 0 in the seed file"
            )
        return rows[0]


def apply_faults(names, target: FaultTarget) -> None:
    """Apply every database, tree and storage fault among ``names`` (others are left to the apps and settings)."""
    for name, inject in INJECTORS.items():
        if name in names:
            inject(target)
    if any(name in names for name in OPTIONAL_FIELD_NAMES):
        optional_policy_field(target)
    variants.apply_variants(names, target)


def stale_role_seed(target: FaultTarget) -> None:
    role_id, permission_id = target.rows(
        "SELECT rp.roleId, rp.permissionId FROM woc_role_permissions rp"
        " JOIN woc_roles r ON r.id = rp.roleId JOIN woc_organizations o ON o.id = r.organizationId"
        " JOIN woc_permissions p ON p.id = rp.permissionId"
        " WHERE o.slug = %s AND r.`key` = 'MANAGER' ORDER BY p.`key` LIMIT 1",
        target.smoke_slugs[0],
    )[0]
    target.execute("DELETE FROM woc_role_permissions WHERE roleId = %s AND permissionId = %s", role_id, permission_id)


def unknown_permission_row(target: FaultTarget) -> None:
    target.execute(
        "INSERT INTO woc_permissions (id, `key`, description) VALUES (%s, %s, %s)",
        "clegacyexport0000000000001",
        *UNKNOWN_PERMISSION,
    )


def duplicate_permission_key(target: FaultTarget) -> None:
    row_id, key, unique_index = DUPLICATED_PERMISSION
    target.execute(f"ALTER TABLE woc_permissions DROP INDEX `{unique_index}`")
    target.execute(
        "INSERT INTO woc_permissions (id, `key`, description) SELECT %s, `key`, description FROM woc_permissions"
        " WHERE `key` = %s",
        row_id,
        key,
    )


def missing_settings_row(target: FaultTarget) -> None:
    (settings_id,) = target.background_row(
        "SELECT s.id FROM woc_organization_settings s JOIN woc_organizations o ON o.id = s.organizationId"
        " WHERE o.status = 'ACTIVE' AND o.slug NOT IN ({smoke}) ORDER BY o.slug LIMIT 1",
        "missing-settings-row",
    )
    target.execute("DELETE FROM woc_organization_settings WHERE id = %s", settings_id)


def legacy_table(target: FaultTarget) -> None:
    target.execute(LEGACY_USERS_DDL)
    target.execute(
        "INSERT INTO `users` (id, email, name, password, createdAt)"
        " SELECT id, email, name, passwordHash, createdAt FROM woc_users"
    )


def failed_migration(target: FaultTarget) -> None:
    name, script = FAILED_MIGRATION
    sql_path = target.add_migration(name, script)
    migrate.record_started(target.db, name, migration_checksum(sql_path.read_bytes()), FAILED_MIGRATION_LOGS)


def edited_migration(target: FaultTarget) -> None:
    applied = list_migrations(target.tree / MIGRATIONS)
    if not applied:
        raise SandboxError(f"fault edited-migration needs an applied migration in {target.tree / MIGRATIONS}")
    with open(applied[0].sql_path, "a") as script:
        script.write(EDIT_TO_APPLIED_MIGRATION)


def pending_destructive_migration(target: FaultTarget) -> None:
    target.add_migration(*DESTRUCTIVE_MIGRATION)
    target.edit_schema(r"\n\s*emailVerifiedAt\s+DateTime\?[^\n]*", "", "the User field emailVerifiedAt")


def raw_sql_dropped_column(target: FaultTarget) -> None:
    target.apply_migration(*DROPPED_COLUMN_MIGRATION)
    target.edit_schema(
        r"(model TimeEntry \{[^}]*?)\n\s*createdAt\s+DateTime[^\n]*",
        r"\1",
        "the TimeEntry field createdAt",
    )


def backup_drops_trigger(target: FaultTarget) -> None:
    target.apply_migration(*SIZE_GUARD_MIGRATION)
    # DATABASE_URL names a read-only backup account without TRIGGER (see environment.database_user): SHOW TRIGGERS
    # and information_schema hide the trigger from it, and mysqldump leaves it out without a word.
    (database,) = target.rows("SELECT DATABASE()")[0]
    user, host = target.rows(
        "SELECT User, Host FROM mysql.db WHERE Db = %s AND Insert_priv = 'Y' AND User <> 'root' ORDER BY User LIMIT 1",
        database,
    )[0]
    plugin, hashed = target.rows(
        "SELECT plugin, authentication_string FROM mysql.user WHERE User = %s AND Host = %s", user, host
    )[0]
    backup = user + BACKUP_SUFFIX  # logs in with the application account's password: only the user name changes
    target.execute(f"CREATE USER %s@%s IDENTIFIED WITH {plugin} AS %s", backup, host, hashed)
    target.execute(f"GRANT {BACKUP_GRANTS} ON `{database}`.* TO %s@%s", backup, host)


def runtime_sql_union_missing_table(target: FaultTarget) -> None:
    add_reports_service(target.tree, ("woc_time_entries", "woc_time_entries_archive"))


def prisma_enum_drift(target: FaultTarget) -> None:
    target.edit_schema(r"(enum RoleKey \{[^}]*?)(\n\})", rf"\1\n  {DRIFTED_ROLE}\2", "the enum RoleKey")


def orphan_screenshot_object(target: FaultTarget) -> None:
    (object_key,) = target.background_row(
        "SELECT s.objectKey FROM woc_screenshots s JOIN woc_organizations o ON o.id = s.organizationId"
        " WHERE o.slug NOT IN ({smoke}) ORDER BY s.id DESC LIMIT 1",
        "orphan-screenshot-object",
    )
    (target.storage / object_key).unlink()


def optional_policy_field(target: FaultTarget) -> None:
    """The shared TrackingPolicy, the Prisma model and the database gain screenshotQuality (optional, default 80)."""
    policy = target.tree / SHARED_POLICY
    text, count = re.subn(
        r"(?s)(export interface TrackingPolicy \{.*?)(\n\})", rf"\1\n{OPTIONAL_FIELD_TS}\2", policy.read_text()
    )
    if count != 1:
        raise SandboxError(f"{policy} has no interface TrackingPolicy for the fault to change")
    policy.write_text(text)
    target.edit_schema(
        r"(model OrganizationSettings \{[^}]*?\n  allowManualTime[^\n]*)",
        r"\1\n  screenshotQuality         Int      @default(80)",
        "the OrganizationSettings field allowManualTime",
    )
    target.apply_migration(*OPTIONAL_FIELD_MIGRATION)


INJECTORS: dict[str, Callable[[FaultTarget], None]] = {  # in the order they are applied
    "stale-role-seed": stale_role_seed,
    "unknown-permission-row": unknown_permission_row,
    "duplicate-permission-key": duplicate_permission_key,
    "missing-settings-row": missing_settings_row,
    "legacy-table": legacy_table,
    "raw-sql-dropped-column": raw_sql_dropped_column,
    "backup-drops-trigger": backup_drops_trigger,
    "runtime-sql-union-missing-table": runtime_sql_union_missing_table,
    "failed-migration": failed_migration,
    "edited-migration": edited_migration,
    "pending-destructive-migration": pending_destructive_migration,
    "prisma-enum-drift": prisma_enum_drift,
    "orphan-screenshot-object": orphan_screenshot_object,
}
