"""What one statement changed: the scratch copy's schema before and after it, matched through its renames.

The server's own description of the schema before and after a statement says what was dropped, added,
retyped or made unique, however the statement was spelled. Only a rename needs the statement itself:
``CHANGE a b`` and ``DROP a, ADD b`` leave the same schema behind. ``Lineage`` follows each table and
column of the scratch copy back to the target's, so a later statement is judged against the rows its
table and column hold on the target (none, for what a pending migration created).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from woc_gate.sources.sql_statements import Statement
from woc_gate.target.schema import Column, ForeignKey, Schema, Table


@dataclass
class Changes:
    """One statement's effect; tables and columns are named as they are after it, dropped ones as before."""

    table_of: dict[str, str | None] = field(default_factory=dict)  # table after -> the same table before
    column_of: dict[tuple[str, str], str | None] = field(default_factory=dict)  # (table, column) after -> before
    dropped_tables: list[str] = field(default_factory=list)
    renamed_tables: list[tuple[str, str]] = field(default_factory=list)  # (before, after)
    dropped_columns: list[tuple[str, str]] = field(default_factory=list)  # (table after, column before)
    renamed_columns: list[tuple[str, str, str]] = field(default_factory=list)  # (table after, before, after)
    added_columns: list[tuple[str, Column]] = field(default_factory=list)
    changed_columns: list[tuple[str, Column, Column]] = field(default_factory=list)  # (table after, before, after)
    added_unique: list[tuple[str, str, tuple[str, ...]]] = field(default_factory=list)  # (table, index, columns)
    added_foreign_keys: list[tuple[str, str, ForeignKey]] = field(default_factory=list)


def changes_of(statement: Statement, before: Schema, after: Schema) -> Changes:
    """What ``statement`` changed, from the schema before and after it and the renames it spells."""
    changes = Changes()
    table_renames = {
        old: new
        for old, new in statement.table_renames().items()
        if old in before and new in after and old not in after
    }
    previous = {new: old for old, new in table_renames.items()}
    changes.renamed_tables = list(table_renames.items())
    changes.dropped_tables = [name for name in before if name not in after and name not in table_renames]
    for name, table in after.items():
        old_name = previous.get(name, name if name in before else None)
        changes.table_of[name] = old_name
        if old_name is None:
            changes.column_of |= {(name, column): None for column in table.columns}
            continue
        _compare_table(changes, statement, name, before[old_name], table)
    return changes


def _compare_table(changes: Changes, statement: Statement, name: str, old: Table, new: Table) -> None:
    renames = {
        old_column: new_column
        for (table, old_column), new_column in statement.column_renames().items()
        if table in (name, old.name)
        and old_column in old.columns
        and new_column in new.columns
        and old_column not in new.columns
    }
    _compare_columns(changes, name, old, new, renames)
    for index, columns in new.unique.items():
        if tuple(renames.get(c, c) for c in old.unique.get(index, ())) != columns:
            changes.added_unique.append((name, index, columns))
    for key, foreign_key in new.foreign_keys.items():
        if key not in old.foreign_keys:
            changes.added_foreign_keys.append((name, key, foreign_key))


def _compare_columns(changes: Changes, name: str, old: Table, new: Table, renames: dict[str, str]) -> None:
    previous = {new_column: old_column for old_column, new_column in renames.items()}
    for column_name, column in new.columns.items():
        old_column_name = previous.get(column_name, column_name if column_name in old.columns else None)
        changes.column_of[(name, column_name)] = old_column_name
        if old_column_name is None:
            changes.added_columns.append((name, column))
        elif _differs(old.columns[old_column_name], column):
            changes.changed_columns.append((name, old.columns[old_column_name], column))
    changes.renamed_columns += [(name, old_column, new_column) for old_column, new_column in renames.items()]
    changes.dropped_columns += [(name, c) for c in old.columns if c not in renames and c not in new.columns]


def _differs(old: Column, new: Column) -> bool:
    return old.type != new.type or old.nullable != new.nullable


@dataclass(frozen=True)
class Source:
    """Where a column of the scratch copy takes its values on the target.

    A column of the target's (``column``), or one a pending migration added to a target table: then
    ``column`` is None and every row the table holds has ``default`` in it (None: NULL).
    """

    table: str
    column: str | None
    default: str | None = None
    added_as: str = ""


@dataclass(frozen=True)
class Origin:
    """Where a table of the scratch copy comes from on the target (None: a pending migration made it)."""

    table: str | None
    columns: dict[str, Source]


class Lineage:
    """Each table and column of the scratch copy, traced back to the target's (through renames)."""

    def __init__(self, schema: Schema) -> None:
        self.origins = {
            name: Origin(name, {column: Source(name, column) for column in table.columns})
            for name, table in schema.items()
        }

    def table(self, name: str | None) -> str | None:
        """The target's table behind the scratch copy's ``name``; None for a table a pending migration made."""
        origin = self.origins.get(name)
        return origin.table if origin else None

    def column(self, table: str | None, column: str) -> Source | None:
        """Where the scratch copy's column takes its values on the target; None in a table a pending migration made."""
        origin = self.origins.get(table)
        return origin.columns.get(column) if origin else None

    def advance(self, changes: Changes) -> None:
        """Follow the tables and columns through one statement's changes."""
        added = {(table, column.name): column for table, column in changes.added_columns}
        origins = {}
        for name, old_name in changes.table_of.items():
            old = self.origins.get(old_name) if old_name else None
            if old is None or old.table is None:
                origins[name] = Origin(None, {})
                continue
            columns = {}
            for (table, column), old_column in changes.column_of.items():
                if table == name and old_column is not None:
                    columns[column] = old.columns[old_column]
                elif table == name:
                    columns[column] = _added(old.table, added[(table, column)])
            origins[name] = Origin(old.table, columns)
        self.origins = origins


def _added(table: str, column: Column) -> Source:
    default = "(set by the server)" if column.filled_by_server else column.default
    return Source(table, None, default, column.name)
