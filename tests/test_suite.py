"""woc_gate.suite from a checkout: the top-level folders are the gate tests, and a missing pytest.ini is one line."""

from pathlib import Path

from woc_gate import suite
from woc_gate.cli import main as woc_gate

ROOT = Path(__file__).resolve().parents[1]


def test_a_checkout_runs_its_own_top_level_folders():
    assert suite.SUITE_ROOT == ROOT
    assert suite.pytest_ini() == ROOT / "pytest.ini"
    assert suite.gate_test_folders() == [
        ROOT / name for name in ("contracts", "smoke", "tenant", "restore", "migration", "readiness")
    ]
    assert suite.REFERENCE_TREE == ROOT / "fixtures" / "workonclock"
    assert suite.SEED_PATH.is_file()


def test_run_without_the_gate_tests_says_to_reinstall(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(suite, "SUITE_ROOT", tmp_path)
    assert woc_gate(["run"]) == 2
    assert capsys.readouterr().err == (
        f"woc-gate: woc-gate's gate tests are missing ({tmp_path}/pytest.ini not found); reinstall woc-gate\n"
    )
