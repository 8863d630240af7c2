"""Gate folders run in a pytester subprocess, as an operator runs them, and the run record they write."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]  # the checkout: its gate folders are contracts/, smoke/, …


def run_gate_tests(pytester: pytest.Pytester, *args: str) -> tuple[pytest.RunResult, dict]:
    """Run pytest with these arguments and a run record; the result and the record."""
    result = pytester.runpytest_subprocess(*args, "--gate-report", "gate.json", "-p", "no:cacheprovider")
    return result, json.loads((pytester.path / "gate.json").read_text())


def items_by_id(record: dict) -> dict[str, dict]:
    """The record's items keyed by their id."""
    return {item["id"]: item for item in record["items"]}


def failing(item: dict) -> dict[str, str]:
    """The item's failed or errored tests (name after the module) and their messages."""
    return {
        test["nodeid"].split("::", 1)[1]: test["message"]
        for test in item["tests"]
        if test["outcome"] in ("failed", "error")
    }
