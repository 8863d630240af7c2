"""What each gate test did, gathered from pytest's reports, also across pytest-xdist workers."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ..gate import (
    DESELECTED,
    ERROR,
    FAILED,
    NOT_RUN,
    OTHER_SHARD,
    PASSED,
    SKIPPED,
    XFAILED,
    XPASSED,
    TestResult,
)

GATE_PROPERTY = "gate"  # the name gate ids carry in item.user_properties (and JUnit XML)
WRITE_PROPERTY = "woc_write"  # a record a test created on the target and left there
MEASURE_PROPERTY = "woc_measure"  # {name: value}, a figure a test measured
ARTIFACT_PREFIX = "playwright_"  # pytest-playwright's kept files: playwright_trace, playwright_screenshot, …
BACKUP_PROPERTY = "woc_backup"  # the backup and restore drill a test relied on (a JSON object)


@dataclass(frozen=True)
class _Phase:
    outcome: str  # pytest's: passed, failed, skipped
    xfail: bool
    duration: float
    message: str


def gate_ids(user_properties: Iterable[tuple[str, Any]]) -> tuple[str, ...]:
    """The gate item ids recorded in a test's user properties."""
    return tuple(value for name, value in user_properties if name == GATE_PROPERTY)


class Outcomes:
    """The gate tests of a run: which were selected or deselected, and how each phase ended."""

    def __init__(self, redact: Callable[[str], str] = str) -> None:
        self._redact = redact
        self.selected: dict[str, tuple[str, ...]] = {}
        self.deselected: dict[str, tuple[str, ...]] = {}
        self.elsewhere: dict[str, str] = {}  # nodeid -> which shard of a split run runs it
        self._phases: dict[str, dict[str, _Phase]] = {}
        self.writes: dict[str, None] = {}  # ordered, once each
        self._details: dict[str, dict[str, dict]] = {}  # nodeid -> artifacts and measures, ordered
        self.backup: dict | None = None  # the drill the restore tests relied on, for the run record

    def select(self, nodeid: str, item_ids: tuple[str, ...]) -> None:
        """Note a gate test that will run."""
        if item_ids:
            self.selected[nodeid] = item_ids

    def deselect(self, nodeid: str, item_ids: tuple[str, ...]) -> None:
        """Note a gate test that ``-k``/``-m`` left out."""
        if item_ids:
            self.deselected[nodeid] = item_ids

    def leave_to_shard(self, nodeid: str, item_ids: tuple[str, ...], shard: str) -> None:
        """Note a selected gate test that another shard of a split run runs (``shard``: ``2/3``)."""
        if item_ids:
            self.elsewhere[nodeid] = f"run by shard {shard}"

    def record(self, report) -> None:
        """Note one phase (setup, call, teardown) of a gate test, and the records it left on the target."""
        self.writes.update((self._redact(str(v)), None) for name, v in report.user_properties if name == WRITE_PROPERTY)
        for name, value in report.user_properties:
            if name == BACKUP_PROPERTY:
                self.backup = json.loads(self._redact(value))
        item_ids = gate_ids(report.user_properties)
        if not item_ids:
            return
        self.selected.setdefault(report.nodeid, item_ids)
        self._note_details(report)
        self._phases.setdefault(report.nodeid, {})[report.when] = _Phase(
            outcome=report.outcome,
            xfail=hasattr(report, "wasxfail"),
            duration=report.duration,
            message=self._redact(_message(report)),
        )

    def _note_details(self, report) -> None:
        details = self._details.setdefault(report.nodeid, {"artifacts": {}, "measures": {}})
        for name, value in report.user_properties:
            if name.startswith(ARTIFACT_PREFIX):
                details["artifacts"][str(value)] = None
            elif name == MEASURE_PROPERTY:
                details["measures"].update(value)

    def collected_output(self) -> dict[str, dict]:
        """What a worker collected, in a form that travels back to the controller."""
        return {
            "selected": {nodeid: list(ids) for nodeid, ids in self.selected.items()},
            "deselected": {nodeid: list(ids) for nodeid, ids in self.deselected.items()},
            "elsewhere": dict(self.elsewhere),
        }

    def merge_collected(self, output: dict[str, dict]) -> None:
        """Take in what a worker collected."""
        for nodeid, ids in output.get("selected", {}).items():
            self.select(nodeid, tuple(ids))
        for nodeid, ids in output.get("deselected", {}).items():
            self.deselect(nodeid, tuple(ids))
        self.elsewhere.update(output.get("elsewhere", {}))

    def results(self) -> list[TestResult]:
        """One result per gate test, deselected ones included."""
        results = [self._result(nodeid, ids) for nodeid, ids in self.selected.items()]
        results += [
            TestResult(nodeid, ids, DESELECTED)
            for nodeid, ids in self.deselected.items()
            if nodeid not in self.selected
        ]
        return results

    def _result(self, nodeid: str, item_ids: tuple[str, ...]) -> TestResult:
        if nodeid in self.elsewhere:
            return TestResult(nodeid, item_ids, OTHER_SHARD, message=self.elsewhere[nodeid])
        phases = self._phases.get(nodeid, {})
        outcome, deciding = _outcome(phases)
        duration = sum(phase.duration for phase in phases.values())
        message = deciding.message if deciding else ""
        details = self._details.get(nodeid, {"artifacts": {}, "measures": {}})
        return TestResult(
            nodeid,
            item_ids,
            outcome,
            duration,
            message,
            artifacts=tuple(details["artifacts"]),
            measures=tuple(details["measures"].items()),
        )


def _outcome(phases: dict[str, _Phase]) -> tuple[str, _Phase | None]:
    setup, call, teardown = (phases.get(when) for when in ("setup", "call", "teardown"))
    if setup is None:
        return NOT_RUN, None
    if setup.outcome == "failed":
        return ERROR, setup
    if setup.outcome == "skipped":
        return (XFAILED if setup.xfail else SKIPPED), setup
    if call is None:
        return NOT_RUN, None
    if call.outcome == "failed":
        return FAILED, call
    if call.outcome == "skipped":
        return (XFAILED if call.xfail else SKIPPED), call
    if teardown is not None and teardown.outcome == "failed":
        return ERROR, teardown
    return (XPASSED if call.xfail else PASSED), call


def _message(report) -> str:
    longrepr = report.longrepr
    if longrepr is None:
        return getattr(report, "wasxfail", "") or ""
    if isinstance(longrepr, tuple):  # a skip: (path, lineno, reason)
        return str(longrepr[2]).removeprefix("Skipped: ")
    crash = getattr(longrepr, "reprcrash", None)
    if crash is not None:
        return crash.message.removeprefix("Failed: ")  # pytest.fail's one-line reasons read as they were written
    text = str(longrepr).strip()
    return text.splitlines()[0] if text else ""  # a finding's title, or a one-line error
