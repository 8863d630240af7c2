"""The schema-contract gate tests against the reference stack: clean, each fault, another tree, local mode."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from variant_tree import make_variant_tree

pytest_plugins = ["pytester"]

CONTRACTS = Path(__file__).resolve().parents[1] / "contracts"
OTHER_ITEMS_UNTOUCHED = "UNVERIFIED"


def run_contracts(pytester: pytest.Pytester, *args: str) -> tuple[pytest.RunResult, dict]:
    result = pytester.runpytest_subprocess(
        str(CONTRACTS), "-m", "contract", "--gate-report", "gate.json", "-p", "no:cacheprovider", *args
    )
    record = json.loads((pytester.path / "gate.json").read_text())
    return result, {item["id"]: item for item in record["items"]}


def failed_tests(item: dict) -> list[str]:
    return sorted(test["nodeid"].split("::", 1)[1] for test in item["tests"] if test["outcome"] in ("failed", "error"))


def test_the_clean_stack_passes_every_contract(pytester, clean_stack):
    result, items = run_contracts(pytester, "--woc-config", str(clean_stack.profile_path))
    assert items["schema-contracts"]["status"] == "PASS", result.stdout.str()
    assert items["schema-contracts"]["tests"] and all(
        t["outcome"] == "passed" for t in items["schema-contracts"]["tests"]
    )
    assert result.ret == 0


FAULTS = {
    "policy-field-renamed": (
        [
            "test_api_policy_output_matches_shared_tracking_policy[a]",
            "test_api_policy_output_matches_shared_tracking_policy[b]",
            "test_policies_written_through_web_settings_read_back_through_the_api",
            "test_web_settings_equal_api_policy[a]",
            "test_web_settings_equal_api_policy[b]",
        ],
        "Additional properties are not allowed ('screenshotInterval' was unexpected)",
    ),
    "web-settings-not-persisted": (
        ["test_policies_written_through_web_settings_read_back_through_the_api"],
        "the policy written through web settings reads back differently through the API policy for tenant a: "
        "blurScreenshots is",
    ),
    "screenshot-event-bad-shape": (
        [
            "test_screenshot_by_id_matches_shared_screenshot_event",
            "test_screenshot_list_items_match_shared_screenshot_event[a]",
            "test_screenshot_list_items_match_shared_screenshot_event[b]",
            "test_upload_response_matches_shared_screenshot_event",
        ],
        "does not match the shared ScreenshotEvent: (top level): 'previewUrl' is a required property; capturedAt: ",
    ),
    "stale-role-seed": (
        ["test_every_organizations_role_permissions_equal_shared_defaults"],
        "seeded role permissions differ from the shared ROLE_DEFAULT_PERMISSIONS in 1 role(s): tenant smoke-acme, "
        "role MANAGER: missing ",
    ),
    "unknown-permission-row": (
        ["test_db_permission_keys_equal_shared_permissions"],
        "woc_permissions and the shared PERMISSIONS differ: extra ",
    ),
    "prisma-enum-drift": (
        ["test_prisma_role_key_enum_equals_shared_role_key"],
        "Prisma enum RoleKey and the shared RoleKey differ: not in the shared type ",
    ),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_contract_fault_fails_schema_contracts_naming_the_defect(pytester, dev_stack_factory, fault):
    expected_failures, message = FAULTS[fault]
    sandbox = dev_stack_factory(faults=[fault])
    result, items = run_contracts(pytester, "--woc-config", str(sandbox.profile_path))
    contracts = items.pop("schema-contracts")
    assert contracts["status"] == "FAIL"
    assert failed_tests(contracts) == expected_failures
    assert message in contracts["reason"] or any(message in t["message"] for t in contracts["tests"]), contracts
    assert {item["status"] for item in items.values()} == {OTHER_ITEMS_UNTOUCHED}
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_a_tree_that_differs_harmlessly_still_passes(pytester, dev_stack_factory, tmp_path_factory):
    tree = make_variant_tree(tmp_path_factory.mktemp("variant") / "workonclock")
    sandbox = dev_stack_factory(repo=tree, policy_envelope="")
    result, items = run_contracts(pytester, "--woc-config", str(sandbox.profile_path))
    assert items["schema-contracts"]["status"] == "PASS", result.stdout.str()


def test_local_mode_runs_the_source_contracts_and_skips_the_rest(pytester):
    result, items = run_contracts(pytester, "--woc-repo", str(CONTRACTS.parent / "fixtures" / "workonclock"))
    contracts = items["schema-contracts"]
    outcomes = {t["nodeid"].split("::", 1)[1]: t["outcome"] for t in contracts["tests"]}
    assert contracts["status"] == "UNVERIFIED"
    assert {name for name, outcome in outcomes.items() if outcome == "passed"} == {
        "test_prisma_role_key_enum_equals_shared_role_key",
        "test_settings_model_has_a_compatible_field_for_every_policy_field",
    }
    assert set(outcomes.values()) == {"passed", "skipped"}
    assert result.ret == 0


def test_local_mode_with_a_database_checks_the_seeded_rows(pytester, clean_stack, monkeypatch):
    db = clean_stack.ctx.db
    monkeypatch.setenv("DATABASE_URL", f"mysql://{db.user}:{db.password}@{db.host}:{db.port}/{db.name}")
    result, items = run_contracts(pytester, "--woc-repo", str(CONTRACTS.parent / "fixtures" / "workonclock"))
    outcomes = {t["nodeid"].split("::", 1)[1]: t["outcome"] for t in items["schema-contracts"]["tests"]}
    assert outcomes["test_db_permission_keys_equal_shared_permissions"] == "passed"
    assert outcomes["test_every_organizations_role_permissions_equal_shared_defaults"] == "passed"
    assert outcomes["test_web_settings_equal_api_policy[a]"] == "skipped"


def test_a_typescript_error_fails_the_tests_that_need_it_with_one_line(pytester, tmp_path_factory):
    tree = make_variant_tree(tmp_path_factory.mktemp("broken") / "workonclock")
    policy = tree / "packages/shared/src/policy.ts"
    policy.write_text(policy.read_text().replace("allowManualTime: boolean;", "allowManualTime: boolean = ;"))
    result, items = run_contracts(pytester, "--woc-repo", str(tree))
    contracts = items["schema-contracts"]
    assert contracts["status"] == "FAIL"
    messages = {t["message"] for t in contracts["tests"] if t["outcome"] in ("failed", "error")}
    assert len(messages) == 1
    [message] = messages
    assert message.startswith(f"{policy}:") and "TypeScript syntax error" in message
    assert "Traceback" not in result.stdout.str()
