"""The uniqueness the Prisma schema declares (``@id``, ``@@id``, ``@unique``, ``@@unique``), enforced by the database.

A declared key is enforced when the table has a primary key or unique index on exactly its columns or on
some of them (a unique index on fewer columns makes every wider key unique too), as
``information_schema.STATISTICS`` lists them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..sources.prisma import Datamodel
from ..target import db
from . import listed
from .contracts import ContractViolation

UNIQUE_INDEXES = (
    "SELECT TABLE_NAME AS tbl, INDEX_NAME AS idx, COLUMN_NAME AS col FROM information_schema.STATISTICS"
    " WHERE TABLE_SCHEMA = DATABASE() AND NON_UNIQUE = 0 ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX"
)
ATTRIBUTES = {("id", False): "@id", ("id", True): "@@id", ("unique", False): "@unique", ("unique", True): "@@unique"}


@dataclass(frozen=True)
class UniqueKey:
    """One key the Prisma schema declares unique: its model, table, columns and the attribute that declares it."""

    model: str
    table: str
    columns: tuple[str, ...]
    attribute: str

    def __str__(self) -> str:
        return f"{self.table}({', '.join(self.columns)}) ({self.model} {self.attribute})"


def declared_unique_keys(datamodel: Datamodel) -> list[UniqueKey]:
    """Every primary key and unique constraint of every model, by the columns it covers."""
    keys = []
    for index in datamodel.indexes:
        if index.type not in ("id", "unique"):
            continue
        model = datamodel.model(index.model)
        columns = tuple(model.field(name).column for name in index.fields)
        keys.append(UniqueKey(model.name, model.table, columns, ATTRIBUTES[index.type, len(columns) > 1]))
    return keys


def db_unique_indexes(connection) -> dict[str, list[frozenset[str]]]:
    """The column set of each primary key and unique index, by table (column names lower-cased, as MySQL compares)."""
    indexes: dict[tuple[str, str], set[str]] = {}
    for row in db.query(connection, UNIQUE_INDEXES):
        indexes.setdefault((row["tbl"], row["idx"]), set()).add(row["col"].lower())
    by_table: dict[str, list[frozenset[str]]] = {}
    for (table, _), columns in indexes.items():
        by_table.setdefault(table, []).append(frozenset(columns))
    return by_table


def every_declared_unique_key_enforced(
    declared: Iterable[UniqueKey], indexes: Mapping[str, list[frozenset[str]]], *, schema: str
) -> None:
    """The database enforces every key the Prisma schema declares unique, with a primary key or unique index."""
    __tracebackhide__ = True
    declared = list(declared)
    missing = [
        str(key)
        for key in declared
        if not any(index <= {column.lower() for column in key.columns} for index in indexes.get(key.table, []))
    ]
    if missing:
        raise ContractViolation(
            f"{len(missing)} unique key(s) declared in {schema} are not enforced by the database: {listed(missing)}",
            f"a primary key or unique index for each of the {len(declared)} keys @id, @unique and @@unique declare",
            f"no unique index on {listed(missing)}",
        )
