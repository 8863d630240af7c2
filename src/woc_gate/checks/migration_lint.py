"""Lint of pending migrations (runbook §3 "maintenance mode if the migration is destructive or long-running").

The migrations ``prisma migrate deploy`` would apply (pending, rolled back, and the failed one it runs
again once resolved) are applied in order to a schema-only scratch copy of the target, in a session
set up as Prisma's. Each statement is judged by what the server did with it there (its algorithm, or
its refusal), by what it changed in the copy's schema, and by the target's rows behind the tables and
columns it touches. A finding names its category:

- ``drops-data``: drops a table that holds rows, or a column that holds values;
- ``narrows-type``: retypes a column that holds values to a type that may not keep them (shorter,
  fewer digits, signedness, to JSON, enum values removed, another type);
- ``not-null``: makes a column NOT NULL while rows hold NULL, or adds a NOT NULL column without a
  default to a table with rows;
- ``renames``: renames a table or column the running application uses until it restarts;
- ``unique-duplicates``: adds a unique index over values that repeat (it fails);
- ``table-copy``: copies a table above the row threshold with writes locked (neither INSTANT nor
  INPLACE with LOCK=NONE);
- ``will-fail``: the server refuses it, or it adds a foreign key that rows of the target violate.

Without a scratch database the server cannot be asked: a CREATE TABLE and an ALTER that only adds
columns the target's server adds instantly by its manual are judged (``instant_columns``), every other
statement is ``not-judged``.

Fault that proves it: ``pending-destructive-migration``; variant that must pass: ``instant-add-column``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlglot import exp

from woc_gate.checks import CheckFailure
from woc_gate.checks.column_types import narrowing
from woc_gate.checks.instant_columns import adds_columns_instantly, columns_without_a_value, tables_without_instant_add
from woc_gate.checks.schema_changes import Changes, Lineage, Source, changes_of
from woc_gate.checks.target_rows import TargetRows
from woc_gate.sources.migrations import FAILED, PENDING, ROLLED_BACK, MigrationState
from woc_gate.sources.sql_statements import Statement, split_statements
from woc_gate.target.db import Session, query
from woc_gate.target.scratch import COPY, ScratchSchema

DROPS_DATA = "drops-data"
NARROWS_TYPE = "narrows-type"
NOT_NULL = "not-null"
RENAMES = "renames"
UNIQUE_DUPLICATES = "unique-duplicates"
TABLE_COPY = "table-copy"
WILL_FAIL = "will-fail"
NOT_JUDGED = "not-judged"
CATEGORIES = (DROPS_DATA, NARROWS_TYPE, NOT_NULL, RENAMES, UNIQUE_DUPLICATES, TABLE_COPY, WILL_FAIL, NOT_JUDGED)
NO_SCRATCH = "no scratch database to try it on: set migration_scratch_url (or pass --scratch-url)"


@dataclass(frozen=True)
class Finding:
    """Why one statement needs maintenance mode: its category and the reason in words."""

    category: str
    reason: str

    def __str__(self) -> str:
        return f"{self.reason} [{self.category}]"


@dataclass
class Assessment:
    """One statement of a pending migration and what the lint found in it."""

    migration: str
    statement: Statement
    findings: list[Finding] = field(default_factory=list)
    not_tried: str = ""  # why the statement was not run on the scratch copy

    @property
    def needs_maintenance(self) -> bool:
        """Any finding: the runbook wants maintenance mode."""
        return bool(self.findings)

    @property
    def reasons(self) -> str:
        """Why, in one phrase."""
        return "; ".join(map(str, self.findings))

    def as_dict(self) -> dict:
        """JSON-ready values."""
        return {
            "migration": self.migration,
            "statement": self.statement.number,
            "sql": self.statement.summary,
            "findings": [{"category": f.category, "reason": f.reason} for f in self.findings],
            "not_tried": self.not_tried or None,
            "maintenance_required": self.needs_maintenance,
        }


class MigrationLintFailure(CheckFailure):
    """A pending migration needs maintenance mode that nobody approved."""


def pending_migrations(states: list[MigrationState]) -> list[MigrationState]:
    """What ``prisma migrate deploy`` applies next, in order: pending, rolled back, and failed ones once resolved."""
    return [state for state in states if state.status in (PENDING, ROLLED_BACK, FAILED) and state.migration]


def lint_pending(
    connection: Session, states: list[MigrationState], scratch_url: str, copy_rows: int
) -> list[Assessment]:
    """Every statement of the pending migrations, applied in order to a scratch copy of the target and judged.

    ``copy_rows``: a table copy over more rows than this needs maintenance mode. Without ``scratch_url``
    only what the server's manual settles is judged.
    """
    pending = pending_migrations(states)
    if not pending:
        return []
    if not scratch_url:
        return without_scratch(connection, pending)
    scratch = ScratchSchema(scratch_url, connection)
    try:
        scratch.refresh()
        lint = _Lint(scratch, TargetRows(connection), copy_rows)
        return [assessment for state in pending for assessment in lint.migration(state)]
    finally:
        scratch.close()


def pending_migrations_need_no_unapproved_maintenance(assessments: list[Assessment], approved: set[str]) -> None:
    """Every pending statement that needs maintenance mode belongs to a migration the technical owner approved."""
    __tracebackhide__ = True
    unapproved = [a for a in assessments if a.needs_maintenance and a.migration not in approved]
    if unapproved:
        migrations = list(dict.fromkeys(a.migration for a in unapproved))
        raise MigrationLintFailure(
            f"pending migration(s) need maintenance mode without an approval: {', '.join(migrations)}",
            "an attestation by the technical owner approving maintenance mode for each "
            "(item migration-runbook, migration = NAME)",
            "; ".join(
                f"{a.migration} statement {a.statement.number} `{a.statement.summary}`: {a.reasons}" for a in unapproved
            ),
        )


def without_scratch(connection: Session, pending: list[MigrationState]) -> list[Assessment]:
    """The pending statements judged without asking the server: a new table, columns it adds instantly; no more."""
    server = query(connection, "SELECT VERSION() AS version")[0]["version"]
    no_instant_add = tables_without_instant_add(connection)
    rows = TargetRows(connection)
    assessments = []
    for state in pending:
        for statement in split_statements(state.migration.script()):
            assessment = Assessment(state.name, statement)
            if adds_columns_instantly(statement, server, no_instant_add):
                assessment.findings = [
                    Finding(
                        NOT_NULL,
                        f"adds NOT NULL column {statement.table}.{column} without a default to a table"
                        " with rows: its rows get an implicit '' or 0",
                    )
                    for column in columns_without_a_value(statement)
                    if rows.holds_rows(statement.table)
                ]
            elif not isinstance(statement.tree, exp.Create) or statement.tree.kind != "TABLE":
                assessment.findings = [Finding(NOT_JUDGED, f"not judged: {NO_SCRATCH}")]
            assessments.append(assessment)
    return assessments


class _Lint:
    """One pass over the pending migrations: the scratch copy, its schema now, and where its tables come from."""

    def __init__(self, scratch: ScratchSchema, rows: TargetRows, copy_rows: int) -> None:
        self.scratch = scratch
        self.rows = rows
        self.copy_rows = copy_rows
        self.schema = scratch.schema()
        self.lineage = Lineage(self.schema)
        self.backfilled: set[Source] = set()  # columns an UPDATE of a pending migration fills
        self.stopped_at = ""  # the statement deploy would fail on: the ones after it never run

    def migration(self, state: MigrationState) -> list[Assessment]:
        """Each statement of one migration, judged in order."""
        return [self.statement(state.name, statement) for statement in split_statements(state.migration.script())]

    def statement(self, migration: str, statement: Statement) -> Assessment:
        """Apply one statement to the copy and judge it."""
        assessment = Assessment(migration, statement)
        if self.stopped_at:
            assessment.not_tried = f"migrate deploy stops at {self.stopped_at}, which fails"
            return assessment
        outcome = self.scratch.apply(statement.text, statement.algorithm_separator)
        if outcome.refusal is not None:
            assessment.findings.append(Finding(WILL_FAIL, f"the server refuses it: {outcome.refusal}"))
            self.stopped_at = f"{migration} #{statement.number}"
            return assessment
        after = self.scratch.schema()
        changes = changes_of(statement, self.schema, after)
        assessment.findings = [
            *self._dropped(changes),
            *self._renamed(changes),
            *self._retyped(changes),
            *self._added_not_null(changes),
            *self._unique(changes),
            *self._foreign_keys(changes),
            *self._copied(statement, outcome.algorithm),
        ]
        self._note_backfill(statement)
        self.lineage.advance(changes)
        self.schema = after
        return assessment

    def _dropped(self, changes: Changes) -> Iterator[Finding]:
        for table in changes.dropped_tables:
            target = self.lineage.table(table)
            if target and self.rows.holds_rows(target):
                yield Finding(DROPS_DATA, f"drops table {table} ({self.rows.size(target)})")
        for table, column in changes.dropped_columns:
            origin = self.lineage.column(changes.table_of[table], column)
            if origin and origin.column and self.rows.holds_values(origin):
                estimate = self.rows.estimate(origin.table)
                reason = f"drops column {table}.{column} (holds data{f', ~{estimate} rows' if estimate else ''})"
                added = [new.name for where, new in changes.added_columns if where == table]
                if added:
                    reason += f"; it adds {', '.join(added)}: if that is a rename, RENAME COLUMN keeps the data"
                yield Finding(DROPS_DATA, reason)

    def _renamed(self, changes: Changes) -> Iterator[Finding]:
        after_restart = "the running application uses the old name until it restarts"
        for old, new in changes.renamed_tables:
            if self.lineage.table(old):
                yield Finding(RENAMES, f"renames table {old} to {new}: {after_restart}")
        for table, old, new in changes.renamed_columns:
            origin = self.lineage.column(changes.table_of[table], old)
            if origin and origin.column:
                yield Finding(RENAMES, f"renames column {table}.{old} to {new}: {after_restart}")

    def _retyped(self, changes: Changes) -> Iterator[Finding]:
        for table, old, new in changes.changed_columns:
            origin = self.lineage.column(changes.table_of[table], old.name)
            if origin is None:
                continue
            why = narrowing(old.type, new.type)
            if why and self.rows.holds_values(origin):
                yield Finding(NARROWS_TYPE, f"narrows {table}.{new.name} from {old.type} to {new.type}: {why}")
            nulls = (
                self.rows.nulls(origin) if old.nullable and not new.nullable and origin not in self.backfilled else 0
            )
            if nulls:
                yield Finding(
                    NOT_NULL, f"makes {table}.{new.name} NOT NULL while {nulls} rows hold NULL: {self._fate()}"
                )

    def _added_not_null(self, changes: Changes) -> Iterator[Finding]:
        for table, column in changes.added_columns:
            target = self.lineage.table(changes.table_of[table])
            needs_value = not column.nullable and column.default is None and not column.filled_by_server
            if needs_value and target and self.rows.holds_rows(target):
                yield Finding(
                    NOT_NULL,
                    f"adds NOT NULL column {table}.{column.name} without a default to {table}"
                    f" ({self.rows.size(target)}): its rows get an implicit '' or 0",
                )

    def _unique(self, changes: Changes) -> Iterator[Finding]:
        for table, index, columns in changes.added_unique:
            origins = [self.lineage.column(changes.table_of[table], column) for column in columns]
            repeated, rows = self.rows.duplicates(origins) if all(origins) else (0, 0)
            if repeated:
                yield Finding(
                    UNIQUE_DUPLICATES,
                    f"adds unique index {index} on {table}({', '.join(columns)}) while {repeated} value(s)"
                    f" repeat over {rows} rows: it fails with a duplicate entry",
                )

    def _foreign_keys(self, changes: Changes) -> Iterator[Finding]:
        if not self.scratch.prisma.foreign_key_checks:
            return
        for table, name, key in changes.added_foreign_keys:
            children = [self.lineage.column(changes.table_of[table], column) for column in key.columns]
            parent_table = changes.table_of.get(key.parent)
            parents = [self.lineage.column(parent_table, column) for column in key.parent_columns]
            orphans = self.rows.orphans(children, parents) if all(children) and all(parents) else 0
            if orphans:
                yield Finding(
                    WILL_FAIL,
                    f"adds foreign key {name} on {table}({', '.join(key.columns)}) while {orphans} rows"
                    f" reference no row of {key.parent}: the server refuses it",
                )

    def _copied(self, statement: Statement, algorithm: str | None) -> Iterator[Finding]:
        target = self.lineage.table(statement.table) if algorithm == COPY else None
        rows = self.rows.rows_up_to(target, self.copy_rows) if target else 0
        if rows > self.copy_rows:
            yield Finding(
                TABLE_COPY,
                f"copies {statement.table} (~{rows} rows, over {self.copy_rows}) with writes locked:"
                " the server runs it neither INSTANT nor INPLACE with LOCK=NONE",
            )

    def _note_backfill(self, statement: Statement) -> None:
        filled = statement.filled_columns()
        if filled is not None:
            table, columns = filled
            self.backfilled |= {origin for column in columns if (origin := self.lineage.column(table, column))}

    def _fate(self) -> str:
        if self.scratch.prisma.strict:
            return "the statement fails (strict SQL mode)"
        return "they become '' or 0 (the SQL mode is not strict)"
