"""The faults of the database, tree, storage and env layers: each probe sees its defect with the fault, not without.

Both stacks are served over TLS, so that ``plain-http`` has something to undo.
"""

import hashlib
import re
import ssl
import tomllib

import httpx
import pytest

from woc_gate.sandbox.fault_injection import INJECTORS
from woc_gate.sandbox.stack import REFERENCE_TREE
from woc_gate.sources.shared import load_shared

SHARED = load_shared(REFERENCE_TREE / "packages" / "shared")
STACK_FAULTS = (*INJECTORS, "email-provider-optional", "plain-http", "weak-secrets")  # the others are the apps'
MIGRATIONS = "apps/web/prisma/migrations"
SCHEMA = "apps/web/prisma/schema.prisma"


def profile_env(sandbox):
    return tomllib.loads(sandbox.profile_path.read_text())["env"]


def stale_role_seed(sandbox, db_rows):
    slug = tomllib.loads(sandbox.profile_path.read_text())["smoke"]["a"]["organization"]
    granted = db_rows(
        sandbox,
        "SELECT p.`key` FROM woc_role_permissions rp JOIN woc_roles r ON r.id = rp.roleId"
        " JOIN woc_organizations o ON o.id = r.organizationId JOIN woc_permissions p ON p.id = rp.permissionId"
        " WHERE o.slug = %s AND r.`key` = 'MANAGER'",
        slug,
    )
    return set(SHARED.constant("ROLE_DEFAULT_PERMISSIONS")["MANAGER"]) - {key for (key,) in granted} != set()


def unknown_permission_row(sandbox, db_rows):
    keys = {key for (key,) in db_rows(sandbox, "SELECT `key` FROM woc_permissions")}
    return keys - set(SHARED.constant("PERMISSIONS")) != set()


def duplicate_permission_key(sandbox, db_rows):
    return db_rows(sandbox, "SELECT `key` FROM woc_permissions GROUP BY `key` HAVING COUNT(*) > 1") != []


def missing_settings_row(sandbox, db_rows):
    return db_rows(
        sandbox,
        "SELECT COUNT(*) FROM woc_organizations o LEFT JOIN woc_organization_settings s ON s.organizationId = o.id"
        " WHERE o.status = 'ACTIVE' AND s.id IS NULL",
    ) != [(0,)]


def legacy_table(sandbox, db_rows):
    tables = db_rows(sandbox, "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()")
    return ("users",) in tables and db_rows(sandbox, "SELECT COUNT(*) FROM users")[0][0] > 0


def failed_migration(sandbox, db_rows):
    failed = db_rows(
        sandbox, "SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NULL AND rolled_back_at IS NULL"
    )
    return any((sandbox.ctx.repo / MIGRATIONS / name).is_dir() for (name,) in failed)


def edited_migration(sandbox, db_rows):
    applied = db_rows(sandbox, "SELECT migration_name, checksum FROM _prisma_migrations WHERE finished_at IS NOT NULL")
    for name, checksum in applied:
        script = (sandbox.ctx.repo / MIGRATIONS / name / "migration.sql").read_bytes()
        variants = {script, script.replace(b"\r\n", b"\n"), script.replace(b"\n", b"\r\n")}
        if checksum not in {hashlib.sha256(variant).hexdigest() for variant in variants}:
            return True
    return False


def pending_destructive_migration(sandbox, db_rows):
    applied = {name for (name,) in db_rows(sandbox, "SELECT migration_name FROM _prisma_migrations")}
    for folder in (sandbox.ctx.repo / MIGRATIONS).iterdir():
        if not folder.is_dir() or folder.name in applied:
            continue
        script = (folder / "migration.sql").read_text()
        for table, column in re.findall(r"ALTER TABLE `(\w+)` DROP COLUMN `(\w+)`", script):
            if db_rows(sandbox, f"SELECT COUNT(`{column}`) FROM `{table}`")[0][0] > 0:
                return True
    return False


def raw_sql_dropped_column(sandbox, db_rows):
    schema = (sandbox.ctx.repo / SCHEMA).read_text()
    model_columns = {}
    for body in re.findall(r"model \w+ \{(.*?)\n\}", schema, re.S):
        table = re.search(r'@@map\("(\w+)"\)', body).group(1)
        model_columns[table] = set(re.findall(r"^\s+(\w+)\s+[A-Z]", body, re.M))
    for source in (sandbox.ctx.repo / "apps" / "api" / "src").rglob("*.ts"):
        for table, columns in re.findall(r"INSERT INTO (\w+) \(([^)]*)\)", source.read_text()):
            if {column.strip() for column in columns.split(",")} - model_columns[table]:
                return True
    return False


def prisma_enum_drift(sandbox, db_rows):
    schema = (sandbox.ctx.repo / SCHEMA).read_text()
    values = re.search(r"enum RoleKey \{(.*?)\}", schema, re.S).group(1).split()
    return set(values) != set(SHARED.constant("ROLE_KEYS"))


def orphan_screenshot_object(sandbox, db_rows):
    keys = db_rows(sandbox, "SELECT objectKey FROM woc_screenshots")
    return not all((sandbox.ctx.storage_dir / key).is_file() for (key,) in keys)


def backup_drops_trigger(sandbox, db_rows):
    triggers = db_rows(
        sandbox, "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()"
    )
    backup_account = profile_env(sandbox)["DATABASE_URL"].startswith(f"mysql://{sandbox.ctx.db.user}_backup:")
    return ("woc_screenshots_size_guard",) in triggers and backup_account


def runtime_sql_union_missing_table(sandbox, db_rows):
    service = sandbox.ctx.repo / "apps/api/src/reports/reports.service.ts"
    return service.is_file() and "'woc_time_entries_archive'" in service.read_text()


def email_provider_optional(sandbox, db_rows):
    env = profile_env(sandbox)
    return env["EMAIL_REQUIRE_PROVIDER"] == "false" and env["RESEND_API_KEY"] == ""


def plain_http(sandbox, db_rows):
    env = profile_env(sandbox)
    urls = [env["NEXTAUTH_URL"] + "/api/health", env["API_BASE_URL"] + "/health"]
    return all(url.startswith("http://") and httpx.get(url).status_code == 200 for url in urls)


def weak_secrets(sandbox, db_rows):
    env = profile_env(sandbox)
    return env["NEXTAUTH_SECRET"] == env["JWT_SECRET"] and len(env["NEXTAUTH_SECRET"]) < 32


PROBES = {name: globals()[name.replace("-", "_")] for name in STACK_FAULTS}


def test_every_stack_layer_fault_has_a_probe():
    assert set(PROBES) == set(STACK_FAULTS) and len(STACK_FAULTS) == 16


@pytest.mark.parametrize("fault", STACK_FAULTS)
def test_probe_sees_the_fault(dev_stack_factory, db_rows, fault):
    assert PROBES[fault](dev_stack_factory(STACK_FAULTS, tls=True), db_rows)


@pytest.mark.parametrize("fault", STACK_FAULTS)
def test_probe_is_clean_without_the_fault(dev_stack_factory, db_rows, fault):
    assert not PROBES[fault](dev_stack_factory(tls=True), db_rows)


def test_a_tls_stack_serves_every_endpoint_over_https_signed_by_its_ca(dev_stack_factory):
    sandbox = dev_stack_factory(tls=True)
    ctx = sandbox.ctx
    profile = tomllib.loads(sandbox.profile_path.read_text())
    assert profile["ca_bundle"] == ctx.ca_bundle
    for url in (ctx.web_base_url + "/api/health", ctx.api_base_url + "/health"):
        assert url.startswith("https://127.0.0.1:")
        assert httpx.get(url, verify=ssl.create_default_context(cafile=ctx.ca_bundle)).status_code == 200
    assert ctx.mail_base_url.startswith("https://")
    with pytest.raises(httpx.ConnectError):
        httpx.get(ctx.api_base_url + "/health")  # not trusted without the CA


def test_plain_http_leaves_the_mail_capture_on_tls(dev_stack_factory):
    ctx = dev_stack_factory(STACK_FAULTS, tls=True).ctx
    assert ctx.mail_base_url.startswith("https://") and ctx.ca_bundle


def test_tree_faults_edit_only_the_stacks_copy(dev_stack_factory):
    sandbox = dev_stack_factory(STACK_FAULTS, tls=True)
    assert sandbox.ctx.repo == sandbox.state_dir / "workonclock"
    assert "AUDITOR" in (sandbox.ctx.repo / SCHEMA).read_text()
    assert "AUDITOR" not in (REFERENCE_TREE / SCHEMA).read_text()
