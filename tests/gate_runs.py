"""Gate folders run through pytester, as an operator runs them (in this process unless a browser needs its own), and
the run record they write."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]  # the checkout: its gate folders are contracts/, smoke/, …


def fault_matrix(test):
    """Mark a test of the fault matrix (gate runs against stacks carrying catalogue faults): ``fault_matrix``, and
    ``slow``, since the inner loop leaves it to CI (``-m fault_matrix`` runs it alone)."""
    return pytest.mark.slow(pytest.mark.fault_matrix(test))


def run_gate_tests(pytester: pytest.Pytester, *args: str, in_subprocess: bool = False) -> tuple[pytest.RunResult, dict]:
    """Run pytest with these arguments and a run record; the result and the record.

    The run stays in this process unless ``in_subprocess``: a run that drives a browser needs its own (see conftest).
    """
    run = pytester.runpytest_subprocess if in_subprocess else pytester.runpytest_inprocess
    result = run(*args, "--gate-report", "gate.json", "-p", "no:cacheprovider")
    return result, json.loads((pytester.path / "gate.json").read_text())


REVERSED_ORDER = """
def pytest_collection_modifyitems(items):
    items.reverse()
"""


def in_reversed_order(pytester: pytest.Pytester) -> tuple[str, ...]:
    """Arguments that run a gate run's tests in reversed order, in one process, naming each test as it runs."""
    pytester.makepyfile(reverse_order=REVERSED_ORDER)
    return "-n", "0", "-v", "-p", "reverse_order"


def ran_first(result: pytest.RunResult) -> str:
    """The test a verbose run reported first (file and name)."""
    return next(line.split()[0].rsplit("/", 1)[1] for line in result.stdout.lines if "::" in line and " " in line)


def selecting(tests: Iterable[str]) -> tuple[str, str]:
    """pytest's ``-k`` selecting exactly these tests, named after their module with their parameters."""
    return "-k", " or ".join(sorted(tests))


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


def failing_by_item(items: dict[str, dict]) -> dict[str, list[str]]:
    """The failed or errored tests of each item that has any, sorted, by item id."""
    return {item_id: sorted(failing(item)) for item_id, item in items.items() if failing(item)}


def together(expected: Iterable[tuple[str, Iterable[str]]]) -> dict[str, list[str]]:
    """The union of (item id, expected failing tests) pairs: the tests each item must fail, sorted, by item id."""
    union: dict[str, set[str]] = {}
    for item_id, tests in expected:
        union.setdefault(item_id, set()).update(tests)
    return {item_id: sorted(tests) for item_id, tests in union.items()}
