"""Lint of pending migrations (runbook §3 "maintenance mode if the migration is destructive or long-running").

Each statement is parsed with sqlglot (MySQL) and judged against the target's schema and row
estimates: destructive (drops a table or column, narrows a type or an enum, adds NOT NULL without
a default to a populated table, a "rename" written as drop + add) or long-running (the server,
asked on a schema-only scratch copy, cannot run the ALTER with ``ALGORITHM=INSTANT`` nor
``INPLACE, LOCK=NONE`` on a populated table; without a scratch database that cannot be ruled out, but
for an ALTER that only adds columns the server's manual says it adds instantly).

Fault that proves it: ``pending-destructive-migration``; variant that must pass: ``instant-add-column``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlglot import exp

from woc_gate.checks import CheckFailure
from woc_gate.errors import TargetError
from woc_gate.sources.migrations import PENDING, ROLLED_BACK, MigrationState
from woc_gate.sources.sql_statements import DIALECT, Statement, split_statements
from woc_gate.target.db import Session, query
from woc_gate.target.scratch import COPY, INPLACE, ScratchSchema

LONG_RUNNING_ROWS = 1_000_000  # an in-place rebuild of more rows than this takes minutes on managed MySQL
INTEGER_RANK = {"TINYINT": 1, "SMALLINT": 2, "MEDIUMINT": 3, "INT": 4, "INTEGER": 4, "BIGINT": 5}
SIZED_TYPES = ("VARCHAR", "CHAR", "VARBINARY", "BINARY", "DECIMAL", "DATETIME", "TIMESTAMP", "TIME")
TEXT_RANK = {"TINYTEXT": 255, "TEXT": 65535, "MEDIUMTEXT": 16777215, "LONGTEXT": 4294967295}
# The first version adding a column instantly as the last one, and the first adding it anywhere (FIRST, AFTER).
INSTANT_ADD_COLUMN = {"mysql": ((8, 0, 12), (8, 0, 29)), "mariadb": ((10, 3, 2), (10, 4, 0))}
NOT_INSTANT = (  # column attributes that make the server rebuild the table or build an index
    exp.AutoIncrementColumnConstraint,
    exp.PrimaryKeyColumnConstraint,
    exp.UniqueColumnConstraint,
)


@dataclass(frozen=True)
class TargetSchema:
    """What the lint needs to know of the target: row estimates and column types, by table."""

    rows: dict[str, int]
    columns: dict[tuple[str, str], tuple[str, bool]]  # (table, column) -> (COLUMN_TYPE, nullable)
    connection: Session | None = None
    server: str = ""  # SELECT VERSION(): "8.0.36", "10.11.6-MariaDB-…"
    no_instant_add: frozenset[str] = frozenset()  # tables with a FULLTEXT index or ROW_FORMAT=COMPRESSED

    def row_estimate(self, table: str) -> int:
        """``information_schema.TABLES.TABLE_ROWS`` of the table (0 for a table the target lacks)."""
        return self.rows.get(table, 0)

    def holds_data(self, table: str, column: str | None = None) -> bool:
        """Whether the table has a row (with a value in ``column``); InnoDB's estimate can read 0 for a full table."""
        if table not in self.rows or self.connection is None:
            return self.row_estimate(table) > 0
        where = f" WHERE `{column}` IS NOT NULL" if column else ""
        return bool(query(self.connection, f"SELECT EXISTS(SELECT 1 FROM `{table}`{where}) AS found")[0]["found"])

    def size(self, table: str) -> str:
        """The table's size as the lint reports it."""
        estimate = self.row_estimate(table)
        return f"~{estimate} rows" if estimate else ("holds rows" if self.holds_data(table) else "empty")


@dataclass
class Assessment:
    """One statement of a pending migration and why it needs maintenance mode, if it does."""

    migration: str
    statement: Statement
    destructive: list[str] = field(default_factory=list)
    long_running: list[str] = field(default_factory=list)

    @property
    def needs_maintenance(self) -> bool:
        """Destructive or long-running: the runbook wants maintenance mode."""
        return bool(self.destructive or self.long_running)

    @property
    def reasons(self) -> str:
        """Why, in one phrase."""
        return "; ".join(self.destructive + self.long_running)

    def as_dict(self) -> dict:
        """JSON-ready values."""
        return {
            "migration": self.migration,
            "statement": self.statement.number,
            "sql": self.statement.summary,
            "destructive": self.destructive,
            "long_running": self.long_running,
            "maintenance_required": self.needs_maintenance,
        }


class MigrationLintFailure(CheckFailure):
    """A pending migration needs maintenance mode that nobody approved."""


def read_target_schema(connection: Session) -> TargetSchema:
    """Row estimates and column types of every table of the target's database."""
    tables = query(
        connection,
        "SELECT TABLE_NAME AS name, COALESCE(TABLE_ROWS, 0) AS estimate, ROW_FORMAT AS format"
        " FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'",
    )
    fulltext = query(
        connection,
        "SELECT DISTINCT TABLE_NAME AS name FROM information_schema.STATISTICS"
        " WHERE TABLE_SCHEMA = DATABASE() AND INDEX_TYPE = 'FULLTEXT'",
    )
    columns = query(
        connection,
        "SELECT TABLE_NAME AS tbl, COLUMN_NAME AS col, COLUMN_TYPE AS type, IS_NULLABLE AS nullable"
        " FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()",
    )
    return TargetSchema(
        rows={row["name"]: int(row["estimate"]) for row in tables},
        columns={(c["tbl"], c["col"]): (c["type"].upper(), c["nullable"] == "YES") for c in columns},
        connection=connection,
        server=query(connection, "SELECT VERSION() AS version")[0]["version"],
        no_instant_add=frozenset(
            [row["name"] for row in fulltext]
            + [t["name"] for t in tables if (t["format"] or "").upper() == "COMPRESSED"]
        ),
    )


def pending_migrations(states: list[MigrationState]) -> list[MigrationState]:
    """The migrations ``prisma migrate deploy`` would apply next: pending ones and rolled-back ones."""
    return [state for state in states if state.status in (PENDING, ROLLED_BACK) and state.migration]


def lint_pending(connection: Session, states: list[MigrationState], scratch_url: str = "") -> list[Assessment]:
    """Every statement of the pending migrations judged against the target (and tried on a scratch copy if given)."""
    pending = pending_migrations(states)
    if not pending:
        return []
    schema = read_target_schema(connection)
    scratch = ScratchSchema(scratch_url, connection) if scratch_url else None
    try:
        if scratch is not None:
            scratch.refresh()
        return [assessment for state in pending for assessment in assess_migration(state, schema, scratch)]
    finally:
        if scratch is not None:
            scratch.close()


def assess_migration(
    state: MigrationState, schema: TargetSchema, scratch: ScratchSchema | None = None
) -> list[Assessment]:
    """Every statement of one pending migration, judged; each is tried on the ``scratch`` copy when there is one."""
    statements = split_statements(state.migration.sql_path.read_text(encoding="utf-8", errors="replace"))
    assessments = [_assess(state.name, statement, schema, scratch) for statement in statements]
    _flag_drop_and_add(assessments)
    return assessments


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


def _assess(migration: str, statement: Statement, schema: TargetSchema, scratch: ScratchSchema | None) -> Assessment:
    assessment = Assessment(migration, statement)
    tree = statement.tree
    if tree is None or isinstance(tree, exp.Command):
        assessment.destructive.append("not understood by the SQL parser; review it by hand")
    elif isinstance(tree, exp.Drop) and tree.args.get("kind") == "TABLE":
        for table in tree.find_all(exp.Table):
            assessment.destructive.append(f"drops table {table.name} ({schema.size(table.name)})")
    elif isinstance(tree, exp.Alter) and tree.args.get("kind") == "TABLE":
        table = tree.this.name
        for action in tree.args.get("actions") or []:
            assessment.destructive += _destructive_action(table, action, schema)
        assessment.long_running += _long_running(statement, table, schema, scratch, alter=True)
        return assessment
    elif isinstance(tree, exp.Create) and tree.args.get("kind") == "INDEX":
        table = tree.this.args["table"].name
        assessment.long_running += _long_running(statement, table, schema, scratch, alter=False)
        return assessment
    if scratch is not None:
        try:
            scratch.run(statement.text)
        except TargetError as error:
            assessment.long_running.append(f"cannot be tried: {error}")
    return assessment


def _destructive_action(table: str, action: exp.Expression, schema: TargetSchema) -> list[str]:
    if isinstance(action, exp.Drop) and action.args.get("kind") == "COLUMN":
        return [
            f"drops column {table}.{column.name} ({_column_data(schema, table, column.name)})"
            for column in action.find_all(exp.Column)
        ]
    if isinstance(action, exp.ColumnDef):
        if _not_null(action) and not _has_default(action) and schema.holds_data(table):
            return [f"adds NOT NULL column {table}.{action.name} without a default to {table} ({schema.size(table)})"]
        return []
    if isinstance(action, exp.ModifyColumn | exp.AlterColumn) and isinstance(action.this, exp.ColumnDef):
        return _narrowing(table, action.this, action.args.get("rename_from"), schema)
    return []


def _narrowing(table: str, column: exp.ColumnDef, renamed_from, schema: TargetSchema) -> list[str]:
    name = renamed_from.name if renamed_from is not None else column.name
    current = schema.columns.get((table, name))
    new_type = column.args.get("kind")
    if current is None or new_type is None:
        return []
    old_type, nullable = current
    reasons = []
    narrower = _narrower(old_type, new_type.sql(dialect=DIALECT).upper())
    if narrower:
        reasons.append(f"narrows {table}.{name} from {old_type} to {new_type.sql(dialect=DIALECT)}: {narrower}")
    if nullable and _not_null(column) and schema.holds_data(table):
        reasons.append(f"makes {table}.{name} NOT NULL on {table} ({schema.size(table)})")
    return reasons


def _narrower(old: str, new: str) -> str:
    """Why ``new`` cannot hold every value of ``old``, or "" when it can."""
    old_base, new_base = _base(old), _base(new)
    if old_base in ("ENUM", "SET") and new_base == old_base:
        lost = sorted(set(_enum_values(old)) - set(_enum_values(new)))
        return f"drops value(s) {', '.join(lost)}" if lost else ""
    if old_base in INTEGER_RANK and new_base in INTEGER_RANK:
        return "a smaller integer" if INTEGER_RANK[new_base] < INTEGER_RANK[old_base] else ""
    old_length, new_length = _length(old), _length(new)
    if old_base in TEXT_RANK and (new_base in TEXT_RANK or new_base in ("VARCHAR", "CHAR")):
        limit = TEXT_RANK.get(new_base, new_length or 0)
        return "shorter text" if limit < TEXT_RANK[old_base] else ""
    comparable = new_base == old_base or {old_base, new_base} <= {"VARCHAR", "CHAR"} or new_base in TEXT_RANK
    if old_base in SIZED_TYPES and comparable:
        shorter = new_base not in TEXT_RANK and old_length is not None and (new_length or 0) < old_length
        return "a shorter length or precision" if shorter else ""
    return "" if old_base == new_base else f"a different type ({old_base} to {new_base})"


def _column_data(schema: TargetSchema, table: str, column: str) -> str:
    if (table, column) not in schema.columns:
        return "not on the target"
    estimate = f", ~{schema.row_estimate(table)} rows" if schema.row_estimate(table) else ""
    return ("holds data" if schema.holds_data(table, column) else "holds no values") + estimate


def _base(column_type: str) -> str:
    return re.split(r"[\s(]", column_type.strip(), maxsplit=1)[0].upper()


def _length(column_type: str) -> int | None:
    found = re.search(r"\((\d+)", column_type)
    return int(found.group(1)) if found else None


def _enum_values(column_type: str) -> list[str]:
    return re.findall(r"'((?:[^']|'')*)'", column_type)


def _not_null(column: exp.ColumnDef) -> bool:
    kinds = [c.args.get("kind") for c in column.constraints]
    # sqlglot reads an explicit NULL (Prisma writes one for every optional column) as NOT NULL with allow_null
    return any(isinstance(kind, exp.NotNullColumnConstraint) and not kind.args.get("allow_null") for kind in kinds)


def _has_default(column: exp.ColumnDef) -> bool:
    kinds = (exp.DefaultColumnConstraint, exp.AutoIncrementColumnConstraint)
    return any(isinstance(c.args.get("kind"), kinds) for c in column.constraints)


def _long_running(statement: Statement, table: str, schema: TargetSchema, scratch, *, alter: bool) -> list[str]:
    if scratch is None:
        if not schema.holds_data(table) or (alter and _adds_columns_instantly(statement.tree, table, schema)):
            return []
        return [f"may rebuild {table} ({schema.size(table)}): no scratch database configured to ask the server"]
    try:
        algorithm = scratch.try_statement(statement.text, alter)
    except TargetError as error:
        return [f"cannot be tried: {error}"]
    if algorithm == COPY and schema.holds_data(table):
        return [f"copies {table} with writes locked (neither INSTANT nor INPLACE, LOCK=NONE) ({schema.size(table)})"]
    if algorithm == INPLACE and schema.row_estimate(table) >= LONG_RUNNING_ROWS:
        return [f"rebuilds {table} in place (INPLACE, LOCK=NONE) over {schema.size(table)}"]
    return []


def _adds_columns_instantly(tree: exp.Alter, table: str, schema: TargetSchema) -> bool:
    """Whether, by the server's manual, this ALTER only adds columns and the server adds them without a rebuild."""
    flavor = "mariadb" if "mariadb" in schema.server.lower() else "mysql"
    found = re.match(r"(\d+)\.(\d+)\.(\d+)", schema.server)
    if found is None or table in schema.no_instant_add:
        return False
    version = tuple(int(part) for part in found.groups())
    at_end, anywhere = INSTANT_ADD_COLUMN[flavor]
    actions = tree.args.get("actions") or []
    return bool(actions) and all(
        isinstance(action, exp.ColumnDef)
        and version >= (anywhere if action.args.get("position") else at_end)
        and not any(_rebuilds(constraint.args.get("kind")) for constraint in action.constraints)
        for action in actions
    )


def _rebuilds(kind: exp.Expression | None) -> bool:
    stored = isinstance(kind, exp.ComputedColumnConstraint) and kind.args.get("persisted")
    return bool(stored) or isinstance(kind, NOT_INSTANT)


def _flag_drop_and_add(assessments: list[Assessment]) -> None:
    """A column dropped and another added to the same table in one migration reads as a rename that loses data."""
    dropped: dict[str, list[str]] = {}
    added: dict[str, list[str]] = {}
    for assessment in assessments:
        tree = assessment.statement.tree
        if not isinstance(tree, exp.Alter):
            continue
        for action in tree.args.get("actions") or []:
            if isinstance(action, exp.Drop) and action.args.get("kind") == "COLUMN":
                dropped.setdefault(tree.this.name, []).extend(c.name for c in action.find_all(exp.Column))
            elif isinstance(action, exp.ColumnDef):
                added.setdefault(tree.this.name, []).append(action.name)
    for assessment in assessments:
        tree = assessment.statement.tree
        changes_columns = isinstance(tree, exp.Alter) and any(
            isinstance(a, exp.ColumnDef) or (isinstance(a, exp.Drop) and a.args.get("kind") == "COLUMN")
            for a in tree.args.get("actions") or []
        )
        if changes_columns and dropped.get(tree.this.name) and added.get(tree.this.name):
            table = tree.this.name
            note = (
                f"drop + add on {table} reads as a rename of {', '.join(dropped[table])} to "
                f"{', '.join(added[table])}: the data is lost"
            )
            if note not in assessment.destructive:
                assessment.destructive.append(note)
