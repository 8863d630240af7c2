"""The backup-restore gate tests against the reference stack: clean, each fault, a recorded drill."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gate_runs import failing, fault_matrix, items_by_id, run_gate_tests

pytest_plugins = ["pytester"]

RESTORE = Path(__file__).resolve().parents[1] / "restore"


def run_restore(pytester: pytest.Pytester, *args: str) -> tuple[pytest.RunResult, dict]:
    return run_gate_tests(pytester, str(RESTORE), "-m", "restore", *args)


items_of = items_by_id
failed_tests = failing


@pytest.mark.slow
def test_the_clean_stack_passes_every_restore_test_and_records_the_drill_and_keeps_no_dump(
    pytester, clean_stack, own_temp
):
    basetemp = pytester.path / "basetemp"
    result, record = run_restore(pytester, f"--woc-config={clean_stack.profile_path}", f"--basetemp={basetemp}")
    item = items_of(record)["backup-restore"]
    assert item["status"] == "PASS", result.stdout.str()
    assert len(item["tests"]) == 9
    drill = record["backup"]["restore_test_result"]
    assert drill["passed"] is True and drill["rto_seconds"] > 0
    assert record["backup"]["checksum"].startswith("sha256:")
    assert list(own_temp.iterdir()) == [] and not list(basetemp.rglob("*.sql"))  # the drill's full dump is gone
    assert result.ret == 0


FAULTS = {
    "missing-settings-row": (
        "test_every_active_organization_has_a_settings_row",
        "1 active organization(s) have no woc_organization_settings row: background-01",
    ),
    "legacy-table": (
        "test_no_old_non_prefixed_table_is_active",
        "1 non-prefixed (legacy) table(s) hold rows: users",
    ),
    "orphan-screenshot-object": (
        "test_every_screenshot_object_key_is_in_storage",
        "1 woc_screenshots.objectKey value(s) have no object in storage: screenshots/",
    ),
}


@fault_matrix
@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_restore_fault_fails_only_its_test_naming_the_table_org_or_key(pytester, dev_stack_factory, fault):
    test_name, title = FAULTS[fault]
    sandbox = dev_stack_factory(faults=[fault])
    result, record = run_restore(pytester, f"--woc-config={sandbox.profile_path}")
    items = items_of(record)
    item = items.pop("backup-restore")
    assert item["status"] == "FAIL"
    failures = failed_tests(item)
    assert list(failures) == [test_name]
    assert failures[test_name].startswith(title), failures[test_name]
    assert {other["status"] for other in items.values()} == {"UNVERIFIED"}
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_a_recorded_drill_older_than_the_window_is_refused(pytester, tmp_path):
    dump = tmp_path / "old.sql"
    dump.write_bytes(b"-- dump\n")
    manifest = {
        "timestamp": "2026-01-01T00:00:00+00:00",
        "environment": "staging",
        "database_host": "db:3306",
        "commit_sha": "a" * 40,
        "operator": "ops",
        "file_size": 8,
        "checksum": "sha256:" + "0" * 64,
        "row_counts": {},
        "prisma_migrations": [],
        "restore_test_result": {"drilled_at": "2026-01-01T00:00:00+00:00", "checks": {}, "rto_seconds": 1},
    }
    (tmp_path / "old.sql.manifest.json").write_text(json.dumps(manifest))
    pytester.makefile(".toml", **{"woc-gate": f'restore_drill_record = "{dump}"\n'})
    _, record = run_restore(pytester, "--woc-config", "woc-gate.toml")
    item = items_of(record)["backup-restore"]
    assert item["status"] == "FAIL"
    assert item["reason"].endswith("hours ago, more than restore_drill_max_age_hours (24); drill a fresh backup"), item[
        "reason"
    ]
