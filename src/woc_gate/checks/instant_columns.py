"""Without a scratch database: whether an ALTER TABLE only adds columns the target's server adds instantly.

By the servers' manuals: MySQL 8.0.12+ and MariaDB 10.3.2+ add a column as the last one without
rebuilding the table, 8.0.29+ and 10.4+ anywhere (``FIRST``, ``AFTER``); never to a table with a FULLTEXT
index or ``ROW_FORMAT=COMPRESSED``, nor an auto-increment column, a key or a stored generated column.
"""

from __future__ import annotations

import re

from sqlglot import exp

from woc_gate.sources.sql_statements import Statement
from woc_gate.target.db import Session, query

# The first version adding a column instantly as the last one, and the first adding it anywhere (FIRST, AFTER).
INSTANT_ADD_COLUMN = {"mysql": ((8, 0, 12), (8, 0, 29)), "mariadb": ((10, 3, 2), (10, 4, 0))}
NOT_INSTANT = (  # column attributes that make the server rebuild the table or build an index
    exp.AutoIncrementColumnConstraint,
    exp.PrimaryKeyColumnConstraint,
    exp.UniqueColumnConstraint,
)


def tables_without_instant_add(session: Session) -> frozenset[str]:
    """The target's tables no column is added to instantly: with a FULLTEXT index or ``ROW_FORMAT=COMPRESSED``."""
    rows = query(
        session,
        "SELECT DISTINCT TABLE_NAME AS name FROM information_schema.STATISTICS"
        " WHERE TABLE_SCHEMA = DATABASE() AND INDEX_TYPE = 'FULLTEXT'"
        " UNION SELECT TABLE_NAME FROM information_schema.TABLES"
        " WHERE TABLE_SCHEMA = DATABASE() AND UPPER(ROW_FORMAT) = 'COMPRESSED'",
    )
    return frozenset(row["name"] for row in rows)


def adds_columns_instantly(statement: Statement, server: str, no_instant_add: frozenset[str]) -> bool:
    """Whether, by the server's manual, this ALTER only adds columns and the server adds them without a rebuild.

    ``server`` is ``SELECT VERSION()`` of the target ("8.0.36", "10.11.6-MariaDB-…").
    """
    found = re.match(r"(\d+)\.(\d+)\.(\d+)", server)
    tree = statement.tree
    if found is None or not isinstance(tree, exp.Alter) or tree.this.name in no_instant_add:
        return False
    version = tuple(int(part) for part in found.groups())
    at_end, anywhere = INSTANT_ADD_COLUMN["mariadb" if "mariadb" in server.lower() else "mysql"]
    actions = tree.args.get("actions") or []
    return bool(actions) and all(
        isinstance(action, exp.ColumnDef)
        and version >= (anywhere if action.args.get("position") else at_end)
        and not any(_rebuilds(constraint.args.get("kind")) for constraint in action.constraints)
        for action in actions
    )


def columns_without_a_value(statement: Statement) -> list[str]:
    """The NOT NULL columns without a default an ALTER adds (an explicit NULL, as Prisma writes it, is not one)."""
    if not isinstance(statement.tree, exp.Alter):
        return []
    actions = statement.tree.args.get("actions") or []
    return [
        action.name
        for action in actions
        if isinstance(action, exp.ColumnDef) and _not_null(action) and not _has_default(action)
    ]


def _rebuilds(kind: exp.Expression | None) -> bool:
    stored = isinstance(kind, exp.ComputedColumnConstraint) and kind.args.get("persisted")
    return bool(stored) or isinstance(kind, NOT_INSTANT)


def _not_null(column: exp.ColumnDef) -> bool:
    kinds = [constraint.args.get("kind") for constraint in column.constraints]
    # sqlglot reads an explicit NULL as NOT NULL with allow_null
    return any(isinstance(kind, exp.NotNullColumnConstraint) and not kind.args.get("allow_null") for kind in kinds)


def _has_default(column: exp.ColumnDef) -> bool:
    kinds = (exp.DefaultColumnConstraint, exp.AutoIncrementColumnConstraint, exp.ComputedColumnConstraint)
    return any(isinstance(constraint.args.get("kind"), kinds) for constraint in column.constraints)
