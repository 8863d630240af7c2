"""Issue 14, contracts and desktop runtime: each class's check against its fault, all faults at once, the valid
variants, and the pure checks on hand-made inputs.

Each fault runs only its item's gate tests (``contracts/`` for schema-contracts, the desktop-runtime file for
desktop-runtime) against a stack it is switched on (or started with).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from gate_runs import failing, fault_matrix, items_by_id, run_gate_tests

from woc_gate.checks import contracts, images, links, permissions, policy_switches, records, unique_keys
from woc_gate.checks.contracts import ContractViolation
from woc_gate.checks.variants import other_valid_value
from woc_gate.sources.prisma import Field, Model

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[1]
ITEM_TESTS = {
    "schema-contracts": (str(ROOT / "contracts"), "-m", "contract"),
    "desktop-runtime": (str(ROOT / "smoke" / "test_desktop_runtime.py"),),
}
RECORDS = "test_listed_records_read_the_same_by_id_and_in_the_database"
GENERATED = "test_generated_policies_are_accepted_and_read_back_everywhere"
OMITTED = "test_omitted_optional_fields_read_back_as_their_defaults"
LINKS = "test_every_link_the_api_hands_out_answers_its_owner_and_refuses_everyone_else"
# fault -> (its item, the tests that fail, a part of the first failure's message, or a pattern it holds)
FAULTS = {
    "screenshot-list-dimensions-swapped": (
        "schema-contracts",
        [
            f"{RECORDS}[screenshots-a]",
            f"{RECORDS}[screenshots-b]",
            "test_uploaded_screenshot_reads_the_same_on_every_surface",
        ],
        # the newest screenshots come first: their sizes are those of whatever a test uploaded last on this stack
        re.compile(
            r"height is \d+ in GET /screenshots but \d+ in GET /screenshots/\{id\}, "
            r"the database row \(woc_screenshots\)"
        ),
    ),
    "settings-omitted-field-kept": (
        "schema-contracts",
        [f"{GENERATED}[a]", f"{GENERATED}[b]", f"{OMITTED}[a]", f"{OMITTED}[b]"],
        "screenshotQuality is 80 in what was written but 10 in web settings",
    ),
    "preview-url-not-served": (
        "schema-contracts",
        [f"{LINKS}[a]", f"{LINKS}[b]"],
        "the API hands tenant a: GET /screenshots: previewUrl http",
    ),
    "duplicate-permission-key": (
        "schema-contracts",
        [
            "test_catalogue_tables_hold_each_key_once",
            "test_every_unique_key_the_prisma_schema_declares_is_enforced_by_the_database",
        ],
        "1 catalogue key(s) held more than once: woc_permissions: users.read (2 rows)",
    ),
    "screenshots-off-png-only": (
        "desktop-runtime",
        [
            "test_uploads_in_every_image_type_are_refused_while_screenshots_are_off[a]",
            "test_uploads_in_every_image_type_are_refused_while_screenshots_are_off[b]",
        ],
        "has screenshots off, but POST /screenshots took uploads: image/jpeg: HTTP 201; image/webp: HTTP 201; "
        "2 screenshot(s) stored in the entry anyway",
    ),
    "upload-ignores-blur-jpeg": (
        "desktop-runtime",
        [
            "test_uploads_in_every_image_type_are_stored_as_the_blur_switch_says[blur_on-a]",
            "test_uploads_in_every_image_type_are_stored_as_the_blur_switch_says[blur_on-b]",
        ],
        "has blur on, but uploads were stored otherwise: image/jpeg: stored with 100% of the upload's edge energy",
    ),
}
VALID_VARIANTS = ["policy-omits-defaults", "captured-at-offset", "signed-preview-url", "settings-write-204"]


def run_item(pytester: pytest.Pytester, item: str, profile: Path) -> tuple[pytest.RunResult, dict]:
    """Only the item's gate tests against the stack of ``profile``; the result and the items of the run record."""
    result, record = run_gate_tests(pytester, *ITEM_TESTS[item], f"--woc-config={profile}")
    return result, items_by_id(record)


@fault_matrix
@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_fault_fails_its_item_with_the_expected_tests_and_message(pytester, faulty_stack, fault):
    item_id, expected, message = FAULTS[fault]
    result, items = run_item(pytester, item_id, faulty_stack([fault]).profile_path)
    item = items[item_id]
    assert item["status"] == "FAIL", result.stdout.str()
    assert sorted(failing(item)) == sorted(expected), result.stdout.str()
    pattern = message if isinstance(message, re.Pattern) else re.compile(re.escape(message))
    assert any(pattern.search(text) for text in failing(item).values()), failing(item)
    result.stdout.no_fnmatch_line("*woc_gate/checks/*")


@fault_matrix
@pytest.mark.parametrize("item_id", sorted(ITEM_TESTS))
def test_all_faults_of_an_item_at_once_fail_exactly_the_union_of_their_tests(pytester, faulty_stack, item_id):
    faults = sorted(fault for fault, (item, _, _) in FAULTS.items() if item == item_id)
    result, items = run_item(pytester, item_id, faulty_stack(faults).profile_path)
    expected = sorted({test for fault in faults for test in FAULTS[fault][1]})
    assert sorted(failing(items[item_id])) == expected, result.stdout.str()


@pytest.mark.slow
def test_valid_variants_pass_both_items(pytester, faulty_stack):
    profile = faulty_stack(VALID_VARIANTS).profile_path
    for item_id in ITEM_TESTS:
        result, items = run_item(pytester, item_id, profile)
        assert items[item_id]["status"] == "PASS", result.stdout.str()


@pytest.mark.slow
def test_the_omitting_variant_really_omits_the_default_and_the_gate_reads_it_as_written(faulty_stack):
    from sandbox_clients import api_session, web_session

    sandbox = faulty_stack(VALID_VARIANTS)
    with web_session(sandbox.ctx, "b", "ADMIN") as web, api_session(sandbox.ctx, "b", "MEMBER") as api:
        original = web.get("/api/settings").json()
        try:
            assert web.put("/api/settings", json={**original, "screenshotQuality": 80}).status_code == 204
            shown = api.get("/tracking/policy").json()["data"]
        finally:
            web.put("/api/settings", json=original)
    assert "screenshotQuality" not in shown
    defaults = contracts.optional_defaults(sandbox.ctx.policy_schema)
    assert defaults == {"screenshotQuality": 80}
    assert contracts.completed(shown, defaults) == contracts.completed({**original, "screenshotQuality": 80}, defaults)


# The pure checks on hand-made inputs.

SCREENSHOT = Model(
    "Screenshot",
    "woc_screenshots",
    tuple(
        Field(
            name,
            name,
            "scalar",
            kind,
            False,
            required,
            name == "id",
            False,
            default is not None,
            default,
            False,
            None,
            (),
            (),
        )
        for name, kind, required, default in (
            ("id", "String", True, None),
            ("capturedAt", "DateTime", True, None),
            ("blurred", "Boolean", True, False),
            ("width", "Int", True, None),
            ("note", "String", False, None),
        )
    ),
    ("id",),
)


def test_surfaces_agree_when_they_write_one_meaning_differently():
    from datetime import datetime

    views = {
        "GET /screenshots": {"id": "s1", "capturedAt": "2025-01-06T09:00:00.120Z", "blurred": True, "width": 320},
        "GET /screenshots/{id}": {"id": "s1", "capturedAt": "2025-01-06T10:00:00.12+01:00", "width": 320.0},
        "the database row": {
            "id": "s1",
            "capturedAt": datetime(2025, 1, 6, 9, 0, 0, 120000),
            "blurred": 1,
            "note": None,
        },
    }
    kinds, defaults = records.field_kinds(SCREENSHOT), records.field_defaults(SCREENSHOT)
    assert records.disagreements(views, kinds, defaults) == []
    assert (
        records.disagreements(
            {"a": {"previewUrl": "https://x/p?sig=1"}, "b": {"previewUrl": "https://x/p?sig=2"}}, {}, {}
        )
        == []
    )


def test_a_field_that_differs_names_each_surface_and_value():
    views = {"list": {"width": 200, "blurred": None}, "by id": {"width": 320, "blurred": False}, "row": {"width": 320}}
    kinds, defaults = records.field_kinds(SCREENSHOT), records.field_defaults(SCREENSHOT)
    assert records.disagreements(views, kinds, defaults) == ["width is 200 in list but 320 in by id, row"]
    with pytest.raises(ContractViolation) as raised:
        records.same_on_every_surface({"s1": views}, kinds, defaults, what="screenshots of tenant a")
    assert str(raised.value) == (
        "screenshots of tenant a read differently on different surfaces: record s1: width is 200 in list but 320 in "
        "by id, row\n\nExpected: every field the same on by id, list, row\n"
        "Received: 1 field(s) differ in 1 of 1 record(s): record s1: width is 200 in list but 320 in by id, row"
    )


def test_a_field_a_list_never_shows_is_not_compared_but_one_it_leaves_out_means_its_default():
    listed = [{"id": "p1", "name": "Web"}, {"id": "p2", "name": "App", "archived": True}]
    by_id = {"id": "p1", "name": "Web", "createdAt": "2025-01-06T09:00:00Z", "archived": False}
    views = {"list": records.covering(listed[0], records.shown_fields(listed)), "by id": by_id}
    kinds, defaults = {"archived": "boolean"}, {"archived": False}
    assert records.disagreements(views, kinds, defaults) == []
    assert records.disagreements({**views, "by id": {**by_id, "archived": True}}, kinds, defaults) == [
        "archived is false in list but true in by id"
    ]


def test_an_omitted_optional_field_means_its_default_and_only_that():
    schema = {
        "type": "object",
        "required": ["blur"],
        "properties": {"blur": {"type": "boolean"}, "quality": {"type": "integer", "minimum": 10, "maximum": 100}},
    }
    defaults = contracts.optional_defaults(schema, {"quality": 80, "blur": False})
    assert defaults == {"quality": 80}
    assert contracts.completed({"blur": True}, defaults) == contracts.completed({"blur": True, "quality": 80}, defaults)
    assert contracts.completed({"blur": True}, defaults) != contracts.completed({"blur": True, "quality": 10}, defaults)
    assert other_valid_value(schema["properties"]["quality"], 80) == 10
    assert other_valid_value(schema["properties"]["quality"], 10) == 100
    assert other_valid_value({"type": "boolean"}, True) is False
    assert other_valid_value({"type": "string"}, "x") is None


def test_duplicated_catalogue_keys_are_counted_not_merged():
    permissions.each_key_held_once({"woc_permissions": [("users.read",), ("users.write",)]})
    with pytest.raises(ContractViolation) as raised:
        permissions.each_key_held_once(
            {"woc_roles": [("acme", "MANAGER"), ("acme", "MANAGER"), ("globex", "MANAGER")], "woc_permissions": []}
        )
    assert str(raised.value).splitlines()[0] == (
        "1 catalogue key(s) held more than once: woc_roles: acme / MANAGER (2 rows)"
    )


def test_a_unique_key_is_enforced_by_an_index_on_it_or_on_fewer_of_its_columns():
    declared = [
        unique_keys.UniqueKey("Role", "woc_roles", ("organizationId", "key"), "@@unique"),
        unique_keys.UniqueKey("Permission", "woc_permissions", ("key",), "@unique"),
    ]
    unique_keys.every_declared_unique_key_enforced(
        declared, {"woc_roles": [frozenset({"organizationid"})], "woc_permissions": [frozenset({"key"})]}, schema="s"
    )
    with pytest.raises(ContractViolation) as raised:
        unique_keys.every_declared_unique_key_enforced(
            declared, {"woc_roles": [frozenset({"organizationid", "key", "id"})]}, schema="schema.prisma"
        )
    assert str(raised.value).splitlines()[0] == (
        "2 unique key(s) declared in schema.prisma are not enforced by the database: "
        "woc_roles(organizationId, key) (Role @@unique); woc_permissions(key) (Permission @unique)"
    )


def test_links_are_found_at_any_depth_by_their_field_name():
    body = {"data": [{"previewUrl": "/s/1/preview", "objectKey": "s/1.png", "links": {"href": "https://a/x"}}]}
    assert list(links._link_fields(body)) == [("data.previewUrl", "/s/1/preview"), ("data.links.href", "https://a/x")]


def test_upload_types_come_from_the_document_else_from_the_probe():
    multipart = {"encoding": {"file": {"contentType": "image/png, image/jpeg"}}}
    document = {"paths": {"/screenshots": {"post": {"requestBody": {"content": {"multipart/form-data": multipart}}}}}}
    assert policy_switches.upload_types(document, "/screenshots") == policy_switches.UploadTypes(
        ("image/png", "image/jpeg"), True
    )
    assert policy_switches.upload_types(None, "/screenshots") == policy_switches.UploadTypes(
        ("image/png", "image/jpeg", "image/webp"), False
    )


@pytest.mark.parametrize("media_type", ["image/png", "image/jpeg", "image/webp"])
def test_a_capture_is_an_image_of_its_type_and_a_wrong_declared_type_is_named(media_type):
    shot = images.picture(images.capture(media_type), "image/png", "the preview")
    assert (shot.media_type, shot.width, shot.height) == (media_type, 320, 240)
    images.declared_types_match([images.picture(images.capture(media_type), "application/octet-stream", "s")], what="x")
    if media_type != "image/png":
        with pytest.raises(ContractViolation, match=f"the preview says image/png for {media_type} bytes"):
            images.declared_types_match([shot], what="screenshot s1")
