"""Runtime SQL against the migrated schema (runbook §3 step 4 "runtime queries changed"): every statement prepares.

The server prepares each statement (``PREPARE`` parses and resolves every table and column but runs
nothing) in the read-only session. A read-only session (and a SELECT-only account) may not even
prepare a write, so an INSERT, UPDATE or DELETE is prepared as the SELECT that names the same
table, columns and expressions (``SELECT cols, values FROM t WHERE FALSE``). A statement whose table or
column is interpolated from constants or a literal union is prepared once per value. One built at run
time from anything else cannot be prepared: it leaves the item unverified unless the technical owner
vouches for it. Faults that prove them: ``raw-sql-dropped-column``, ``runtime-sql-union-missing-table``.
"""

from __future__ import annotations

from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from woc_gate.checks import CheckFailure
from woc_gate.sources.runtime_sql import RuntimeStatement
from woc_gate.sources.sql_statements import DIALECT
from woc_gate.target.db import Session, execute, refusal

STATEMENT_NAME = "woc_gate_check"


class RuntimeSqlFailure(CheckFailure):
    """A runtime SQL statement does not fit the migrated schema."""


def statements_that_do_not_prepare(connection: Session, statements: list[RuntimeStatement]) -> list[tuple]:
    """``(statement, server error)`` for every extracted statement the server refuses to prepare."""
    refused = []
    for statement in statements:
        if statement.sql is None:
            continue
        reason = refusal(connection, f"PREPARE {STATEMENT_NAME} FROM %s", (as_read(statement.sql),))
        if reason is None:
            execute(connection, f"DEALLOCATE PREPARE {STATEMENT_NAME}")
        else:
            refused.append((statement, reason))
    return refused


def as_read(sql: str) -> str:
    """The statement itself, or for a write the SELECT naming the same tables, columns and expressions."""
    try:
        tree = sqlglot.parse_one(sql, read=DIALECT)
    except SqlglotError:
        return sql
    if isinstance(tree, exp.Insert) and isinstance(tree.this, exp.Schema) and tree.args.get("expression"):
        values = tree.expression
        rows = values.expressions if isinstance(values, exp.Values) else []
        columns = [exp.column(c.name, quoted=True) for c in tree.this.expressions]
        select = exp.select(*columns, *(e for row in rows for e in row.expressions)).from_(tree.this.this)
        return select.where(exp.false()).sql(dialect=DIALECT)
    if isinstance(tree, exp.Update):
        selected = [e for assignment in tree.expressions for e in (assignment.this, assignment.expression)]
        select = exp.select(*selected).from_(tree.this)
        return _with_where(select, tree).sql(dialect=DIALECT)
    if isinstance(tree, exp.Delete):
        return _with_where(exp.select("1").from_(tree.this), tree).sql(dialect=DIALECT)
    return sql


def _with_where(select: exp.Select, write: exp.Expression) -> exp.Select:
    where = write.args.get("where")
    return select.where(where.this) if where is not None else select


def unvouched_run_time_statements(statements: list[RuntimeStatement], repo: Path, vouched: set[str]) -> list[str]:
    """``file:line: method(expression)`` of every statement built at run time that no attestation vouches for."""
    return [
        f"{_where(s, repo)}: {s.method}({s.expression})"
        for s in statements
        if s.sql is None and _where(s, repo) not in vouched
    ]


def every_runtime_statement_prepares(refused: list[tuple], repo: Path) -> None:
    """Every runtime statement names only tables and columns the migrated schema has."""
    __tracebackhide__ = True
    if refused:
        raise RuntimeSqlFailure(
            f"{len(refused)} runtime SQL statement(s) do not fit the migrated schema: "
            + ", ".join(_variant(statement, repo) for statement, _ in refused),
            "every statement of the runtime API prepares against the target's schema",
            "; ".join(
                f"{_variant(statement, repo)} `{_one_line(statement.sql)}`: {error}" for statement, error in refused
            ),
        )


def _where(statement: RuntimeStatement, repo: Path) -> str:
    path = Path(statement.file)
    shown = path.relative_to(repo.resolve()) if path.is_relative_to(repo.resolve()) else path
    return f"{shown}:{statement.line}"


def _variant(statement: RuntimeStatement, repo: Path) -> str:
    """Where the statement is, and which values were substituted into it."""
    return _where(statement, repo) + (f" ({statement.binding})" if statement.binding else "")


def _one_line(sql: str) -> str:
    text = " ".join(sql.split())
    return text if len(text) <= 160 else text[:157] + "..."
