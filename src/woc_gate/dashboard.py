"""The HTML dashboard of a run (``--gate-html``): one self-contained file, readable on a phone and printable.

Everything is inline (CSS, SVG charts); the only links are to the run's own artifacts, relative to the
report. The record and the finished page both pass through the settings' redactor.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import urllib.parse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .files import write_atomically
from .gate import FAILING_OUTCOMES
from .history import History, compare
from .redaction import Redactor

STRIP_RUNS = 10  # runs per item in the history strip, this one included
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
LATENCY_MEASURE = "upload_to_admin_seconds"
PROBE_SUFFIX = "_probes"
MIGRATION_PREFIX = "migrations_"
_CHART_WIDTH, _CHART_HEIGHT, _CHART_PAD = 240, 64, 6


def write_dashboard(
    path: Path, record: dict[str, Any], history: History, redact: Redactor, *, artifacts_base: Path
) -> None:
    """Write the dashboard of ``record`` to ``path``, with the earlier runs of its environment from ``history``.

    Artifact paths in the record are relative to ``artifacts_base`` (where pytest ran); links are relative to ``path``.
    """
    path = Path(path)
    html = render_dashboard(record, history, redact, report_dir=path.resolve().parent, artifacts_base=artifacts_base)
    write_atomically(path, html)


def render_dashboard(
    record: dict[str, Any], history: History, redact: Redactor, *, report_dir: Path, artifacts_base: Path
) -> str:
    """The dashboard page as HTML."""
    from jinja2 import Environment, PackageLoader  # loads with the first dashboard, not with the plugin

    record = redact.scrub(copy.deepcopy(record))
    earlier = history.of_environment(record["environment"], before=record.get("run_id"))
    runs = [*earlier[-(STRIP_RUNS - 1) :], record]
    environment = Environment(loader=PackageLoader("woc_gate", "templates"), autoescape=True)
    page = environment.get_template("dashboard.html").render(
        record=record,
        duration=run_seconds(record),
        previous=earlier[-1] if earlier else None,
        changes=compare(earlier[-1] if earlier else None, record),
        cards=[_card(item, record, runs, report_dir, artifacts_base) for item in record["items"]],
        drill=_drill(record),
        measures=_measures(record),
        charts=[
            _chart("Restore drill RTO (s)", runs, rto_seconds),
            _chart("Gate run duration (s)", runs, run_seconds),
        ],
        unreadable=history.unreadable,
    )
    return redact(page)


def run_seconds(record: dict[str, Any]) -> float:
    """How long the run took, from its start and end times."""
    started, finished = (dt.datetime.fromisoformat(record[key]) for key in ("started_at", "finished_at"))
    return (finished - started).total_seconds()


def rto_seconds(record: dict[str, Any]) -> float | None:
    """The restore drill's RTO, when the run relied on a drill."""
    result = (record.get("backup") or {}).get("restore_test_result") or {}
    return result.get("rto_seconds")


def _card(
    item: dict[str, Any], record: dict[str, Any], runs: Sequence[dict], report_dir: Path, artifacts_base: Path
) -> dict[str, Any]:
    failing = [test for test in item["tests"] if test["outcome"] in FAILING_OUTCOMES]
    tests = [
        {**test, "links": [_link(artifact, report_dir, artifacts_base) for artifact in test.get("artifacts", [])]}
        for test in item["tests"]
    ]
    return {
        **item,
        "tests": tests,
        "finding": failing[0]["message"] if failing else "",
        "attestations": [a for a in record["attestations"] if a["item"] == item["id"]],
        "strip": [_strip_cell(run, item["id"]) for run in runs],
    }


def _strip_cell(run: dict[str, Any], item_id: str) -> dict[str, str]:
    status = next((item["status"] for item in run["items"] if item["id"] == item_id), "none")
    return {"status": status, "run_id": run.get("run_id") or "", "started_at": run["started_at"]}


def _link(artifact: str, report_dir: Path, artifacts_base: Path) -> dict[str, Any]:
    relative = os.path.relpath(Path(artifacts_base, artifact), report_dir)
    return {
        "name": Path(artifact).name,
        "href": urllib.parse.quote(Path(relative).as_posix()),
        "image": artifact.lower().endswith(IMAGE_SUFFIXES),
    }


def _drill(record: dict[str, Any]) -> dict[str, Any] | None:
    backup = record.get("backup")
    if not backup:
        return None
    result = backup.get("restore_test_result") or {}
    objects = result.get("object_storage") or {}
    return {"backup": backup, "result": result, "checks": result.get("checks", {}), "objects": objects}


def _measures(record: dict[str, Any]) -> dict[str, list[tuple[str, float]]]:
    """The figures the tests measured, by kind: desktop latency, probes run, migration states."""
    seen: dict[str, dict[str, float]] = {}
    for item in record["items"]:
        for test in item["tests"]:
            seen.setdefault(test["nodeid"], test.get("measures", {}))
    latency = [(nodeid, found[LATENCY_MEASURE]) for nodeid, found in seen.items() if LATENCY_MEASURE in found]
    probes: dict[str, float] = {}
    migrations: dict[str, float] = {}
    for found in seen.values():
        for name, value in found.items():
            if name.endswith(PROBE_SUFFIX):
                probes[name] = probes.get(name, 0) + value
            elif name.startswith(MIGRATION_PREFIX):
                migrations[name.removeprefix(MIGRATION_PREFIX).replace("_", " ")] = value
    return {"latency": latency, "probes": sorted(probes.items()), "migrations": list(migrations.items())}


def _chart(title: str, runs: Sequence[dict[str, Any]], value_of) -> dict[str, Any]:
    """A small line chart of one figure over the runs: SVG coordinates, each point titled with its run and value."""
    values = [value_of(run) for run in runs]
    known = [value for value in values if value is not None]
    top = max(known, default=0) or 1
    step = (_CHART_WIDTH - 2 * _CHART_PAD) / max(len(runs) - 1, 1)
    points = [
        {
            "x": round(_CHART_PAD + index * step, 1),
            "y": round(_CHART_HEIGHT - _CHART_PAD - (value / top) * (_CHART_HEIGHT - 2 * _CHART_PAD), 1),
            "label": f"{run.get('run_id') or run['started_at']}: {value:.1f} s",
        }
        for index, (run, value) in enumerate(zip(runs, values, strict=True))
        if value is not None
    ]
    return {
        "title": title,
        "width": _CHART_WIDTH,
        "height": _CHART_HEIGHT,
        "points": points,
        "polyline": " ".join(f"{point['x']},{point['y']}" for point in points),
        "latest": f"{known[-1]:.1f}" if known else None,
        "top": f"{top:.1f}",
    }
