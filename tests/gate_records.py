"""Run records made without running anything: test outcomes judged and written by the real report builder."""

from __future__ import annotations

import datetime as dt

from woc_gate.config import Settings
from woc_gate.gate import ITEMS, PASSED, TestResult, judge_all
from woc_gate.history import new_run_id
from woc_gate.report import build_record


def passing_tests() -> dict[str, tuple[str, str]]:
    """One passing test per item: ``{nodeid: (item id, outcome)}``."""
    return {f"gate/test_{item.id.replace('-', '_')}.py::test_it": (item.id, PASSED) for item in ITEMS}


def synthesised_record(
    outcomes: dict[str, tuple[str, str]],
    *,
    started: dt.datetime,
    environment: str = "staging",
    rto_seconds: float | None = None,
    attested: tuple[str, ...] = ("legal-privacy", "signed-installers"),
) -> dict:
    """The record of a run whose tests ended as ``outcomes``: ``{nodeid: (item id, outcome)}``."""
    tests = [TestResult(nodeid, (item_id,), outcome, 1.5) for nodeid, (item_id, outcome) in outcomes.items()]
    backup = None
    if rto_seconds is not None:
        backup = {"restore_test_result": {"rto_seconds": rto_seconds, "checks": {"counts": "passed"}}}
    return build_record(
        judge_all(tests, attested),
        run_id=new_run_id(started),
        settings=Settings(environment=environment),
        attestations=[],
        started=started,
        finished=started + dt.timedelta(seconds=90),
        gate_run=True,
        backup=backup,
    )
