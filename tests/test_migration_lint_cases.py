"""The migration lint on Prisma-style migrations with the findings expected per statement, on a real server.

Each case of ``tests/data/migration_cases`` is linted as pending on top of a populated target (the
reference schema with ``target.sql``'s rows), with a copy threshold of 1000 rows: every statement must get
exactly its expected categories, no more. The clean cases are the false-alarm controls.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from prisma_ledger import REFERENCE_MIGRATIONS, PrismaLedger

from woc_gate.checks.migration_lint import CATEGORIES, lint_pending
from woc_gate.checks.migrations import read_migration_records
from woc_gate.sources.migrations import migration_states
from woc_gate.sources.prisma import list_migrations
from woc_gate.target.db import connect_readonly
from woc_gate.target.migrate import run_script

pytest_plugins = ["migration_server"]

CASES = Path(__file__).parent / "data" / "migration_cases"
COPY_ROWS = 1000
NOT_TRIED = "not-tried"


@pytest.fixture(scope="module")
def case_target(migration_server):
    """The populated target (a read-only URL) and a scratch database for the lint (its URL)."""
    with migration_server.database("workonclock_cases") as admin:
        ledger = PrismaLedger(admin)
        for migration in list_migrations(REFERENCE_MIGRATIONS):
            ledger.applied(migration)
        run_script(admin, (CASES / "target.sql").read_text())
    migration_server.database("woc_gate_scratch_cases").close()
    target = migration_server.account("woc_cases_reader", "workonclock_cases", "SELECT")
    return target, migration_server.account("woc_cases_scratch", "woc_gate_scratch_cases")


@pytest.fixture(scope="module")
def found(case_target):
    """Per case, per statement: what the lint found, as sorted categories (or "none", "not-tried")."""
    target_url, scratch_url = case_target
    connection = connect_readonly(target_url)
    try:
        return {case.name: _lint(connection, case, scratch_url) for case in _cases()}
    finally:
        connection.close()


def _cases() -> list[Path]:
    return sorted(path for path in CASES.iterdir() if path.is_dir())


def _lint(connection, case: Path, scratch_url: str) -> dict[tuple[str, int], list[str]]:
    states = migration_states(case / "migrations", read_migration_records(connection))
    return {
        (a.migration, a.statement.number): sorted(f.category for f in a.findings)
        or [NOT_TRIED if a.not_tried else "none"]
        for a in lint_pending(connection, states, scratch_url, COPY_ROWS)
    }


def expected(case: Path) -> dict[tuple[str, int], list[str]]:
    """The expected categories per statement, from the case's ``expected.toml``."""
    findings = tomllib.loads((case / "expected.toml").read_text())["findings"]
    return {
        (migration, number): sorted(verdict.split())
        for migration, verdicts in findings.items()
        for number, verdict in enumerate(verdicts, 1)
    }


@pytest.mark.parametrize("case", _cases(), ids=lambda case: case.name)
def test_each_statement_gets_exactly_its_expected_findings(found, case):
    assert found[case.name] == expected(case)


def test_the_expected_findings_name_only_known_categories():
    verdicts = {category for case in _cases() for categories in expected(case).values() for category in categories}
    assert verdicts <= {*CATEGORIES, "none", NOT_TRIED}


def test_precision_and_recall_over_every_case(found, capsys):
    hits = misses = false_alarms = 0
    for case in _cases():
        for statement, wanted in expected(case).items():
            got = [category for category in found[case.name].get(statement, []) if category in CATEGORIES]
            wanted = [category for category in wanted if category in CATEGORIES]
            hits += sum(min(got.count(c), wanted.count(c)) for c in set(wanted))
            misses += sum(max(wanted.count(c) - got.count(c), 0) for c in set(wanted))
            false_alarms += sum(max(got.count(c) - wanted.count(c), 0) for c in set(got))
    precision, recall = hits / (hits + false_alarms), hits / (hits + misses)
    with capsys.disabled():
        print(
            f"\nmigration cases: {hits} findings right, {false_alarms} false, {misses} missed;"
            f" precision {precision:.0%}, recall {recall:.0%}"
        )
    assert (precision, recall) == (1.0, 1.0)
