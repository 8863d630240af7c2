"""The schema-contract gate tests against the reference stack: clean, each fault, another tree, local mode."""

from __future__ import annotations

from pathlib import Path

import pytest
from gate_runs import failing, fault_matrix, items_by_id, run_gate_tests
from sandbox_clients import api_session, web_session
from variant_tree import make_variant_tree

pytest_plugins = ["pytester"]

CONTRACTS = Path(__file__).resolve().parents[1] / "contracts"
REFERENCE_REPO = CONTRACTS.parent / "fixtures" / "workonclock"
OTHER_ITEMS_UNTOUCHED = "UNVERIFIED"


def run_contracts(pytester: pytest.Pytester, *args: str) -> tuple[pytest.RunResult, dict]:
    result, record = run_gate_tests(pytester, str(CONTRACTS), "-m", "contract", *args)
    return result, items_by_id(record)


def failed_tests(item: dict) -> list[str]:
    return sorted(failing(item))


def test_the_clean_stack_passes_every_contract(pytester, clean_stack):
    result, items = run_contracts(pytester, f"--woc-config={clean_stack.profile_path}")
    assert items["schema-contracts"]["status"] == "PASS", result.stdout.str()
    assert items["schema-contracts"]["tests"] and all(
        t["outcome"] == "passed" for t in items["schema-contracts"]["tests"]
    )
    assert result.ret == 0


ROLES = "test_every_organization_has_every_role_with_its_default_permissions"
GENERATED = "test_generated_policies_are_accepted_and_read_back_everywhere"
EDGES = "test_policies_at_every_bound_are_accepted_and_read_back_everywhere"
INVALID = "test_invalid_policies_are_refused_and_change_nothing"
SCREENSHOTS = [  # capturedAt as epoch seconds also reads differently from the database's
    "test_listed_records_read_the_same_by_id_and_in_the_database[screenshots-a]",
    "test_listed_records_read_the_same_by_id_and_in_the_database[screenshots-b]",
    "test_screenshot_by_id_matches_shared_screenshot_event",
    "test_screenshot_list_items_match_shared_screenshot_event[a]",
    "test_screenshot_list_items_match_shared_screenshot_event[b]",
    "test_upload_response_matches_shared_screenshot_event",
    "test_uploaded_screenshot_reads_the_same_on_every_surface",
]
# fault or defect -> (the tests that fail, a part of the message, the full failure text of the first one)
FAULTS = {
    "policy-field-renamed": (
        [
            "test_api_policy_output_matches_shared_tracking_policy[a]",
            "test_api_policy_output_matches_shared_tracking_policy[b]",
            f"{GENERATED}[a]",
            f"{GENERATED}[b]",
            f"{INVALID}[a]",
            f"{INVALID}[b]",
            f"{EDGES}[a]",
            f"{EDGES}[b]",
            "test_web_settings_equal_api_policy[a]",
            "test_web_settings_equal_api_policy[b]",
        ],
        "Additional properties are not allowed ('screenshotInterval' was unexpected)",
        [
            "the API policy of tenant a does not match the shared TrackingPolicy: (top level): "
            "'screenshotIntervalMinutes' is a required property; (top level): Additional properties are not allowed "
            "('screenshotInterval' was unexpected)",
            "",
            "Expected: a TrackingPolicy (screenshotsEnabled, screenshotIntervalMinutes, blurScreenshots, "
            "idleTimeoutMinutes, screenshotRetentionDays, allowManualTime)",
            'Received: {"allowManualTime": *, "screenshotInterval": *}',
        ],
    ),
    "web-settings-not-persisted": (
        [f"{GENERATED}[a]", f"{GENERATED}[b]"],
        "the policy written through web settings reads back differently through web settings for tenant a: "
        "blurScreenshots is",
        [
            "the policy written through web settings reads back differently through web settings for tenant a: "
            "blurScreenshots is * in what was written but * in web settings",
            "",
            'Expected: {"allowManualTime": *}',
            'Received: {"allowManualTime": *}',
        ],
    ),
    "screenshot-event-bad-shape": (
        SCREENSHOTS,
        "does not match the shared ScreenshotEvent: (top level): 'previewUrl' is a required property; capturedAt: ",
        [
            "screenshot * does not match the shared ScreenshotEvent: (top level): 'previewUrl' is a required "
            "property; capturedAt: * is not of type 'string'",
            "",
            "Expected: a ScreenshotEvent (id, organizationId, userId, timeEntryId, capturedAt, objectKey, previewUrl, "
            "blurred, width, height)",
            'Received: {"blurred": *, "capturedAt": *, "height": *}',
        ],
    ),
    "stale-role-seed": (
        [ROLES],
        "seeded role permissions differ from the shared ROLE_DEFAULT_PERMISSIONS in 1 role(s): tenant smoke-acme, "
        "role MANAGER: missing ",
        [
            "seeded role permissions differ from the shared ROLE_DEFAULT_PERMISSIONS in 1 role(s): tenant smoke-acme, "
            "role MANAGER: missing *",
            "",
            "Expected: every organization has the roles ADMIN, MANAGER, MEMBER, OWNER, each with exactly "
            "ROLE_DEFAULT_PERMISSIONS[role]",
            "Received: 5 organization(s), 1 role(s) that differ",
        ],
    ),
    "unknown-permission-row": (
        ["test_db_permission_keys_equal_shared_permissions"],
        "woc_permissions and the shared PERMISSIONS differ: extra ",
        [
            "woc_permissions and the shared PERMISSIONS differ: extra legacy.export_all",
            "",
            "Expected: the * keys of PERMISSIONS",
            "Received: * keys in woc_permissions: extra legacy.export_all",
        ],
    ),
    "prisma-enum-drift": (
        ["test_prisma_role_key_enum_equals_shared_role_key"],
        "Prisma enum RoleKey and the shared RoleKey differ: not in the shared type ",
        [
            "Prisma enum RoleKey and the shared RoleKey differ: not in the shared type AUDITOR",
            "",
            'Expected: ["ADMIN", "MANAGER", "MEMBER", "OWNER"]',
            'Received: ["ADMIN", "AUDITOR", "MANAGER", "MEMBER", "OWNER"]',
        ],
    ),
}
DEFECTS = {  # outside the catalogue (woc_gate.sandbox.variants), or a catalogue fault of another item
    "missing-settings-row": (
        ["test_every_organization_has_exactly_one_settings_row"],
        "tenant background-01: 0 rows",
        [
            "1 organization(s) without exactly one woc_organization_settings row: tenant background-01: 0 rows",
            "",
            "Expected: one woc_organization_settings row per organization",
            "Received: tenant background-01: 0 rows",
        ],
    ),
    "org-missing-role": (
        [ROLES],
        "ROLE_DEFAULT_PERMISSIONS in 1 role(s): tenant background-01, role MANAGER: no role row",
        None,
    ),
    "settings-row-out-of-range": (
        ["test_every_settings_row_is_a_valid_tracking_policy"],
        ": screenshotIntervalMinutes: 0 is less than the minimum of 1",
        [
            "1 woc_organization_settings value(s) break the shared TrackingPolicy: tenant background-01 (row *): "
            "screenshotIntervalMinutes: 0 is less than the minimum of 1",
            "",
            "Expected: every woc_organization_settings row a valid TrackingPolicy",
            "Received: 1 value(s) out of the type in 5 row(s)",
        ],
    ),
    "settings-column-drift": (
        ["test_settings_columns_nullability_and_defaults_agree_with_tracking_policy"],
        "blurScreenshots: nullable, but required in TrackingPolicy",
        [
            "the database table woc_organization_settings disagrees with the shared TrackingPolicy: blurScreenshots: "
            "nullable, but required in TrackingPolicy; screenshotIntervalMinutes: default 0: 0 is less than the "
            "minimum of 1",
            "",
            "Expected: required fields NOT NULL, defaults inside their ranges",
            "Received: blurScreenshots NULL DEFAULT False; screenshotIntervalMinutes NOT NULL DEFAULT 0",
        ],
    ),
    "settings-lost-on-b": (
        [f"{GENERATED}[b]"],
        "reads back differently through web settings for tenant b: blurScreenshots is",
        None,
    ),
    "settings-refuse-maximum": (
        [f"{EDGES}[a]", f"{EDGES}[b]"],
        "web settings refused a valid policy for tenant a: screenshotIntervalMinutes = 60 (its maximum)",
        [
            "web settings refused a valid policy for tenant a: screenshotIntervalMinutes = 60 (its maximum)",
            "",
            "Expected: HTTP 2xx for PUT /api/settings",
            'Received: HTTP 400: {"error":"screenshotIntervalMinutes must be less than 60"}',
        ],
    ),
    "settings-coerce-types": (
        [f"{INVALID}[a]", f"{INVALID}[b]"],
        "web settings accepted an invalid policy (screenshotsEnabled = 0 (an integer, not a boolean)) for tenant a",
        [
            "web settings accepted an invalid policy (screenshotsEnabled = 0 (an integer, not a boolean)) for tenant a",
            "",
            "Expected: HTTP 4xx",
            "Received: HTTP 200",
        ],
    ),
}


@fault_matrix
@pytest.mark.parametrize("fault", sorted(FAULTS) + sorted(DEFECTS))
def test_each_contract_fault_fails_schema_contracts_naming_the_defect(pytester, faulty_stack, fault):
    expected_failures, message, full_text = FAULTS.get(fault) or DEFECTS[fault]
    sandbox = faulty_stack([fault])
    result, items = run_contracts(pytester, f"--woc-config={sandbox.profile_path}")
    contracts = items.pop("schema-contracts")
    assert contracts["status"] == "FAIL"
    assert failed_tests(contracts) == expected_failures
    assert message in contracts["reason"] or any(message in t["message"] for t in contracts["tests"]), contracts
    if full_text:
        result.stdout.fnmatch_lines(full_text, consecutive=True)
    result.stdout.no_fnmatch_line("*woc_gate/checks/*")
    result.stdout.no_fnmatch_line("*Settings(*")
    assert {item["status"] for item in items.values()} == {OTHER_ITEMS_UNTOUCHED}
    assert result.ret == pytest.ExitCode.TESTS_FAILED


@pytest.mark.slow
def test_a_correct_deployment_that_answers_differently_passes(pytester, faulty_stack):
    correct = ["captured-at-offset", "settings-write-204", "signed-preview-url"]
    sandbox = faulty_stack(correct)
    with web_session(sandbox.ctx, "a", "ADMIN") as web, api_session(sandbox.ctx, "a", "MEMBER") as api:
        assert web.put("/api/settings", json=web.get("/api/settings").json()).status_code == 204
        [event, *_] = api.get("/screenshots").json()
    assert "?expires=" in event["previewUrl"] and event["capturedAt"].endswith("+00:00")
    result, items = run_contracts(pytester, f"--woc-config={sandbox.profile_path}")
    assert items["schema-contracts"]["status"] == "PASS", result.stdout.str()


@pytest.mark.slow
def test_a_tree_that_differs_harmlessly_still_passes(pytester, dev_stack_factory, tmp_path_factory):
    tree = make_variant_tree(tmp_path_factory.mktemp("variant") / "workonclock")
    sandbox = dev_stack_factory(repo=tree, policy_envelope="")
    result, items = run_contracts(pytester, f"--woc-config={sandbox.profile_path}")
    assert items["schema-contracts"]["status"] == "PASS", result.stdout.str()


def test_local_mode_runs_the_source_contracts_and_skips_the_rest(pytester):
    result, items = run_contracts(pytester, f"--woc-repo={REFERENCE_REPO}")
    contracts = items["schema-contracts"]
    outcomes = {t["nodeid"].split("::", 1)[1]: t["outcome"] for t in contracts["tests"]}
    assert contracts["status"] == "UNVERIFIED"
    assert {name for name, outcome in outcomes.items() if outcome == "passed"} == {
        "test_prisma_role_key_enum_equals_shared_role_key",
        "test_prisma_settings_fields_nullability_and_defaults_agree_with_tracking_policy",
        "test_settings_model_has_a_compatible_field_for_every_policy_field",
    }
    assert set(outcomes.values()) == {"passed", "skipped"}
    assert result.ret == 0


def test_local_mode_with_a_database_checks_the_seeded_rows(pytester, clean_stack, monkeypatch):
    db = clean_stack.ctx.db
    monkeypatch.setenv("DATABASE_URL", f"mysql://{db.user}:{db.password}@{db.host}:{db.port}/{db.name}")
    result, items = run_contracts(pytester, f"--woc-repo={REFERENCE_REPO}")
    outcomes = {t["nodeid"].split("::", 1)[1]: t["outcome"] for t in items["schema-contracts"]["tests"]}
    assert outcomes["test_db_permission_keys_equal_shared_permissions"] == "passed"
    assert outcomes[ROLES] == "passed"
    assert outcomes["test_every_organization_has_exactly_one_settings_row"] == "passed"
    assert outcomes["test_every_settings_row_is_a_valid_tracking_policy"] == "passed"
    assert outcomes["test_web_settings_equal_api_policy[a]"] == "skipped"


@pytest.mark.slow
def test_a_typescript_error_fails_the_tests_that_need_it_with_one_line(pytester, tmp_path_factory):
    tree = make_variant_tree(tmp_path_factory.mktemp("broken") / "workonclock")
    policy = tree / "packages/shared/src/policy.ts"
    policy.write_text(policy.read_text().replace("allowManualTime: boolean;", "allowManualTime: boolean = ;"))
    result, items = run_contracts(pytester, f"--woc-repo={tree}")
    contracts = items["schema-contracts"]
    assert contracts["status"] == "FAIL"
    messages = {t["message"] for t in contracts["tests"] if t["outcome"] in ("failed", "error")}
    assert len(messages) == 1
    [message] = messages
    assert message.startswith(f"{policy}:") and "TypeScript syntax error" in message
    assert "Traceback" not in result.stdout.str()
