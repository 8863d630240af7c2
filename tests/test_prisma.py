"""woc_gate.sources.prisma against the reference tree and small schemas of tests/data."""

import hashlib
import subprocess
from pathlib import Path

import pytest

from woc_gate.errors import SourceError
from woc_gate.sources.prisma import (
    DefaultFunction,
    Index,
    checksum_variants,
    list_migrations,
    load_datamodel,
    migration_checksum,
)

ROOT = Path(__file__).resolve().parents[1]
FIXTURE_PRISMA = ROOT / "fixtures" / "workonclock" / "apps" / "web" / "prisma"
DATA = Path(__file__).parent / "data"
MAPPED_SCHEMA = DATA / "prisma_mapped" / "schema.prisma"
BROKEN_SCHEMA = DATA / "prisma_syntax_error" / "schema.prisma"


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("node-cache")


@pytest.fixture(scope="module")
def reference(cache_dir):
    return load_datamodel(FIXTURE_PRISMA / "schema.prisma", cache_dir=cache_dir)


@pytest.fixture(scope="module")
def mapped(cache_dir):
    return load_datamodel(MAPPED_SCHEMA, cache_dir=cache_dir)


def test_reference_tables_come_from_map(reference):
    assert reference.tables == (
        "woc_organizations",
        "woc_users",
        "woc_roles",
        "woc_permissions",
        "woc_role_permissions",
        "woc_projects",
        "woc_time_entries",
        "woc_screenshots",
        "woc_organization_settings",
        "woc_invites",
        "woc_adhoc_requests",
        "woc_password_resets",
        "woc_contact_messages",
    )
    assert reference.model_for_table("woc_role_permissions").name == "RolePermission"


def test_table_without_model_has_none(reference):
    assert reference.model_for_table("users") is None


def test_reference_role_key_enum(reference):
    assert reference.enum("RoleKey").values == ("OWNER", "ADMIN", "MANAGER", "MEMBER")


def test_reference_composite_primary_key(reference):
    assert reference.model("RolePermission").primary_key == ("roleId", "permissionId")


def test_column_names_come_from_map(mapped):
    role = mapped.model("Role")
    assert role.columns == ("id", "organization_id", "key")
    assert role.field_for_column("organization_id").name == "organizationId"
    assert mapped.model("Organization").field("createdAt").column == "created_at"


def test_model_without_map_keeps_its_name_as_table(mapped):
    assert mapped.model("Grant").table == "Grant"


def test_relation_field_has_no_column(mapped):
    relation = mapped.model("Role").field("organization")
    assert (relation.kind, relation.column, relation.relation_from_fields) == ("object", None, ("organizationId",))


def test_field_shapes(mapped):
    organization = mapped.model("Organization")
    slug = organization.field("slug")
    key = mapped.model("Role").field("key")
    assert (slug.type, slug.is_unique, slug.native_type) == ("String", True, ("VarChar", ("191",)))
    assert (key.kind, key.type, key.default) == ("enum", "RoleKey", "MEMBER")
    assert organization.field("createdAt").default == DefaultFunction("now")
    assert organization.field("id").is_id


def test_enum_db_values_come_from_map(mapped):
    role_key = mapped.enum("RoleKey")
    assert (role_key.values, role_key.db_values) == (("OWNER", "MEMBER"), ("OWNER", "member"))


def test_indexes(mapped):
    assert mapped.indexes_of("Role") == (
        Index(model="Role", type="id", fields=("id",), name=None, db_name=None),
        Index(model="Role", type="normal", fields=("organizationId",), name=None, db_name=None),
        Index(model="Role", type="unique", fields=("organizationId", "key"), name=None, db_name="woc_roles_org_key"),
    )


def test_unknown_model_names_the_known_ones(mapped):
    with pytest.raises(SourceError) as raised:
        mapped.model("User")
    assert str(raised.value) == f"{MAPPED_SCHEMA} has no model User; known: Organization, Role, Grant"


def test_unknown_column_names_the_known_ones(mapped):
    with pytest.raises(SourceError) as raised:
        mapped.model("Role").field_for_column("organizationId")
    assert str(raised.value) == "model Role has no column organizationId; known: id, organization_id, key"


def test_prisma_syntax_error_names_file_and_line(cache_dir):
    with pytest.raises(SourceError) as raised:
        load_datamodel(BROKEN_SCHEMA, cache_dir=cache_dir)
    assert str(raised.value) == (
        f"{BROKEN_SCHEMA}:8: Prisma schema error: "
        'Type "Strng" is neither a built-in type, nor refers to another model, composite type, or enum.'
    )


def test_missing_schema_is_refused(tmp_path):
    with pytest.raises(SourceError) as raised:
        load_datamodel(tmp_path / "schema.prisma")
    assert str(raised.value) == (
        f"{tmp_path}/schema.prisma not found; point woc-gate at the schema.prisma of a WorkOnClock checkout"
    )


def test_second_load_runs_no_node(tmp_path):
    scripts = []

    def runner(command, **options):
        scripts.append(Path(command[1]).name)
        return subprocess.run(command, **options)

    first = load_datamodel(MAPPED_SCHEMA, cache_dir=tmp_path, runner=runner)
    second = load_datamodel(MAPPED_SCHEMA, cache_dir=tmp_path, runner=runner)
    assert scripts == ["dmmf.mjs"]
    assert first == second
    moved = tmp_path / "elsewhere" / "schema.prisma"
    moved.parent.mkdir()
    moved.write_bytes(MAPPED_SCHEMA.read_bytes())
    third = load_datamodel(moved, cache_dir=tmp_path, runner=runner)
    assert scripts == ["dmmf.mjs"]
    assert (third.schema_path, third.models) == (moved, first.models)


def test_reference_migrations_in_folder_order():
    names = [migration.name for migration in list_migrations(FIXTURE_PRISMA / "migrations")]
    assert names == [
        "20250106090000_init",
        "20250120090000_projects_time_entries",
        "20250203090000_screenshots",
        "20250217090000_organization_settings",
        "20250303090000_invites_adhoc_resets_contact",
    ]


def test_checksum_is_sha256_of_the_file():
    for migration in list_migrations(FIXTURE_PRISMA / "migrations"):
        assert migration.sql_path == migration.directory / "migration.sql"
        assert migration.checksum == hashlib.sha256(migration.sql_path.read_bytes()).hexdigest()


def test_listing_skips_lock_file_and_plain_files(tmp_path):
    for name in ("20250102000000_second", "20250101000000_first"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "migration.sql").write_bytes(f"-- {name}\n".encode())
    (tmp_path / "migration_lock.toml").write_text('provider = "mysql"\n')
    (tmp_path / "README.md").write_text("notes\n")
    migrations = list_migrations(tmp_path)
    assert [(m.name, m.checksum) for m in migrations] == [
        ("20250101000000_first", migration_checksum(b"-- 20250101000000_first\n")),
        ("20250102000000_second", migration_checksum(b"-- 20250102000000_second\n")),
    ]


def test_folder_without_script_is_refused(tmp_path):
    (tmp_path / "20250101000000_empty").mkdir()
    with pytest.raises(SourceError) as raised:
        list_migrations(tmp_path)
    assert str(raised.value) == (
        f"{tmp_path}/20250101000000_empty/migration.sql cannot be read (No such file or directory); "
        "every migration folder needs its migration.sql"
    )


def test_absent_migrations_dir_lists_none_as_prisma_does(tmp_path):
    assert list_migrations(tmp_path / "migrations") == []


def test_checksum_of_known_bytes():
    assert migration_checksum(b"hello") == "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"


def test_checksum_variants_of_lf_script():
    assert checksum_variants(b"a;\nb;\n") == (migration_checksum(b"a;\nb;\n"), migration_checksum(b"a;\r\nb;\r\n"))


def test_checksum_variants_of_crlf_script():
    assert checksum_variants(b"a;\r\nb;\r\n") == (
        migration_checksum(b"a;\r\nb;\r\n"),
        migration_checksum(b"a;\nb;\n"),
        migration_checksum(b"a;\r\r\nb;\r\r\n"),
    )
