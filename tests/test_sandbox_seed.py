"""The sandbox database as built: Prisma's migration records, the seed against the shared package and seed.toml."""

import functools
import hashlib
import io
import math
import re
import tomllib
from collections import defaultdict

import pytest
from PIL import Image, ImageChops, ImageStat
from sandbox_clients import database

from woc_gate.errors import SandboxError
from woc_gate.sandbox import bulkload, images, seed
from woc_gate.sandbox.bulkload import Table
from woc_gate.sandbox.passwords import verify_password
from woc_gate.sandbox.seeddata import SCALE_HISTORY, SCALE_SCREENSHOTS_PER_ENTRY, generate
from woc_gate.sandbox.seedfile import load_seed_file
from woc_gate.sandbox.stack import REFERENCE_TREE
from woc_gate.sources.shared import load_shared

MIGRATIONS_DIR = REFERENCE_TREE / "apps" / "web" / "prisma" / "migrations"
SHARED = load_shared(REFERENCE_TREE / "packages" / "shared")
SEED = tomllib.loads((REFERENCE_TREE.parent / "data" / "seed.toml").read_text())
BACKGROUND = SEED["background"]
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
CUID = re.compile(r"^c[0-9a-z]{24}$")
PRISMA_MIGRATIONS_COLUMNS = [
    ("id", "varchar(36)", "NO", None),
    ("checksum", "varchar(64)", "NO", None),
    ("finished_at", "datetime(3)", "YES", "NULL"),
    ("migration_name", "varchar(255)", "NO", None),
    ("logs", "text", "YES", "NULL"),
    ("rolled_back_at", "datetime(3)", "YES", "NULL"),
    ("started_at", "datetime(3)", "NO", "current_timestamp(3)"),
    ("applied_steps_count", "int(10) unsigned", "NO", "0"),
]


@pytest.fixture(scope="module")
def sandbox(dev_stack_factory):
    # a stack of this module's own (seed 0 spelled out makes it one): other modules write to the shared clean
    # stack (uploads, policy changes), and these tests read the seed exactly as it was written
    return dev_stack_factory(seed=0)


def test_prisma_migrations_table_has_prismas_columns(sandbox, db_rows):
    columns = db_rows(
        sandbox,
        "SELECT column_name, column_type, is_nullable, column_default FROM information_schema.columns"
        " WHERE table_schema = DATABASE() AND table_name = '_prisma_migrations' ORDER BY ordinal_position",
    )
    assert columns == PRISMA_MIGRATIONS_COLUMNS
    assert db_rows(
        sandbox,
        "SELECT column_name FROM information_schema.key_column_usage WHERE table_schema = DATABASE()"
        " AND table_name = '_prisma_migrations' AND constraint_name = 'PRIMARY'",
    ) == [("id",)]


def test_one_finished_row_per_migration_with_the_sha256_of_its_script(sandbox, db_rows):
    rows = db_rows(
        sandbox,
        "SELECT id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count"
        " FROM _prisma_migrations ORDER BY started_at, migration_name",
    )
    folders = sorted(path for path in MIGRATIONS_DIR.iterdir() if path.is_dir())
    assert [row[3] for row in rows] == [folder.name for folder in folders]
    for row, folder in zip(rows, folders, strict=True):
        row_id, checksum, finished_at, _, logs, rolled_back_at, started_at, steps = row
        assert UUID4.match(row_id)
        assert checksum == hashlib.sha256((folder / "migration.sql").read_bytes()).hexdigest()
        assert finished_at is not None and finished_at >= started_at
        assert (logs, rolled_back_at, steps) == (None, None, 1)


def test_permissions_are_the_shared_list(sandbox, db_rows):
    rows = db_rows(sandbox, "SELECT `key`, description FROM woc_permissions ORDER BY `key`")
    assert [key for key, _ in rows] == sorted(SHARED.constant("PERMISSIONS"))
    assert ("time.read_all", "read all time") in rows


def test_every_organization_has_the_four_roles_with_the_shared_defaults(sandbox, db_rows):
    grants = defaultdict(lambda: defaultdict(set))
    for slug, role, permission in db_rows(
        sandbox,
        "SELECT o.slug, r.`key`, p.`key` FROM woc_organizations o JOIN woc_roles r ON r.organizationId = o.id"
        " LEFT JOIN woc_role_permissions rp ON rp.roleId = r.id LEFT JOIN woc_permissions p ON p.id = rp.permissionId",
    ):
        grants[slug][role].add(permission)
    expected = {role: set(keys) for role, keys in SHARED.constant("ROLE_DEFAULT_PERMISSIONS").items()}
    assert len(grants) == len(SEED["tenant"]) + BACKGROUND["tenants"]
    for slug, roles in grants.items():
        assert roles == expected, slug


@pytest.mark.parametrize("tenant", SEED["tenant"], ids=lambda tenant: tenant["key"])
def test_smoke_tenant_matches_the_seed_file(sandbox, db_rows, tenant):
    [(org_id, name, status)] = db_rows(
        sandbox, "SELECT id, name, status FROM woc_organizations WHERE slug = %s", tenant["slug"]
    )
    assert (name, status) == (tenant["name"], "ACTIVE")
    users = db_rows(
        sandbox,
        "SELECT u.email, u.name, r.`key`, u.passwordHash, u.status, u.emailVerifiedAt IS NOT NULL FROM woc_users u"
        " JOIN woc_roles r ON r.id = u.roleId WHERE u.organizationId = %s ORDER BY u.email",
        org_id,
    )
    accounts = sorted(tenant["account"], key=lambda account: account["email"])
    assert [(u[0], u[1], u[2], u[4], u[5]) for u in users] == [
        (a["email"], a["name"], a["role"], "ACTIVE", 1) for a in accounts
    ]
    assert all(verify_password(a["password"], u[3]) for a, u in zip(accounts, users, strict=True))
    projects = db_rows(sandbox, "SELECT name FROM woc_projects WHERE organizationId = %s ORDER BY name", org_id)
    assert [name for (name,) in projects] == sorted(tenant["projects"])
    policy = tenant["policy"]
    settings = db_rows(
        sandbox, f"SELECT {', '.join(policy)} FROM woc_organization_settings WHERE organizationId = %s", org_id
    )
    assert settings == [tuple(int(value) for value in policy.values())]


def test_background_tenants_have_the_seed_files_volume(sandbox, db_rows):
    counts = db_rows(
        sandbox,
        "SELECT o.slug, (SELECT COUNT(*) FROM woc_users WHERE organizationId = o.id),"
        " (SELECT COUNT(*) FROM woc_projects WHERE organizationId = o.id),"
        " (SELECT COUNT(*) FROM woc_time_entries WHERE organizationId = o.id),"
        " (SELECT COUNT(*) FROM woc_screenshots WHERE organizationId = o.id),"
        " (SELECT screenshotIntervalMinutes FROM woc_organization_settings WHERE organizationId = o.id)"
        " FROM woc_organizations o WHERE o.slug LIKE 'background-%%' ORDER BY o.slug",
    )
    users, entries = (
        BACKGROUND["users_per_tenant"],
        BACKGROUND["users_per_tenant"] * BACKGROUND["time_entries_per_user"],
    )
    expected = (
        users,
        BACKGROUND["projects_per_tenant"],
        entries,
        entries * BACKGROUND["screenshots_per_time_entry"],
        10,
    )
    assert counts == [(f"background-{n:02d}", *expected) for n in range(1, BACKGROUND["tenants"] + 1)]


def test_every_time_entry_is_closed(sandbox, db_rows):
    assert db_rows(sandbox, "SELECT COUNT(*) FROM woc_time_entries WHERE endedAt IS NULL OR endedAt <= startedAt") == [
        (0,)
    ]
    assert db_rows(sandbox, "SELECT COUNT(*) FROM woc_time_entries")[0][0] > 0


def test_every_screenshot_object_is_a_png_of_the_recorded_shape(sandbox, db_rows):
    rows = db_rows(sandbox, "SELECT objectKey, width, height, sizeBytes FROM woc_screenshots")
    assert rows
    storage = sandbox.ctx.storage_dir
    for key, width, height, size in rows:
        data = (storage / key).read_bytes()
        assert (len(data), Image.open(io.BytesIO(data)).size) == (size, (width, height)), key


def test_smoke_screenshots_are_distinct_and_blurred_as_their_policy_says(sandbox, db_rows):
    for tenant in SEED["tenant"]:
        rows = db_rows(
            sandbox,
            "SELECT s.objectKey, s.blurred FROM woc_screenshots s JOIN woc_organizations o ON o.id = s.organizationId"
            " WHERE o.slug = %s",
            tenant["slug"],
        )
        assert {blurred for _, blurred in rows} == {int(tenant["policy"]["blurScreenshots"])}
        digests = {hashlib.sha256((sandbox.ctx.storage_dir / key).read_bytes()).digest() for key, _ in rows}
        assert len(digests) == len(rows)


def test_a_blurred_screenshot_measurably_differs():
    sharp = Image.open(io.BytesIO(images.screenshot_png("Acme", 7, blurred=False)))
    blurred = Image.open(io.BytesIO(images.screenshot_png("Acme", 7, blurred=True)))
    assert max(ImageStat.Stat(ImageChops.difference(sharp, blurred)).mean) > 2


def generate_in_memory(scale=0, seed_number=0):
    """Every row and object key the seed generates, in memory."""
    rows = defaultdict(list)

    class Sink(list):
        add = list.append

    class Objects:
        def write(self, key, data=None):
            rows["objects"].append(key)

        def write_placeholder(self, key, variant):
            rows["objects"].append(key)

    sinks = defaultdict(Sink)
    plan = seed.build_plan(REFERENCE_TREE / "packages" / "shared", scale=scale, seed=seed_number, anchor=1_750_000_000)
    summary = generate(plan, sinks, Objects())
    for table, sink in sinks.items():
        rows[table.name].extend(sink)
    return rows, summary


generated = functools.cache(generate_in_memory)


def test_the_same_seed_gives_the_same_rows():
    first, _ = generated(seed_number=5)
    second, _ = generate_in_memory(seed_number=5)
    assert first == second
    assert all(CUID.match(row[0]) for row in first["woc_time_entries"])


def test_another_seed_gives_other_ids():
    first, _ = generated(seed_number=5)
    other, _ = generated(seed_number=6)
    assert {row[0] for row in first["woc_users"]}.isdisjoint(row[0] for row in other["woc_users"])


def test_scale_adds_organizations_with_proportional_volume():
    base, _ = generated()
    scaled, summary = generated(scale=2)
    users, per_user = BACKGROUND["users_per_tenant"], BACKGROUND["time_entries_per_user"]
    shots = BACKGROUND["screenshots_per_time_entry"]
    kept = math.ceil(per_user * SCALE_HISTORY * SCALE_SCREENSHOTS_PER_ENTRY / shots)  # newest entries with shots
    added = {
        name: len(scaled[name]) - len(base[name])
        for name in ("woc_organizations", "woc_users", "woc_time_entries", "woc_screenshots")
    }
    assert added == {
        "woc_organizations": 2,
        "woc_users": 2 * users,
        "woc_time_entries": 2 * users * per_user * SCALE_HISTORY,
        "woc_screenshots": 2 * users * kept * shots,
    }
    assert 0.1 <= added["woc_screenshots"] / added["woc_time_entries"] < 0.11  # the product's ratio
    assert {"scale-00001", "scale-00002"} <= set(summary.organizations)


def test_both_bulk_loaders_store_the_same_rows(sandbox, tmp_path, monkeypatch):
    monkeypatch.setattr(bulkload, "CHUNK_ROWS", 1000)  # several files, loaded while the rows are made
    table = Table("bulk_probe", ("id", "label", "at"), frozenset({"at"}))
    rows = [(f"r{n:04d}", f"label {n}", 1_750_000_000 + n) for n in range(2500)] + [("rnull", None, None)]

    def produce(sinks):
        for row in rows:
            sinks[table].add(row)
        return "produced"

    def by_file(connection):
        assert bulkload.load_rows(connection, [table], tmp_path, produce) == "produced"

    def by_insert(connection):
        assert bulkload.prepare_session(connection)
        sink = bulkload.InsertSink(connection, table)
        for row in rows:
            sink.add(row)
        assert sink.flush() == len(rows)

    stored = []
    for load in (by_file, by_insert):
        connection = database(sandbox.ctx, local_infile=True)
        with connection, connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMPORARY TABLE bulk_probe (id VARCHAR(10) PRIMARY KEY, label TEXT NULL, at DATETIME(3) NULL)"
            )
            load(connection)
            cursor.execute("SELECT id, label, UNIX_TIMESTAMP(at) FROM bulk_probe ORDER BY id")
            stored.append([(i, label, None if at is None else int(at)) for i, label, at in cursor.fetchall()])
    assert stored[0] == stored[1] == sorted(rows)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[tenant]]\nkey = 'a'\n", "{path}: [[tenant]] 1 has no OWNER, ADMIN, MEMBER account; add one"),
        ("", "{path}: needs at least two [[tenant]] entries with distinct keys"),
        ("tenant = 3\n", "{path}: tenant must be an array of tables ([[tenant]])"),
    ],
)
def test_a_malformed_seed_file_is_one_clear_error(tmp_path, text, message):
    path = tmp_path / "seed.toml"
    path.write_text(text)
    with pytest.raises(SandboxError) as error:
        load_seed_file(path)
    assert str(error.value) == "seed file " + message.format(path=path)


def test_a_policy_outside_the_shared_type_is_refused(tmp_path):
    path = tmp_path / "seed.toml"
    source = (REFERENCE_TREE.parent / "data" / "seed.toml").read_text()
    path.write_text(source.replace("screenshotIntervalMinutes = 5", "screenshotIntervalMinutes = 0"))
    with pytest.raises(SandboxError) as error:
        seed.build_plan(REFERENCE_TREE / "packages" / "shared", seed_path=path)
    assert str(error.value) == (
        f"seed file {path}: tenant b policy does not match the shared TrackingPolicy: 0 is less than the minimum of 1"
    )
