"""The schema-contract checks on their own: exact failure texts, and that each can fail."""

import pytest

from woc_gate.checks import CheckFailure, contracts, openapi, permissions, policies, settings_rows
from woc_gate.checks.contracts import ContractViolation
from woc_gate.checks.variants import edge_policies, invalid_variants

POLICY = {
    "$ref": "#/definitions/TrackingPolicy",
    "$schema": "http://json-schema.org/draft-07/schema#",
    "definitions": {
        "TrackingPolicy": {
            "type": "object",
            "additionalProperties": False,
            "required": ["blur", "interval"],
            "properties": {
                "blur": {"type": "boolean"},
                "interval": {"type": "integer", "minimum": 1, "maximum": 60},
            },
        }
    },
}
EVENT = {
    "type": "object",
    "required": ["capturedAt", "previewUrl"],
    "properties": {
        "capturedAt": {"type": "string", "format": "date-time"},
        "previewUrl": {"type": "string", "format": "uri"},
    },
}


def violation(check, *args, **kwargs) -> str:
    with pytest.raises(ContractViolation) as raised:
        check(*args, **kwargs)
    return str(raised.value)


def test_a_matching_payload_passes():
    contracts.matches_shared_type({"blur": True, "interval": 5}, POLICY, type_name="TrackingPolicy", what="x")


def test_a_renamed_field_is_named():
    text = violation(
        contracts.matches_shared_type,
        {"blur": True, "intervalMinutes": 5},
        POLICY,
        type_name="TrackingPolicy",
        what="the API policy of tenant a",
    )
    assert text == (
        "the API policy of tenant a does not match the shared TrackingPolicy: "
        "(top level): 'interval' is a required property; "
        "(top level): Additional properties are not allowed ('intervalMinutes' was unexpected)\n\n"
        "Expected: a TrackingPolicy (blur, interval)\n"
        'Received: {"blur": true, "intervalMinutes": 5}'
    )


def test_formats_are_checked():
    text = violation(
        contracts.matches_shared_type,
        {"capturedAt": 1732700000, "previewUrl": "not a uri"},
        EVENT,
        type_name="ScreenshotEvent",
        what="the upload response",
    )
    assert "capturedAt: 1732700000 is not of type 'string'" in text
    text = violation(
        contracts.matches_shared_type,
        {"capturedAt": "yesterday", "previewUrl": "/relative"},
        EVENT,
        type_name="ScreenshotEvent",
        what="the upload response",
    )
    assert "capturedAt: 'yesterday' is not a 'date-time'" in text
    assert "previewUrl: '/relative' is not a 'uri'" in text


def test_web_and_api_policies_differ_field_by_field():
    text = violation(contracts.policies_equal, {"blur": True, "interval": 5}, {"blur": False, "minutes": 5}, tenant="b")
    assert text.splitlines()[0] == (
        "web settings and the API policy differ for tenant b: blur is True in web settings but False in the API "
        "policy; interval only in web settings; minutes only in the API policy"
    )


def test_a_policy_that_reads_back_differently_names_the_dropped_field():
    text = violation(
        contracts.read_back_identically,
        {"blur": True, "interval": 5},
        {"blur": False, "interval": 5},
        tenant="a",
        via="the API policy",
    )
    assert text.splitlines()[0] == (
        "the policy written through web settings reads back differently through the API policy for tenant a: "
        "blur is True in what was written but False in the API policy"
    )


def test_an_accepted_invalid_policy_fails():
    text = violation(
        contracts.rejected_without_change, 200, {"a": 1}, {"a": 1}, variant="interval above its maximum 60", tenant="a"
    )
    assert text == (
        "web settings accepted an invalid policy (interval above its maximum 60) for tenant a\n\n"
        "Expected: HTTP 4xx\nReceived: HTTP 200"
    )


def test_a_refused_policy_that_still_changed_something_fails():
    text = violation(contracts.rejected_without_change, 400, {"interval": 5}, {"interval": 61}, variant="v", tenant="a")
    assert text.splitlines()[0] == (
        "a refused policy (v) still changed the settings of tenant a: interval is 5 in before but 61 in after"
    )


def test_preview_url_must_be_built_on_the_api_base():
    contracts.preview_url_on_api_base(
        {"previewUrl": "https://api.example.com/screenshots/1/preview"}, "https://api.example.com/", what="x"
    )
    text = violation(
        contracts.preview_url_on_api_base,
        {"previewUrl": "http://localhost:3001/s/1"},
        "https://api.example.com",
        what="screenshot 1",
    )
    assert text == (
        "screenshot 1: previewUrl is not built on API_BASE_URL\n\n"
        "Expected: https://api.example.com/…\nReceived: http://localhost:3001/s/1"
    )


def test_permission_keys_name_the_missing_and_extra_keys():
    text = violation(
        permissions.permission_keys_equal,
        ["users.read", "legacy.admin"],
        ["users.read", "users.write"],
        table="woc_permissions",
        constant="PERMISSIONS",
    )
    assert (
        text.splitlines()[0]
        == "woc_permissions and the shared PERMISSIONS differ: missing users.write; extra legacy.admin"
    )


def test_role_defaults_name_tenant_role_and_keys():
    seeded = {
        "acme": {"MANAGER": {"users.read"}, "MEMBER": {"time.read"}},
        "globex": {"MANAGER": {"users.read", "time.approve"}, "MEMBER": {"time.read"}},
    }
    defaults = {"MANAGER": ["users.read", "time.approve"], "MEMBER": ["time.read"]}
    text = violation(permissions.every_role_seeded_with_its_defaults, seeded, defaults, constant="RD")
    assert text == (
        "seeded role permissions differ from the shared RD in 1 role(s): tenant acme, role MANAGER: "
        "missing time.approve\n\nExpected: every organization has the roles MANAGER, MEMBER, each with exactly RD[role]"
        "\nReceived: 2 organization(s), 1 role(s) that differ"
    )


def test_a_missing_role_counts_as_much_as_a_wrong_one():
    defaults = {"MANAGER": ["users.read"], "MEMBER": ["time.read"]}
    seeded = {"acme": {"MEMBER": {"time.read"}}, "bare": {}}
    text = violation(permissions.every_role_seeded_with_its_defaults, seeded, defaults, constant="RD")
    assert text.splitlines()[0] == (
        "seeded role permissions differ from the shared RD in 3 role(s): tenant acme, role MANAGER: no role row; "
        "tenant bare, role MANAGER: no role row; tenant bare, role MEMBER: no role row"
    )
    assert violation(permissions.every_role_seeded_with_its_defaults, {}, defaults, constant="RD").startswith(
        "seeded role permissions differ from the shared RD in 1 role(s): no organization at all"
    )


def test_an_enum_value_the_shared_type_lacks_is_named():
    text = violation(
        contracts.enum_values_equal, ["OWNER", "AUDITOR"], ["OWNER"], enum="RoleKey", shared_type="RoleKey"
    )
    assert text.splitlines()[0] == "Prisma enum RoleKey and the shared RoleKey differ: not in the shared type AUDITOR"


def test_settings_columns_must_hold_every_policy_field():
    contracts.columns_cover_shared_type(
        {"blur": "Boolean", "interval": "Int"}, POLICY, model="S", type_name="TrackingPolicy"
    )
    text = violation(
        contracts.columns_cover_shared_type, {"blur": "String"}, POLICY, model="S", type_name="TrackingPolicy"
    )
    assert text.splitlines()[0] == (
        "Prisma model S cannot store every TrackingPolicy field: "
        "blur: String cannot hold a JSON boolean; interval: no field"
    )


def test_literal_values_of_a_union_type():
    assert contracts.literal_values({"type": "string", "enum": ["OWNER", "ADMIN"]}) == ["OWNER", "ADMIN"]
    assert contracts.literal_values({"anyOf": [{"const": "A"}, {"const": "B"}]}) == ["A", "B"]


def test_invalid_variants_break_one_rule_each_and_name_the_value():
    variants = dict(invalid_variants(POLICY, {"blur": True, "interval": 5}))
    assert variants == {
        "blur = 0 (an integer, not a boolean)": {"blur": 0, "interval": 5},
        "blur = 1 (an integer, not a boolean)": {"blur": 1, "interval": 5},
        'blur = "true" (a string, not a boolean)': {"blur": "true", "interval": 5},
        "blur = null (null, not a boolean)": {"blur": None, "interval": 5},
        "interval = 0 (below its minimum 1)": {"blur": True, "interval": 0},
        "interval = 61 (above its maximum 60)": {"blur": True, "interval": 61},
        "interval = 1.5 (a number, not an integer)": {"blur": True, "interval": 1.5},
        'interval = "5" (a string, not an integer)': {"blur": True, "interval": "5"},
        "interval = true (a boolean, not an integer)": {"blur": True, "interval": True},
        "interval = null (null, not an integer)": {"blur": True, "interval": None},
        "blur missing (required)": {"interval": 5},
        "interval missing (required)": {"blur": True},
        "unexpectedField = true (not in the shared type)": {"blur": True, "interval": 5, "unexpectedField": True},
    }
    for variant, body in variants.items():
        assert contracts.schema_errors(body, POLICY), variant


def test_edges_are_the_exact_bounds_from_the_schema_not_the_field_names():
    schema = {
        "type": "object",
        "properties": {
            "a": {"type": "integer", "minimum": 1, "maximum": 60},
            "b": {"type": "integer", "exclusiveMinimum": 9, "exclusiveMaximum": 101},
            "c": {"type": "number", "minimum": 0.5, "multipleOf": 0.5},
            "d": {"type": "boolean"},
        },
    }
    valid = {"a": 5, "b": 50, "c": 1.0, "d": True}
    assert dict(edge_policies(schema, valid)) == {
        "a = 1 (its minimum)": {**valid, "a": 1},
        "a = 60 (its maximum)": {**valid, "a": 60},
        "b = 10 (its minimum)": {**valid, "b": 10},
        "b = 100 (its maximum)": {**valid, "b": 100},
        "c = 0.5 (its minimum)": {**valid, "c": 0.5},
    }
    beyond = {label: body for label, body in invalid_variants(schema, valid) if "its m" in label}
    assert beyond == {
        "a = 0 (below its minimum 1)": {**valid, "a": 0},
        "a = 61 (above its maximum 60)": {**valid, "a": 61},
        "b = 9 (below its minimum 10)": {**valid, "b": 9},
        "b = 101 (above its maximum 100)": {**valid, "b": 101},
        "c = 0.0 (below its minimum 0.5)": {**valid, "c": 0.0},
    }


def test_a_near_miss_the_field_accepts_is_not_tried():
    schema = {"type": "object", "properties": {"n": {"type": ["integer", "null"]}}}
    labels = [label for label, _ in invalid_variants(schema, {"n": 3})]
    assert labels == [
        "n = 0.5 (a number, not an integer or null)",
        'n = "3" (a string, not an integer or null)',
        "n = true (a boolean, not an integer or null)",
    ]


def test_an_envelope_that_is_missing_is_a_violation():
    text = violation(contracts.unwrapped, {"blur": True}, "data", what="GET /tracking/policy")
    assert text.splitlines()[0] == "GET /tracking/policy has no 'data' envelope (missing key 'data')"


def test_openapi_shape_differences_are_named():
    document = {
        "paths": {
            "/p": {
                "get": {
                    "responses": {
                        "200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/P"}}}}
                    }
                }
            }
        },
        "components": {
            "schemas": {
                "P": {
                    "type": "object",
                    "required": ["blur"],
                    "properties": {"blur": {"type": "string"}, "extra": {"type": "integer"}},
                }
            }
        },
    }
    documented = openapi.response_schema(document, "/p")
    text = violation(openapi.documented_as_shared, documented, POLICY, what="GET /p", type_name="TrackingPolicy")
    assert text == (
        "the OpenAPI document describes GET /p differently from the shared TrackingPolicy: "
        "blur documented as {'type': 'string'}, shared as {'type': 'boolean'}; extra not in the shared type; "
        "interval undocumented; required ['blur'] instead of ['blur', 'interval']\n\n"
        'Expected: {"blur": {"type": "boolean"}, "extra": "absent", "interval": {"type": "integer"}, '
        '"required": ["blur", "interval"]}\n'
        'Received: {"blur": {"type": "string"}, "extra": {"type": "integer"}, "interval": "absent", '
        '"required": ["blur"]}'
    )
    assert violation(openapi.response_schema, document, "/q").startswith(
        "the OpenAPI document does not describe GET /q"
    )


def test_every_organization_needs_exactly_one_settings_row():
    row = settings_rows.SettingsRow("s1", {"blur": True, "interval": 5})
    settings_rows.every_organization_has_one_settings_row({"acme": [row]}, table="woc_settings")
    text = violation(
        settings_rows.every_organization_has_one_settings_row,
        {"acme": [row], "bare": [], "twice": [row, row]},
        table="woc_settings",
    )
    assert text == (
        "2 organization(s) without exactly one woc_settings row: tenant bare: 0 rows; tenant twice: 2 rows\n\n"
        "Expected: one woc_settings row per organization\n"
        "Received: tenant bare: 0 rows; tenant twice: 2 rows"
    )


def test_a_settings_row_names_the_tenant_row_field_and_value_it_breaks():
    rows = {
        "acme": [settings_rows.SettingsRow("s1", {"blur": True, "interval": 5})],
        "bg-1": [settings_rows.SettingsRow("s2", {"blur": 2, "interval": 0})],
        "bg-2": [settings_rows.SettingsRow("s3", {"blur": None, "interval": 61})],
    }
    text = violation(
        settings_rows.settings_rows_satisfy_shared_type, rows, POLICY, table="woc_settings", type_name="TP"
    )
    assert text == (
        "4 woc_settings value(s) break the shared TP: tenant bg-1 (row s2): blur: 2 is not of type 'boolean'; "
        "tenant bg-1 (row s2): interval: 0 is less than the minimum of 1; tenant bg-2 (row s3): blur is NULL; "
        "tenant bg-2 (row s3): interval: 61 is greater than the maximum of 60\n\n"
        "Expected: every woc_settings row a valid TP\n"
        "Received: 4 value(s) out of the type in 3 row(s)"
    )


def test_columns_must_not_take_null_for_a_required_field_nor_default_outside_its_range():
    facts = settings_rows.ColumnFacts
    settings_rows.columns_agree_with_shared_type(
        {"blur": facts(False, False), "interval": facts(False, 10)}, POLICY, where="t", type_name="TP"
    )
    optional = {**POLICY["definitions"]["TrackingPolicy"], "required": ["blur"]}
    settings_rows.columns_agree_with_shared_type(
        {"blur": facts(False, None), "interval": facts(True, None)}, optional, where="t", type_name="TP"
    )
    text = violation(
        settings_rows.columns_agree_with_shared_type,
        {"blur": facts(True, False), "interval": facts(False, 0)},
        POLICY,
        where="the database table woc_settings",
        type_name="TP",
    )
    assert text == (
        "the database table woc_settings disagrees with the shared TP: blur: nullable, but required in TP; "
        "interval: default 0: 0 is less than the minimum of 1\n\n"
        "Expected: required fields NOT NULL, defaults inside their ranges\n"
        "Received: blur NULL DEFAULT False; interval NOT NULL DEFAULT 0"
    )
    assert (
        violation(
            settings_rows.columns_agree_with_shared_type,
            {"blur": facts(False, None)},
            POLICY,
            where="t",
            type_name="TP",
        ).splitlines()[0]
        == "t disagrees with the shared TP: interval: no column"
    )


def test_every_surface_is_read_back_and_web_settings_are_compared_with_the_api_first():
    written = {"blur": True, "interval": 5}
    readers = {policies.WEB: lambda: written, policies.API: lambda: written, policies.DB: lambda: written}
    policies.read_back_everywhere(written, policies.Surfaces(readers), tenant="b")
    stale_db = policies.Surfaces({**readers, policies.DB: lambda: {"blur": False, "interval": 5}})
    assert violation(policies.read_back_everywhere, written, stale_db, tenant="b").splitlines()[0] == (
        "the policy written through web settings reads back differently through the database row for tenant b: "
        "blur is True in what was written but False in the database row"
    )
    drifted_api = policies.Surfaces({**readers, policies.API: lambda: {"blur": True, "minutes": 5}})
    assert violation(policies.read_back_everywhere, written, drifted_api, tenant="b").splitlines()[0] == (
        "web settings and the API policy differ for tenant b: interval only in web settings; "
        "minutes only in the API policy"
    )


def test_a_long_value_is_cut_in_a_failure_text():
    text = str(CheckFailure("t", "x" * 1000, {"k": "y" * 10}))
    assert text == f"t\n\nExpected: {'x' * 400}… (600 more characters)\nReceived: " + '{"k": "yyyyyyyyyy"}'
