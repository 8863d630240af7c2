"""Every complete gate run kept under its run id, and what changed from one run to the next.

A history folder holds one ``<run id>.json`` per run (files 0600 in a 0700 folder); run ids begin
with the UTC start time, so their order is the order of the runs. "The previous run" is the latest
earlier run of the same environment (dev, staging, production).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import WocGateError
from .files import private_folder, write_atomically
from .gate import DESELECTED, NOT_RUN, OTHER_SHARD, PASSED, SKIPPED, XFAILED, Status
from .report import load_record, validate_record

DEFAULT_FOLDER = Path(".woc-gate/history")
EXPIRY_WARNING_DAYS = 7
NOT_RUN_OUTCOMES = frozenset({SKIPPED, DESELECTED, NOT_RUN, XFAILED, OTHER_SHARD})

NEWLY_FAILING = "newly failing"
NEWLY_UNVERIFIED = "newly unverified"
NEWLY_PROVEN = "newly proven"
NOW_SKIPPED = "passed before, now not run"
EXPIRING = "attestation expiring"
KINDS = (NEWLY_FAILING, NEWLY_UNVERIFIED, NOW_SKIPPED, EXPIRING, NEWLY_PROVEN)  # the order changes are listed in


def new_run_id(started: dt.datetime) -> str:
    """A run id: the UTC start time, then a random part (``20261207T162443Z-3f9a2c``)."""
    return f"{started.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def keep(record: dict[str, Any], folder: Path, redact: Callable[[str], str]) -> Path:
    """Validate the record and write it as ``<folder>/<run id>.json``, 0600 in a 0700 folder; its path."""
    validate_record(record)
    private_folder(folder)
    path = Path(folder) / f"{record['run_id']}.json"
    write_atomically(path, redact(json.dumps(record, indent=2) + "\n"))
    return path


@dataclass(frozen=True)
class History:
    """The runs kept in a history folder, oldest first, and the files that could not be read as run records."""

    runs: list[dict[str, Any]]
    unreadable: list[str]

    def of_environment(self, environment: str, *, before: str | None = None) -> list[dict[str, Any]]:
        """The runs of one environment, oldest first; with ``before``, only those whose run id sorts earlier."""
        return [
            run for run in self.runs if run["environment"] == environment and (before is None or run["run_id"] < before)
        ]


def load(folder: Path | None) -> History:
    """The run records of a history folder (none when it does not exist)."""
    if folder is None or not Path(folder).is_dir():
        return History([], [])
    runs, unreadable = [], []
    for path in sorted(Path(folder).glob("*.json")):
        try:
            record = load_record(path)
        except WocGateError:
            unreadable.append(path.name)
            continue
        if record.get("run_id") == path.stem:
            runs.append(record)
        else:
            unreadable.append(path.name)
    return History(runs, unreadable)


@dataclass(frozen=True)
class Change:
    """One difference between two runs: what kind, about what (an item, a test, an attestation), and its detail."""

    kind: str
    subject: str
    detail: str

    @property
    def worse(self) -> bool:
        """True for a change a release manager must look at (all but a newly proven item)."""
        return self.kind != NEWLY_PROVEN


def compare(previous: dict[str, Any] | None, current: dict[str, Any]) -> list[Change]:
    """What changed from ``previous`` to ``current``, worst first: items, tests no longer run, attestations."""
    changes = _item_changes(previous, current) + _tests_not_run_any_more(previous, current)
    return sorted(changes + _expiring_attestations(current), key=lambda change: KINDS.index(change.kind))


def _item_changes(previous: dict[str, Any] | None, current: dict[str, Any]) -> list[Change]:
    if previous is None:
        return []
    before = {item["id"]: item["status"] for item in previous["items"]}
    changes = []
    for item in current["items"]:
        was, now = before.get(item["id"]), item["status"]
        if was == now:
            continue
        kind = {Status.FAIL.value: NEWLY_FAILING, Status.PASS.value: NEWLY_PROVEN}.get(now, NEWLY_UNVERIFIED)
        detail = f"{was} -> {now}" + (f": {item['reason']}" if item["reason"] else "")
        changes.append(Change(kind, item["id"], detail))
    return changes


def _tests_not_run_any_more(previous: dict[str, Any] | None, current: dict[str, Any]) -> list[Change]:
    if previous is None:
        return []
    passed_before = {
        test["nodeid"] for item in previous["items"] for test in item["tests"] if test["outcome"] == PASSED
    }
    changes: dict[str, Change] = {}
    for item in current["items"]:
        for test in item["tests"]:
            if test["nodeid"] in passed_before and test["outcome"] in NOT_RUN_OUTCOMES:
                detail = f"passed -> {test['outcome']}" + (f": {test['message']}" if test["message"] else "")
                changes.setdefault(test["nodeid"], Change(NOW_SKIPPED, test["nodeid"], detail))
    return list(changes.values())


def _expiring_attestations(current: dict[str, Any]) -> list[Change]:
    today = dt.date.fromisoformat(current["finished_at"][:10])
    changes = []
    for attestation in current["attestations"]:
        expires = attestation.get("expires")
        if not attestation["valid"] or not expires:
            continue
        left = (dt.date.fromisoformat(expires) - today).days
        if left <= EXPIRY_WARNING_DAYS:
            detail = f"by {attestation['approver']} ({attestation['role']}) expires {expires}, in {left} days"
            changes.append(Change(EXPIRING, attestation["item"], detail))
    return changes


def render_changes(previous: dict[str, Any] | None, current: dict[str, Any], changes: Sequence[Change]) -> list[str]:
    """The changes as terminal lines, ``terraform plan`` style: ``-`` worse, ``+`` better, then a count."""
    lines = [f"from: {_described(previous)}" if previous else "from: no earlier run", f"to:   {_described(current)}"]
    if previous and previous["environment"] != current["environment"]:
        lines.append(
            f"note: the runs are of different environments ({previous['environment']}, {current['environment']})"
        )
    lines.append("")
    for change in changes:
        lines.append(f"{'-' if change.worse else '+'} {change.kind}: {change.subject}: {change.detail}")
    if not changes:
        lines.append("no change")
    worse = sum(change.worse for change in changes)
    lines += ["", f"{len(changes)} changes, {worse} for the worse"]
    return lines


def _described(record: dict[str, Any]) -> str:
    run_id = record.get("run_id") or "no run id"
    return f"{run_id} ({record['environment']}, {record['started_at']}, {record['verdict']})"
