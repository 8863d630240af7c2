"""The run record (JSON), its Markdown twin, and the release-gate table printed after the summary."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from . import __version__
from .attestations import Attestation
from .config import Settings
from .errors import WocGateError
from .files import write_atomically
from .gate import DESELECTED, ERROR, FAILED, PASSED, ItemResult, Status, TestResult
from .redaction import mask_url

SCHEMA_VERSION = 1
_COLUMNS = ("item", "status", "passed", "failed", "skipped", "first failure")


def build_record(
    results: Sequence[ItemResult],
    *,
    run_id: str,
    settings: Settings,
    attestations: Sequence[Attestation],
    started: dt.datetime,
    finished: dt.datetime,
    gate_run: bool,
    writes: Sequence[str] = (),
    backup: dict[str, Any] | None = None,
    shard: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON run record of one gate run (DESIGN §5); an attestation's ``expires`` follows from the settings.

    ``shard`` (index, count, run) marks the record of one shard of a split run.
    """
    record = {
        "schema_version": SCHEMA_VERSION,
        "run_id": run_id,
        "suite": {"name": "woc-gate", "version": __version__},
        "started_at": _utc(started),
        "finished_at": _utc(finished),
        "gate_run": gate_run,
        "verdict": verdict_line(results),
        "environment": settings.environment,
        "target": {
            "kind": settings.target,
            "web_url": settings.web_url,
            "api_url": settings.api_url,
            "desktop_api_url": settings.desktop_api_url,
            "database": mask_url(settings.database_url) if settings.database_url else None,
        },
        "commit_sha": settings.commit_sha,
        "operator": settings.operator,
        "items": [item_entry(result) for result in results],
        "attestations": [_attestation(a, settings.attestation_max_age_days) for a in attestations],
        "writes": list(writes),
        "backup": backup,
    }
    if shard is not None:
        record["shard"] = shard
    return record


def verdict_line(results: Sequence[ItemResult]) -> str:
    """``RELEASE GATE PASSED``, or how many items are not proven."""
    unproven = sum(result.status is not Status.PASS for result in results)
    if not unproven:
        return "RELEASE GATE PASSED"
    return f"RELEASE GATE BLOCKED: {unproven} of {len(results)} items not proven"


def shown_items(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The items a record's table shows: all of a gate run's, else those the run ran a test of."""
    if record["gate_run"]:
        return record["items"]
    return [item for item in record["items"] if any(test["outcome"] != DESELECTED for test in item["tests"])]


def is_part(record: dict[str, Any]) -> bool:
    """True for the record of one shard of a run split in several (``--gate-shard K/N``, N > 1)."""
    return record.get("shard", {}).get("count", 1) > 1


def summary_line(record: dict[str, Any]) -> str:
    """The line under the table: a gate run's verdict, else how many of the items it tested are proven; for one
    shard of a split run, that the verdict is the merged record's."""
    if is_part(record):
        shard = record["shard"]
        return (
            f"shard {shard['index']}/{shard['count']} of a split run: no verdict of its own;"
            f" merge the records of all {shard['count']} shards (woc-gate report --merge)"
        )
    if record["gate_run"]:
        return record["verdict"]
    items = shown_items(record)
    proven = sum(item["status"] == Status.PASS.value for item in items)
    return f"{proven} of {len(items)} items this run tested are proven (not a gate run: no release-gate verdict)"


def record_passed(record: dict[str, Any]) -> bool:
    """A gate run's record: the gate passed; another's: every item it tested is proven; one shard's: never."""
    if is_part(record):
        return False
    if record["gate_run"]:
        return record["verdict"] == "RELEASE GATE PASSED"
    items = shown_items(record)
    return bool(items) and all(item["status"] == Status.PASS.value for item in items)


def table_rows(record: dict[str, Any]) -> list[tuple[str, ...]]:
    """One row per item the record's table shows: id, status, counts, first failure."""
    rows = []
    for item in shown_items(record):
        outcomes = [test["outcome"] for test in item["tests"]]
        rows.append(
            (
                item["id"],
                item["status"],
                str(outcomes.count(PASSED)),
                str(outcomes.count(FAILED) + outcomes.count(ERROR)),
                str(len(outcomes) - outcomes.count(PASSED) - outcomes.count(FAILED) - outcomes.count(ERROR)),
                item["reason"],
            )
        )
    return rows


def render_table(record: dict[str, Any]) -> list[str]:
    """The release-gate table as terminal lines, then the summary line."""
    rows = table_rows(record)
    widths = [max(len(row[i]) for row in [_COLUMNS, *rows]) for i in range(5)]
    lines = []
    for row in [_COLUMNS, *rows]:
        cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1])]
        cells += [row[i].rjust(widths[i]) for i in (2, 3, 4)]
        lines.append("  ".join(cells + [row[5]]).rstrip())
    return [*lines, summary_line(record)]


def run_facts(record: dict[str, Any]) -> list[tuple[str, str]]:
    """What a record says about its run: environment, target, commit, operator, when."""
    target = record["target"]
    return [
        ("environment", record["environment"]),
        ("target", f"{target['kind']} ({target['web_url'] or 'no web URL'})"),
        ("commit", record["commit_sha"] or "not given"),
        ("operator", record["operator"] or "not given"),
        ("run", f"{record['started_at']} to {record['finished_at']} (woc-gate {record['suite']['version']})"),
    ]


def render_facts(record: dict[str, Any]) -> list[str]:
    """The run's facts as aligned terminal lines."""
    facts = run_facts(record)
    width = max(len(name) for name, _ in facts) + 1
    return [f"{name + ':':<{width}} {value}" for name, value in facts]


def render_markdown(record: dict[str, Any]) -> str:
    """The record as a Markdown table, for a PR comment or the release ticket."""
    lines = [
        "## WorkOnClock release gate",
        "",
        f"**{summary_line(record)}**",
        "",
        *(f"- {name}: {value}" for name, value in run_facts(record)),
        "",
        "| " + " | ".join(_COLUMNS) + " |",
        "| --- | --- | ---: | ---: | ---: | --- |",
    ]
    for row in table_rows(record):
        lines.append("| " + " | ".join(_md_cell(cell) for cell in row) + " |")
    if record["attestations"]:
        lines += ["", "| attested item | approver | role | date | counts |", "| --- | --- | --- | --- | --- |"]
        for a in record["attestations"]:
            counts = "yes" if a["valid"] else f"no: {a['reason']}"
            cells = (a["item"], _md_cell(a["approver"]), a["role"], a["date"] or "undated", _md_cell(counts))
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write_record(
    record: dict[str, Any], json_path: Path | None, markdown_path: Path | None, redact: Callable[[str], str]
) -> None:
    """Validate the record against its schema, then write the JSON and Markdown files asked for."""
    validate_record(record)
    if json_path:
        write_atomically(json_path, redact(json.dumps(record, indent=2) + "\n"))
    if markdown_path:
        write_atomically(markdown_path, redact(render_markdown(record)))


def record_schema() -> dict[str, Any]:
    """The JSON Schema of the run record."""
    text = resources.files("woc_gate").joinpath("record.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def validate_record(record: Any) -> None:
    """Raise ``WocGateError`` when a record does not follow the schema."""
    import jsonschema  # only a saved record is validated: loading the plugin does not pay for it

    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(record_schema()).iter_errors(record))
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "top level"
        raise WocGateError(f"not a woc-gate run record ({where}: {error.message})")


def load_record(path: Path) -> dict[str, Any]:
    """Read and validate a saved run record."""
    try:
        record = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise WocGateError(f"cannot read {path}: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise WocGateError(f"{path} is not JSON: {error.msg} at line {error.lineno}") from None
    version = record.get("schema_version") if isinstance(record, dict) else None
    if version != SCHEMA_VERSION:
        raise WocGateError(
            f"{path} is a run record of schema version {version}; this woc-gate reads version {SCHEMA_VERSION}"
        )
    validate_record(record)
    return record


def item_entry(result: ItemResult) -> dict[str, Any]:
    """An item's verdict as the record holds it: id, title, runbook §, status, reason and its tests."""
    return {
        "id": result.item.id,
        "title": result.item.title,
        "runbook": result.item.runbook,
        "status": result.status.value,
        "reason": result.reason,
        "tests": [_test(t) for t in result.tests],
    }


def _test(test: TestResult) -> dict[str, Any]:
    entry = {
        "nodeid": test.nodeid,
        "outcome": test.outcome,
        "duration": round(test.duration, 3),
        "message": test.message,
    }
    if test.artifacts:
        entry["artifacts"] = list(test.artifacts)
    if test.measures:
        entry["measures"] = dict(test.measures)
    return entry


def _attestation(attestation: Attestation, max_age_days: int) -> dict[str, Any]:
    expires = attestation.date + dt.timedelta(days=max_age_days) if attestation.date else None
    return {
        "item": attestation.item,
        "approver": attestation.approver,
        "role": attestation.role,
        "date": attestation.date.isoformat() if attestation.date else None,
        "expires": expires.isoformat() if expires else None,
        "evidence": attestation.evidence,
        "valid": attestation.valid,
        "reason": attestation.reason,
    }


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
