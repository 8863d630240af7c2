"""The schema-contract checks on their own: exact failure texts, and that each can fail."""

import pytest

from woc_gate.checks import contracts, openapi
from woc_gate.checks.contracts import ContractViolation
from woc_gate.checks.variants import invalid_variants

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
        "(top level): Additional properties are not allowed ('intervalMinutes' was unexpected); "
        "(top level): 'interval' is a required property\n\n"
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
        contracts.permission_keys_equal,
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
        ("acme", "MANAGER"): {"users.read"},
        ("acme", "MEMBER"): {"time.read"},
        ("globex", "MANAGER"): {"users.read", "time.approve"},
    }
    defaults = {"MANAGER": ["users.read", "time.approve"], "MEMBER": ["time.read"]}
    text = violation(contracts.role_defaults_seeded, seeded, defaults, constant="ROLE_DEFAULT_PERMISSIONS")
    assert text.splitlines()[0] == (
        "seeded role permissions differ from the shared ROLE_DEFAULT_PERMISSIONS in 1 role(s): "
        "tenant acme, role MANAGER: missing time.approve"
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


def test_invalid_variants_break_one_rule_each():
    variants = dict(invalid_variants(POLICY, {"blur": True, "interval": 5}))
    assert variants == {
        "blur of the wrong type": {"blur": "yes", "interval": 5},
        "interval below its minimum 1": {"blur": True, "interval": 0},
        "interval above its maximum 60": {"blur": True, "interval": 61},
        "interval not a whole number": {"blur": True, "interval": 1.5},
        "interval of the wrong type": {"blur": True, "interval": "10"},
        "blur missing": {"interval": 5},
        "interval missing": {"blur": True},
        "an extra field": {"blur": True, "interval": 5, "unexpectedField": True},
    }
    for variant, body in variants.items():
        assert contracts.schema_errors(body, POLICY), variant


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
    assert text.splitlines()[0] == (
        "the OpenAPI document describes GET /p differently from the shared TrackingPolicy: "
        "blur documented as {'type': 'string'}, shared as {'type': 'boolean'}; extra not in the shared type; "
        "interval undocumented; required ['blur'] instead of ['blur', 'interval']"
    )
    assert violation(openapi.response_schema, document, "/q").startswith(
        "the OpenAPI document does not describe GET /q"
    )
