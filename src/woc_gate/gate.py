"""The release-gate items of runbook §7, and the rule that says which of them a run proved.

An item is PASS only when at least one of its tests ran and every one of its tests passed (and,
for an attestation item, a valid attestation exists); FAIL when any of its tests failed or errored;
UNVERIFIED otherwise. Skipped, deselected, xfailed and tests that never ran prove nothing.
"""

from __future__ import annotations

import ast
import enum
import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

PRODUCT_OWNER = "product owner"
TECHNICAL_OWNER = "technical owner"
PRIVACY_OWNER = "privacy/security owner"
OPERATOR = "operator"
ROLES = (PRODUCT_OWNER, TECHNICAL_OWNER, PRIVACY_OWNER, OPERATOR)


@dataclass(frozen=True)
class GateItem:
    """One release-gate item: its fixed id, its title, the runbook lines it stands for."""

    id: str
    title: str
    runbook: str
    roles: tuple[str, ...]  # who may attest it
    attestation_required: bool = False
    tests_required: bool = True


ITEMS: tuple[GateItem, ...] = (
    GateItem("migration-runbook", "Migration runbook tested", "§3, §7", (TECHNICAL_OWNER, OPERATOR)),
    GateItem("backup-restore", "Backup restore tested", "§4, §5, §7", (TECHNICAL_OWNER, OPERATOR)),
    GateItem(
        "private-screenshot-storage",
        "Private screenshot storage configured",
        "§4, §7",
        (PRIVACY_OWNER, TECHNICAL_OWNER),
    ),
    GateItem("cron-secret", "CRON_SECRET configured", "§2, §7", (TECHNICAL_OWNER, OPERATOR)),
    GateItem("email-provider", "Email provider configured", "§2, §7", (TECHNICAL_OWNER, OPERATOR)),
    GateItem("tenant-isolation", "Tenant isolation smoke test passing", "§5, §7", (PRIVACY_OWNER, TECHNICAL_OWNER)),
    GateItem("desktop-runtime", "Desktop runtime smoke test passing", "§3, §7", (PRODUCT_OWNER, TECHNICAL_OWNER)),
    GateItem("schema-contracts", "Schema contracts verified", "§6", (TECHNICAL_OWNER,)),
    GateItem("env-inventory", "Environment inventory complete", "§2", (TECHNICAL_OWNER, OPERATOR)),
    GateItem(
        "legal-privacy",
        "Legal/privacy launch gate completed",
        "§7",
        (PRIVACY_OWNER,),
        attestation_required=True,
        tests_required=False,
    ),
    GateItem(
        "signed-installers",
        "Signed desktop installers available for target platforms",
        "§7",
        (TECHNICAL_OWNER,),
        attestation_required=True,
    ),
)
ITEMS_BY_ID: Mapping[str, GateItem] = {item.id: item for item in ITEMS}


class Status(str, enum.Enum):
    PASS = "PASS"
    FAIL = "FAIL"
    UNVERIFIED = "UNVERIFIED"


PASSED, FAILED, ERROR = "passed", "failed", "error"
SKIPPED, XFAILED, XPASSED, DESELECTED, NOT_RUN = "skipped", "xfailed", "xpassed", "deselected", "not run"
OTHER_SHARD = "other shard"  # selected, but left to another shard of a split run (--gate-shard K/N)
FAILING_OUTCOMES = frozenset({FAILED, ERROR})


@dataclass(frozen=True)
class TestResult:
    """What one test did for the items it carries."""

    nodeid: str
    items: tuple[str, ...]
    outcome: str
    duration: float = 0.0
    message: str = ""
    artifacts: tuple[str, ...] = ()  # files kept for a failing test (browser traces, screenshots)
    measures: tuple[tuple[str, float], ...] = ()  # figures the test measured


@dataclass(frozen=True)
class ItemResult:
    """The verdict on one gate item, with the tests behind it."""

    item: GateItem
    status: Status
    reason: str
    tests: tuple[TestResult, ...]


def gate(*item_ids: str) -> tuple[str, ...]:
    """``@pytest.mark.gate(item_id, ...)``: the release-gate items a test proves."""
    return item_ids


def marker_problem(nodeid: str, marks: Iterable) -> str | None:
    """Why the ``gate`` marks of a test are wrong, or None when they name known items."""
    for mark in marks:
        try:
            item_ids = gate(*mark.args, **mark.kwargs)
        except TypeError:
            return f"{nodeid}: @pytest.mark.gate takes item ids only, got {mark.kwargs!r}"
        if not item_ids:
            return f"{nodeid}: @pytest.mark.gate needs at least one item id; {known_ids()}"
        for item_id in item_ids:
            if item_id not in ITEMS_BY_ID:
                return f"{nodeid}: unknown release-gate item {item_id!r}; {known_ids()}"
    return None


def known_ids() -> str:
    """The known item ids, as said in error messages."""
    return "known items: " + ", ".join(item.id for item in ITEMS)


def item_ids_of(marks: Iterable) -> tuple[str, ...]:
    """The item ids named by a test's ``gate`` marks, in order, once each."""
    ids = (item_id for mark in marks for item_id in mark.args)
    return tuple(dict.fromkeys(ids))


def judge(item: GateItem, tests: Sequence[TestResult], attested: bool, refused: str = "") -> ItemResult:
    """The item's status from its tests and whether a valid attestation covers it."""
    failing = [test for test in tests if test.outcome in FAILING_OUTCOMES]
    if failing:
        first = failing[0]
        return ItemResult(item, Status.FAIL, f"{first.nodeid}: {_headline(first.message)}".rstrip(": "), tuple(tests))
    unproven = [test for test in tests if test.outcome != PASSED]
    if unproven:
        first = next((test for test in unproven if test.message), unproven[0])  # a skip's reason says what to do
        why = f": {_headline(first.message)}" if first.message else ""
        reason = f"{len(unproven)} of {len(tests)} tests not passed{why} ({first.outcome}: {first.nodeid})"
        return ItemResult(item, Status.UNVERIFIED, reason, tuple(tests))
    if item.tests_required and not tests:
        return ItemResult(item, Status.UNVERIFIED, "no test selected", ())
    if item.attestation_required and not attested:
        reason = f"no valid attestation ({refused})" if refused else "no valid attestation"
        return ItemResult(item, Status.UNVERIFIED, reason, tuple(tests))
    return ItemResult(item, Status.PASS, "", tuple(tests))


def _headline(message: str) -> str:
    """The first line of a failure message, its exception named without the module path."""
    first = message.strip().split("\n", 1)[0]
    return re.sub(r"^(?:[a-z_]\w*\.)+(?=[A-Z]\w*: )", "", first)


def judge_all(
    tests: Iterable[TestResult], attested: Iterable[str], refused: Mapping[str, str] | None = None
) -> list[ItemResult]:
    """The verdict on every gate item, in runbook order; ``refused`` says why an item's attestation does not count."""
    by_item: dict[str, list[TestResult]] = {item.id: [] for item in ITEMS}
    for test in tests:
        for item_id in test.items:
            by_item[item_id].append(test)
    attested = set(attested)
    refused = refused or {}
    return [judge(item, by_item[item.id], item.id in attested, refused.get(item.id, "")) for item in ITEMS]


def is_gate_run(markexpr: str, forced: bool = False) -> bool:
    """True for ``--gate``, or a ``-m`` expression that selects only tests marked ``gate``."""
    return forced or selects_only(markexpr, "gate")


def selects_only(markexpr: str, marker: str) -> bool:
    """True for a ``-m`` expression that selects only tests marked ``marker`` (``gate``, ``smoke``)."""
    try:
        tree = ast.parse(markexpr.strip() or "False", mode="eval")
    except SyntaxError:
        return False
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    others = sorted(names - {marker})
    if marker not in names or len(others) > 10:
        return False
    code = compile(tree, "<mark expression>", "eval")
    for values in itertools.product((False, True), repeat=len(others)):
        scope = dict(zip(others, values, strict=True), **{marker: False})
        try:
            if eval(code, {"__builtins__": {}}, scope):  # noqa: S307 - names only, no builtins
                return False
        except Exception:
            return False
    return True
