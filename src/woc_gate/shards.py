"""A gate run split over CI jobs against one target: which tests a shard runs, and the shards' records merged into
the record of the one run they make.

``--gate-shard K/N`` keeps the K-th of N parts of the selected tests. The split depends only on what every job has
alike: the node ids, sorted (no plugin's order moves it), and with ``--gate-shard-durations RECORD`` the durations
that record holds (every job must be given the same file). Tests are dealt longest first, each to the shard with the
least time so far (the lower number on a tie); without durations every test weighs the same, so the sorted ids are
dealt round. Either way each shard gets a test as long as at least N are selected.

A shard's record lists every selected gate test: its own with their outcomes, the others as ``other shard``, so an
item with tests elsewhere is never proven by one shard. ``merge`` takes the records of shards 1 … N of one run and
judges every item again from each test's own shard: the verdict and table one unsharded run gives.
"""

from __future__ import annotations

import datetime as dt
import heapq
import re
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import attestations as attestation_file
from .attestations import Attestation
from .errors import ConfigError, WocGateError
from .gate import DESELECTED, ITEMS_BY_ID, NOT_RUN, OTHER_SHARD, ItemResult, TestResult, judge
from .history import new_run_id
from .report import SCHEMA_VERSION, item_entry, validate_record, verdict_line

LEAST_WEIGHT = 0.1  # seconds a test weighs at least, so that tests recorded as taking none still spread
CI_RUN_VARIABLES = ("GITHUB_RUN_ID", "CI_PIPELINE_ID")  # the run a job belongs to: GitHub Actions, GitLab CI
SAME_IN_ONE_RUN: dict[str, Callable[[dict], Any]] = {  # what the shards of one run share, named as a refusal says
    "runs": lambda record: record["shard"]["run"],
    "commits": lambda record: record["commit_sha"],
    "targets": lambda record: record["target"],
    "environments": lambda record: record["environment"],
    "woc-gate versions": lambda record: record["suite"]["version"],
    "operators": lambda record: record["operator"],
    "kinds of run (gate or not)": lambda record: record["gate_run"],
    "attestations": lambda record: record["attestations"],
}


@dataclass(frozen=True)
class Shard:
    """The K-th of N shards of a run, and the CI run it belongs to (so that shards of different runs never merge)."""

    index: int
    count: int
    run: str | None = None

    @classmethod
    def parse(cls, text: str, run: str | None = None) -> Shard:
        """``K/N`` as ``--gate-shard`` takes it."""
        match = re.fullmatch(r"(\d+)/(\d+)", text.strip())
        if match is None or not 1 <= int(match[1]) <= int(match[2]):
            raise ConfigError(f"--gate-shard {text!r} is not K/N with 1 <= K <= N: pass e.g. 2/3 for the second of 3")
        return cls(int(match[1]), int(match[2]), run)

    @property
    def split(self) -> bool:
        """True when the run is split in several shards (1/1 is the whole run)."""
        return self.count > 1

    def entry(self) -> dict[str, Any]:
        """The shard as its record holds it."""
        return {"index": self.index, "count": self.count, "run": self.run}

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def ci_run(environ: Mapping[str, str]) -> str | None:
    """The CI run this job belongs to, from the variables the CI system sets (``GITHUB_RUN_ID=…``); None outside CI."""
    return next((f"{name}={environ[name]}" for name in CI_RUN_VARIABLES if environ.get(name)), None)


def assign(nodeids: Iterable[str], count: int, durations: Mapping[str, float] | None = None) -> dict[str, int]:
    """Each test's shard (1 … ``count``): longest first, each to the shard with the least time so far.

    A test weighs its duration, at least ``LEAST_WEIGHT``; one ``durations`` does not know, their mean.
    """
    nodeids = set(nodeids)
    durations = durations or {}
    known = [durations[nodeid] for nodeid in nodeids if nodeid in durations]
    unknown = statistics.fmean(known) if known else LEAST_WEIGHT
    weight = {nodeid: max(durations.get(nodeid, unknown), LEAST_WEIGHT) for nodeid in nodeids}
    loads = [(0.0, index) for index in range(1, count + 1)]
    owner = {}
    for nodeid in sorted(nodeids, key=lambda nodeid: (-weight[nodeid], nodeid)):
        load, index = heapq.heappop(loads)
        owner[nodeid] = index
        heapq.heappush(loads, (load + weight[nodeid], index))
    return owner


def durations_of(record: dict[str, Any]) -> dict[str, float]:
    """The seconds each test a run record ran took, by node id."""
    return {
        test["nodeid"]: test["duration"]
        for item in record["items"]
        for test in item["tests"]
        if test["outcome"] not in (OTHER_SHARD, DESELECTED, NOT_RUN)
    }


def merge(records: Sequence[tuple[Path, dict[str, Any]]]) -> tuple[dict[str, Any], list[ItemResult]]:
    """The record of one run from its shards' records (``(file, record)`` pairs), and the verdict on each item.

    A ``WocGateError`` names what does not fit: a record of no shard, shards of different splits, runs, commits or
    targets, a shard given twice or missing, shards that selected different tests or ran one test twice.
    """
    shards = _every_shard_once(records)
    (first_file, first), others = shards[0], shards[1:]
    for file, record in others:
        _of_one_run(first_file, first, file, record)
    own = _own_tests(shards)
    attestations = [_attestation(entry) for entry in first["attestations"]]
    attested, refused = attestation_file.attested_items(attestations), attestation_file.refusals(attestations)
    results = [
        judge(
            ITEMS_BY_ID[item["id"]],
            [_test_result(own[test["nodeid"]], item["id"]) for test in item["tests"]],
            item["id"] in attested,
            refused.get(item["id"], ""),
        )
        for item in first["items"]
    ]
    started = min(record["started_at"] for _, record in shards)
    merged = {
        "schema_version": SCHEMA_VERSION,
        "run_id": new_run_id(dt.datetime.fromisoformat(started)),
        "suite": first["suite"],
        "started_at": started,
        "finished_at": max(record["finished_at"] for _, record in shards),
        "gate_run": first["gate_run"],
        "verdict": verdict_line(results),
        **{key: first[key] for key in ("environment", "target", "commit_sha", "operator")},
        "items": [item_entry(result) for result in results],
        "attestations": first["attestations"],
        "writes": list(dict.fromkeys(write for _, record in shards for write in record["writes"])),
        "backup": next((record["backup"] for _, record in shards if record["backup"]), None),
        "merged_from": [record["run_id"] for _, record in shards],
    }
    validate_record(merged)
    return merged, results


def _every_shard_once(records: Sequence[tuple[Path, dict[str, Any]]]) -> list[tuple[Path, dict[str, Any]]]:
    """The records in shard order, once each shard 1 … N of one split."""
    by_index: dict[int, tuple[Path, dict[str, Any]]] = {}
    count = None
    for file, record in records:
        shard = record.get("shard")
        if shard is None:
            raise WocGateError(f"{file} is not the record of a shard: merge the records of runs with --gate-shard K/N")
        count = count or shard["count"]
        if shard["count"] != count:
            raise WocGateError(
                f"{file} is shard {shard['index']}/{shard['count']}, not one of {count}: merge the shards of one split"
            )
        if shard["index"] in by_index:
            raise WocGateError(f"{by_index[shard['index']][0]} and {file} are both shard {shard['index']}/{count}")
        by_index[shard["index"]] = (file, record)
    missing = [str(index) for index in range(1, (count or 0) + 1) if index not in by_index]
    if missing:
        raise WocGateError(
            f"shard {', '.join(missing)} of {count} missing: give the record of every shard 1 to {count} of the run"
        )
    return [by_index[index] for index in sorted(by_index)]


def _of_one_run(first_file: Path, first: dict[str, Any], file: Path, record: dict[str, Any]) -> None:
    for what, value in SAME_IN_ONE_RUN.items():
        if value(first) != value(record):
            shown = "" if what == "attestations" else f" ({_shown(value(first))}, {_shown(value(record))})"
            raise WocGateError(f"{first_file} and {file} are of different {what}{shown}: merge the shards of one run")
    mine, theirs = _nodeids(first), _nodeids(record)
    if mine != theirs:
        odd, where = (sorted(mine - theirs)[0], first_file) if mine - theirs else (sorted(theirs - mine)[0], file)
        raise WocGateError(
            f"{first_file} and {file} did not select the same tests ({odd} is only in {where}):"
            " run every shard with the same arguments on the same checkout"
        )


def _own_tests(shards: Sequence[tuple[Path, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Each test as the one shard that ran it recorded it (as deselected when every shard deselected it)."""
    entries: dict[str, dict[int, dict[str, Any]]] = {}
    for _, record in shards:
        for item in record["items"]:
            for test in item["tests"]:
                entries.setdefault(test["nodeid"], {})[record["shard"]["index"]] = test
    own = {}
    for nodeid, by_shard in entries.items():
        ran = sorted(index for index, test in by_shard.items() if test["outcome"] != OTHER_SHARD)
        deselected = all(test["outcome"] == DESELECTED for test in by_shard.values())
        if len(ran) != 1 and not deselected:
            who = f"shards {' and '.join(map(str, ran))}" if ran else "no shard"
            raise WocGateError(
                f"{nodeid} was run by {who} of {len(shards)}: the shards split the tests differently;"
                " give every shard the same --gate-shard-durations (or none)"
            )
        own[nodeid] = by_shard[ran[0]]
    return own


def _nodeids(record: dict[str, Any]) -> set[str]:
    return {test["nodeid"] for item in record["items"] for test in item["tests"]}


def _test_result(entry: dict[str, Any], item_id: str) -> TestResult:
    return TestResult(
        entry["nodeid"],
        (item_id,),
        entry["outcome"],
        entry["duration"],
        entry["message"],
        artifacts=tuple(entry.get("artifacts", ())),
        measures=tuple(entry.get("measures", {}).items()),
    )


def _attestation(entry: dict[str, Any]) -> Attestation:
    date = dt.date.fromisoformat(entry["date"]) if entry["date"] else None
    return Attestation(
        entry["item"], entry["approver"], entry["role"], date, entry["evidence"], entry["valid"], entry["reason"]
    )


def _shown(value: Any) -> str:
    if isinstance(value, dict):  # a target: its kind and web URL say which
        return f"{value['kind']} {value['web_url'] or 'without a web URL'}"
    return "none" if value is None else str(value)
