"""woc_gate.sources.shared and woc_gate.sources.nodetools against the reference tree and small trees of tests/data."""

import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from woc_gate.errors import SourceError
from woc_gate.sources.nodetools import NODE_DIR, NodeTools, default_cache_dir
from woc_gate.sources.shared import load_shared

ROOT = Path(__file__).resolve().parents[1]
FIXTURE_SHARED = ROOT / "fixtures" / "workonclock" / "packages" / "shared"
DATA = Path(__file__).parent / "data"
UNCONVERTIBLE = DATA / "shared_unconvertible"
SYNTAX_ERROR = DATA / "shared_syntax_error"


class CountingRunner:
    """Runs node for real and records which script each run was for."""

    def __init__(self):
        self.scripts = []

    def __call__(self, command, **options):
        self.scripts.append(Path(command[1]).name)
        return subprocess.run(command, **options)


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("node-cache")


@pytest.fixture(scope="module")
def shared(cache_dir):
    return load_shared(FIXTURE_SHARED, cache_dir=cache_dir)


@pytest.fixture(scope="module")
def policy_schema(shared):
    return shared.schema("TrackingPolicy")


def test_tracking_policy_has_six_fields_with_integer_ranges(policy_schema):
    definition = policy_schema["definitions"]["TrackingPolicy"]
    shapes = {
        name: {key: value for key, value in field.items() if key != "description"}
        for name, field in definition["properties"].items()
    }
    assert policy_schema["$ref"] == "#/definitions/TrackingPolicy"
    assert shapes == {
        "screenshotsEnabled": {"type": "boolean"},
        "screenshotIntervalMinutes": {"type": "integer", "minimum": 1, "maximum": 60},
        "blurScreenshots": {"type": "boolean"},
        "idleTimeoutMinutes": {"type": "integer", "minimum": 1, "maximum": 120},
        "screenshotRetentionDays": {"type": "integer", "minimum": 1, "maximum": 365},
        "allowManualTime": {"type": "boolean"},
    }
    assert sorted(definition["required"]) == sorted(shapes)


def test_tracking_policy_schema_rejects_an_interval_out_of_range(policy_schema):
    policy = {
        "screenshotsEnabled": True,
        "screenshotIntervalMinutes": 61,
        "blurScreenshots": False,
        "idleTimeoutMinutes": 5,
        "screenshotRetentionDays": 30,
        "allowManualTime": True,
    }
    errors = [error.message for error in jsonschema.Draft7Validator(policy_schema).iter_errors(policy)]
    assert errors == ["61 is greater than the maximum of 60"]


@settings(max_examples=25, deadline=None, derandomize=True, print_blob=True)  # the same draws every run
@given(data=st.data())
def test_hypothesis_draws_only_valid_policies(policy_schema, data):
    policy = data.draw(from_schema(policy_schema, allow_x00=False))
    jsonschema.validate(policy, policy_schema)
    assert isinstance(policy["screenshotIntervalMinutes"], int)
    assert 1 <= policy["screenshotIntervalMinutes"] <= 60


def test_screenshot_event_carries_formats(shared):
    properties = shared.schema("ScreenshotEvent")["definitions"]["ScreenshotEvent"]["properties"]
    formats = {name: field["format"] for name, field in properties.items() if "format" in field}
    assert formats == {"capturedAt": "date-time", "previewUrl": "uri"}


def test_type_names_are_the_exported_types(shared):
    assert shared.type_names == ("PermissionKey", "RoleKey", "ScreenshotEvent", "TrackingPolicy")


def test_permission_key_schema_lists_every_permission(shared):
    definition = shared.schema("PermissionKey")["definitions"]["PermissionKey"]
    assert definition["enum"] == shared.constant("PERMISSIONS")


def test_role_defaults_evaluate(shared):
    defaults = shared.constant("ROLE_DEFAULT_PERMISSIONS")
    assert list(defaults) == shared.constant("ROLE_KEYS") == ["OWNER", "ADMIN", "MANAGER", "MEMBER"]
    assert defaults["OWNER"] == shared.constant("PERMISSIONS")
    assert defaults["MEMBER"] == ["projects.read", "time.read", "time.write", "screenshots.read"]
    assert "settings.write" not in defaults["ADMIN"]


@pytest.mark.slow
def test_unconvertible_type_hides_none_of_the_others(cache_dir):
    source = load_shared(UNCONVERTIBLE, cache_dir=cache_dir)
    assert source.type_names == ("DefaultPermission", "Role")
    assert source.schema("Role")["definitions"]["Role"]["properties"] == {"key": {"type": "string", "minLength": 1}}


def test_unconvertible_type_fails_when_asked_for(cache_dir):
    source = load_shared(UNCONVERTIBLE, cache_dir=cache_dir)
    with pytest.raises(SourceError) as raised:
        source.schema("DefaultPermission")
    assert str(raised.value) == (
        f"{UNCONVERTIBLE}/src/roles.ts:7: type DefaultPermission cannot be converted to a JSON schema: "
        'No additional properties in type "(["users.read","users.write"]|["users.read"])" (TSJ-104)'
    )


def test_unknown_type_names_the_exported_ones(shared):
    with pytest.raises(SourceError) as raised:
        shared.schema("Policy")
    assert str(raised.value) == (
        f"{FIXTURE_SHARED}/src/index.ts exports no type Policy; "
        "exported types: PermissionKey, RoleKey, ScreenshotEvent, TrackingPolicy"
    )


def test_unknown_constant_names_the_exported_ones(shared):
    with pytest.raises(SourceError) as raised:
        shared.constant("ROLES")
    assert str(raised.value) == (
        f"{FIXTURE_SHARED}/src/index.ts exports no constant ROLES; "
        "exported constants: PERMISSIONS, ROLE_DEFAULT_PERMISSIONS, ROLE_KEYS"
    )


def test_function_export_is_no_constant(cache_dir):
    source = load_shared(UNCONVERTIBLE, cache_dir=cache_dir)
    with pytest.raises(SourceError) as raised:
        source.constant("describeRole")
    assert str(raised.value) == (
        f"{UNCONVERTIBLE}/src/index.ts: the export describeRole is not a JSON value (a function, class or the like)"
    )


@pytest.mark.slow
def test_typescript_syntax_error_names_file_and_line(cache_dir):
    source = load_shared(SYNTAX_ERROR, cache_dir=cache_dir)
    with pytest.raises(SourceError) as raised:
        source.schema("TrackingPolicy")
    assert str(raised.value) == (
        f"{SYNTAX_ERROR}/src/policy.ts:3: TypeScript syntax error: Property or signature expected."
    )


def test_syntax_error_stops_constants_naming_file_and_line(cache_dir):
    source = load_shared(SYNTAX_ERROR, cache_dir=cache_dir)
    with pytest.raises(SourceError) as raised:
        source.constant("DEFAULT_INTERVAL")
    assert str(raised.value) == f'{SYNTAX_ERROR}/src/policy.ts:3: esbuild cannot bundle the package: Unexpected ","'


def test_package_without_entry_is_refused(tmp_path):
    with pytest.raises(SourceError) as raised:
        load_shared(tmp_path)
    assert str(raised.value) == (
        f"{tmp_path}/src/index.ts not found: {tmp_path} is not a shared package with the entry src/index.ts; "
        "point woc-gate at the packages/shared folder of a WorkOnClock checkout"
    )


@pytest.mark.slow
def test_second_load_runs_no_node(tmp_path):
    runner = CountingRunner()
    for _ in range(2):
        source = load_shared(FIXTURE_SHARED, cache_dir=tmp_path, runner=runner)
        source.schema("TrackingPolicy")
        source.constant("ROLE_DEFAULT_PERMISSIONS")
    assert runner.scripts == ["schema.mjs", "constants.mjs"]
    assert sorted(path.suffix for path in tmp_path.iterdir()) == [".json", ".json"]


@pytest.mark.slow
def test_an_identical_copy_elsewhere_reuses_the_cache(tmp_path):
    runner = CountingRunner()
    for copy in ("first", "second"):
        package = shutil.copytree(FIXTURE_SHARED, tmp_path / copy / "shared")
        source = load_shared(package, cache_dir=tmp_path / "cache", runner=runner)
        assert source.schema("TrackingPolicy")["$ref"] == "#/definitions/TrackingPolicy"
        assert source.entry == package / "src" / "index.ts"
    assert runner.scripts == ["schema.mjs"]


def test_changed_input_runs_node_again(tmp_path):
    package = shutil.copytree(UNCONVERTIBLE, tmp_path / "shared")
    runner = CountingRunner()
    assert load_shared(package, cache_dir=tmp_path / "cache", runner=runner).constant("ROLE_DEFAULTS")["MEMBER"] == [
        "users.read"
    ]
    roles = package / "src" / "roles.ts"
    roles.write_text(roles.read_text().replace("MEMBER: ['users.read']", "MEMBER: []"))
    assert load_shared(package, cache_dir=tmp_path / "cache", runner=runner).constant("ROLE_DEFAULTS")["MEMBER"] == []
    assert runner.scripts == ["constants.mjs", "constants.mjs"]


def test_missing_node_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(SourceError) as raised:
        load_shared(UNCONVERTIBLE, cache_dir=tmp_path).constant("ROLE_DEFAULTS")
    assert str(raised.value) == "node was not found on PATH; install Node.js 20 or later with npm"


def test_cache_dir_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("WOC_GATE_CACHE_DIR", str(tmp_path / "gate"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "gate"


def test_cache_dir_defaults_to_the_user_cache(monkeypatch, tmp_path):
    monkeypatch.delenv("WOC_GATE_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "woc-gate"


def test_two_cold_loads_at_once_share_one_entry(tmp_path):
    def load(_):
        return load_shared(UNCONVERTIBLE, cache_dir=tmp_path).constant("ROLE_DEFAULTS")

    with ThreadPoolExecutor(max_workers=2) as pool:
        first, second = pool.map(load, range(2))
    assert first == second
    assert [path.suffix for path in tmp_path.iterdir()] == [".json"]


def test_slow_node_run_is_stopped_at_the_timeout(tmp_path):
    tools = NodeTools(cache_dir=tmp_path, timeout=0.001)
    with pytest.raises(SourceError) as raised:
        tools.call("constants.mjs", {"entry": str(UNCONVERTIBLE / "src" / "index.ts")})
    assert str(raised.value) == (
        "node constants.mjs did not finish within 0.001 s; check the machine's load and run again"
    )


def test_crashed_node_run_names_the_error(tmp_path):
    with pytest.raises(SourceError) as raised:
        NodeTools(cache_dir=tmp_path).call("constants.mjs", {})
    assert str(raised.value) == (
        'node constants.mjs failed (exit 1): TypeError [ERR_INVALID_ARG_TYPE]: The "path" argument must be of type '
        f"string. Received undefined; reinstall the node tools: run npm ci --prefix {NODE_DIR}"
    )
