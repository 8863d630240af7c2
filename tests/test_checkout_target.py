"""``--woc-target=checkout``: the contracts against a throwaway database built from the checkout itself.

Each run starts a server on a copy of the cached template (the reference migrations, built once for the
session) and runs the tree's seed when its node modules are there (``seed_checkout``), in this process.
"""

from __future__ import annotations

import pytest
from gate_runs import ROOT, failing, items_by_id, run_gate_tests
from seed_checkout import (
    copy_tree,
    install_seed_runtime,
    seed_grants_without_a_default,
    seed_skips_an_organization,
    shared_permission_renamed,
)

pytestmark = pytest.mark.slow  # each test starts a throwaway server and applies the reference migrations

pytest_plugins = ["pytester"]

CONTRACTS = ROOT / "contracts"
SEED_FILES = [str(CONTRACTS / name) for name in ("test_permissions.py", "test_settings_rows.py")]
SEED_SOURCE = str(CONTRACTS / "test_seed_source.py")  # given by name, collected whatever its conftest says
SEED_TESTS = {
    "test_db_permission_keys_equal_shared_permissions",
    "test_every_organization_has_every_role_with_its_default_permissions",
    "test_catalogue_tables_hold_each_key_once",
    "test_every_organization_has_exactly_one_settings_row",
    "test_every_settings_row_is_a_valid_tracking_policy",
}
NEEDS_NO_SEED = {
    "test_settings_columns_nullability_and_defaults_agree_with_tracking_policy",
    "test_prisma_settings_fields_nullability_and_defaults_agree_with_tracking_policy",
    "test_prisma_role_key_enum_equals_shared_role_key",
    "test_settings_model_has_a_compatible_field_for_every_policy_field",
    "test_every_unique_key_the_prisma_schema_declares_is_enforced_by_the_database",
}
STATIC_TEST = "test_seed_source_grants_every_role_its_shared_default_permissions"


def run_checkout(pytester, tree, *paths: str):
    """The contracts (all, or those of ``paths``) against a database built from ``tree``."""
    return run_gate_tests(
        pytester, *(paths or [str(CONTRACTS)]), "-m", "contract", f"--woc-repo={tree}", "--woc-target=checkout", "-rs"
    )


def outcomes(record) -> dict[str, str]:
    """Each schema-contract test (name after the module, without parameters) and its outcome."""
    tests = items_by_id(record)["schema-contracts"]["tests"]
    return {test["nodeid"].split("::", 1)[1].split("[")[0]: test["outcome"] for test in tests}


@pytest.fixture(scope="module")
def seeded_tree(tmp_path_factory):
    """A copy of the reference tree with node modules that run its seed."""
    return install_seed_runtime(copy_tree(tmp_path_factory.mktemp("seeded") / "workonclock"))


def test_the_seeded_reference_tree_passes_every_contract_that_needs_no_api_or_web_app(pytester, seeded_tree):
    result, record = run_checkout(pytester, seeded_tree)
    passed = {name for name, outcome in outcomes(record).items() if outcome == "passed"}
    assert passed == SEED_TESTS | NEEDS_NO_SEED
    skipped = [line for line in result.outlines if line.startswith("SKIPPED")]
    assert skipped and all("API_BASE_URL" in line or "NEXTAUTH_URL" in line for line in skipped)
    assert result.ret == 0


@pytest.mark.parametrize(
    ("fault", "failed", "message"),
    [
        (
            seed_grants_without_a_default,
            {"test_every_organization_has_every_role_with_its_default_permissions"},
            "tenant woc-gate-scratch-active, role MANAGER: missing time.approve",
        ),
        (
            seed_skips_an_organization,
            {
                "test_every_organization_has_every_role_with_its_default_permissions",
                "test_every_organization_has_exactly_one_settings_row",
            },
            "woc-gate-scratch-suspended",
        ),
        (shared_permission_renamed, SEED_TESTS, "the checkout's seed (`tsx prisma/seed.ts` in "),
    ],
    ids=["role-missing-a-default-permission", "seed-skips-an-organization", "permission-key-renamed"],
)
def test_each_seed_fault_fails_the_seed_contracts(pytester, tmp_path, fault, failed, message):
    tree = fault(install_seed_runtime(copy_tree(tmp_path / "workonclock")))
    result, record = run_checkout(pytester, tree, *SEED_FILES)
    failures = failing(items_by_id(record)["schema-contracts"])
    assert {name.split("[")[0] for name in failures} == failed
    assert all(message in text for text in failures.values()), failures
    assert result.ret == 1


def test_without_node_modules_the_seed_contracts_skip_with_one_line_and_the_source_is_read(pytester):
    reference = ROOT / "fixtures" / "workonclock"
    result, record = run_checkout(pytester, reference, *SEED_FILES, SEED_SOURCE)
    line = f"the checkout's node modules are not installed: run `npm ci` in {reference} to run its seed"
    assert {name for name, outcome in outcomes(record).items() if outcome == "skipped"} == SEED_TESTS
    assert sum(line in text for text in result.outlines if text.startswith("SKIPPED")) == len(SEED_TESTS)
    assert outcomes(record)[STATIC_TEST] == "passed"
    header = f"woc-gate: target checkout: a throwaway database from the migrations of {reference}"
    assert f"{header}; its seed does not run: {line}" in result.outlines


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        (seed_grants_without_a_default, "seed.ts:8, role MANAGER: missing time.approve"),
        (shared_permission_renamed, "seed.ts:40, role MANAGER: unknown key(s) time.approve"),
    ],
    ids=["role-missing-a-default-permission", "permission-key-renamed"],
)
def test_without_node_modules_the_seed_source_still_catches_grants_that_differ(pytester, tmp_path, fault, message):
    tree = fault(copy_tree(tmp_path / "workonclock"))
    result, record = run_checkout(pytester, tree, SEED_SOURCE)
    failures = failing(items_by_id(record)["schema-contracts"])
    assert list(failures) == [STATIC_TEST]
    assert message in failures[STATIC_TEST]


def test_a_migration_the_server_refuses_fails_the_database_contracts_with_its_error_line(pytester, tmp_path):
    tree = copy_tree(tmp_path / "workonclock")
    broken = tree / "apps/web/prisma/migrations/20250401090000_broken"
    broken.mkdir()
    (broken / "migration.sql").write_text("ALTER TABLE `woc_nowhere` ADD COLUMN `x` INTEGER NULL;\n")
    result, record = run_checkout(pytester, tree, str(CONTRACTS / "test_prisma_shared.py"))
    failures = failing(items_by_id(record)["schema-contracts"])
    assert list(failures) == ["test_every_unique_key_the_prisma_schema_declares_is_enforced_by_the_database"]
    assert list(failures.values()) == [
        f"migration 20250401090000_broken failed: Table 'workonclock.woc_nowhere' doesn't exist;"
        f" fix {broken / 'migration.sql'}"
    ]


def test_a_contract_run_shows_only_schema_contracts_without_a_verdict_and_exits_zero(pytester):
    folders = [str(ROOT / name) for name in ("contracts", "smoke", "tenant", "restore", "migration", "readiness")]
    result, _ = run_gate_tests(pytester, *folders, "-m", "contract", f"--woc-repo={ROOT / 'fixtures' / 'workonclock'}")
    table = [
        line for line in result.outlines[result.outlines.index("=" * 33 + " release gate " + "=" * 33) + 1 :] if line
    ]
    assert table[0].split() == ["item", "status", "passed", "failed", "skipped", "first", "failure"]
    assert table[1].startswith("schema-contracts  UNVERIFIED")
    assert not any(line.startswith("RELEASE GATE") for line in result.outlines)
    assert result.ret == 0
