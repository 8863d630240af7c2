"""What a CI system shows of a gate run: one ``release-gate`` case per item in pytest's JUnit XML, the
Markdown table in GitHub's job summary, and a GitHub annotation per unproven item.

A CI test tab counts test cases, not the gate's verdict: without the item cases a BLOCKED run whose tests
all passed or skipped reads ``failures="0"`` while the job fails.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping

import pytest

from ..gate import ItemResult, Status
from ..report import render_markdown

RELEASE_GATE = "release-gate"  # the JUnit classname of the item cases (their name is the item id)
STATUS_PROPERTY = "gate_status"


def add_junit_cases(config: pytest.Config, results: Iterable[ItemResult], redact: Callable[[str], str]) -> None:
    """Hand pytest's JUnit writer (``--junitxml``) one case per item, failing for FAIL and UNVERIFIED."""
    # pytest keeps its JUnit writer under this key and has no public handle for it; record_testsuite_property
    # reaches it the same way. Its own report hook then builds the cases exactly as for a test.
    from _pytest.junitxml import xml_key

    writer = config.stash.get(xml_key, None)
    if writer is None:
        return
    for result in results:
        for report in item_reports(result, redact):
            writer.pytest_runtest_logreport(report)


def item_reports(result: ItemResult, redact: Callable[[str], str]) -> list[pytest.TestReport]:
    """The call and teardown reports of an item's case: ``release-gate::<item id>``, the reason as its failure."""
    nodeid = f"{RELEASE_GATE}::{result.item.id}"
    location = (RELEASE_GATE, None, nodeid)
    passed = result.status is Status.PASS
    properties = [("gate", result.item.id), (STATUS_PROPERTY, result.status.value)]
    call = pytest.TestReport(
        nodeid,
        location,
        {},
        "passed" if passed else "failed",
        None if passed else redact(f"{result.status.value}: {result.reason}"),
        "call",
        duration=sum(test.duration for test in result.tests),
        user_properties=properties,
    )
    teardown = pytest.TestReport(nodeid, location, {}, "passed", None, "teardown", user_properties=properties)
    return [call, teardown]


def append_step_summary(record: dict, redact: Callable[[str], str], environ: Mapping[str, str] = os.environ) -> None:
    """Append the Markdown table to GitHub's job summary when ``$GITHUB_STEP_SUMMARY`` names one."""
    path = environ.get("GITHUB_STEP_SUMMARY")
    if path:
        with open(path, "a", encoding="utf-8") as summary:
            summary.write(redact(render_markdown(record)) + "\n")


def annotations(results: Iterable[ItemResult], environ: Mapping[str, str] = os.environ) -> list[str]:
    """GitHub workflow commands (``::error title=…::…``), one per unproven item, when running in GitHub Actions."""
    if environ.get("GITHUB_ACTIONS") != "true":
        return []
    return [
        f"::error title={_property(f'release gate: {result.item.id} {result.status.value}')}::{_data(result.reason)}"
        for result in results
        if result.status is not Status.PASS
    ]


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
