"""The shape of a database as the server itself describes it (``information_schema``): tables, columns, keys.

Types are the server's ``COLUMN_TYPE`` (``varchar(191)``, ``int(11) unsigned``, ``enum('A','B')``), so
two spellings of one type compare equal. MariaDB stores JSON as ``longtext`` with a ``json_valid``
check; such a column reads as ``json`` here, as it does on MySQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .db import Session, query

JSON_CHECK = re.compile(r"json_valid\(`((?:[^`]|``)+)`\)", re.IGNORECASE)
FILLED_BY_SERVER = re.compile(r"auto_increment|(?:virtual|stored) generated", re.IGNORECASE)  # not DEFAULT_GENERATED


@dataclass(frozen=True)
class Column:
    """One column: its type as the server writes it, whether it takes NULL, and its default."""

    name: str
    type: str
    nullable: bool
    default: str | None  # as the server writes it; None for none or NULL
    filled_by_server: bool = False  # auto_increment or generated: existing rows get a value


@dataclass(frozen=True)
class ForeignKey:
    """A foreign key: its columns and the columns of the table they reference."""

    columns: tuple[str, ...]
    parent: str
    parent_columns: tuple[str, ...]


@dataclass
class Table:
    """One base table: its columns in order, its unique keys and its foreign keys, by name."""

    name: str
    columns: dict[str, Column] = field(default_factory=dict)
    unique: dict[str, tuple[str, ...]] = field(default_factory=dict)
    foreign_keys: dict[str, ForeignKey] = field(default_factory=dict)


Schema = dict[str, Table]


def read_schema(session: Session, *, skip: tuple[str, ...] = ()) -> Schema:
    """The base tables of the session's database (except ``skip``), as the server describes them."""
    tables: Schema = {row["name"]: Table(row["name"]) for row in query(session, _TABLES) if row["name"] not in skip}
    json_columns = _json_columns(session)
    for row in query(session, _COLUMNS):
        if row["tbl"] in tables:
            is_json = (row["tbl"], row["name"]) in json_columns
            tables[row["tbl"]].columns[row["name"]] = Column(
                row["name"],
                "json" if is_json else row["type"],
                row["nullable"] == "YES",
                None if row["dflt"] in (None, "NULL") else row["dflt"],  # MariaDB writes DEFAULT NULL as NULL
                bool(FILLED_BY_SERVER.search(row["extra"])),
            )
    for row in query(session, _UNIQUE):
        if row["tbl"] in tables:
            columns = tables[row["tbl"]].unique.get(row["name"], ())
            tables[row["tbl"]].unique[row["name"]] = (*columns, row["col"])
    for row in query(session, _FOREIGN_KEYS):
        if row["tbl"] in tables:
            known = tables[row["tbl"]].foreign_keys.get(row["name"])
            columns, parent_columns = (known.columns, known.parent_columns) if known else ((), ())
            tables[row["tbl"]].foreign_keys[row["name"]] = ForeignKey(
                (*columns, row["col"]), row["parent"], (*parent_columns, row["parent_col"])
            )
    return tables


def _json_columns(session: Session) -> set[tuple[str, str]]:
    """MariaDB's JSON columns: those with a ``json_valid`` check (MySQL has a json type and no such table column)."""
    if "mariadb" not in query(session, "SELECT VERSION() AS version")[0]["version"].lower():
        return set()
    rows = query(session, _CHECKS)
    return {(row["tbl"], found.group(1)) for row in rows if (found := JSON_CHECK.fullmatch(row["clause"].strip()))}


_TABLES = (
    "SELECT TABLE_NAME AS name FROM information_schema.TABLES"
    " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME"
)
_COLUMNS = (
    "SELECT TABLE_NAME AS tbl, COLUMN_NAME AS name, COLUMN_TYPE AS type, IS_NULLABLE AS nullable,"
    " COLUMN_DEFAULT AS dflt, EXTRA AS extra FROM information_schema.COLUMNS"
    " WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION"
)
_UNIQUE = (
    "SELECT TABLE_NAME AS tbl, INDEX_NAME AS name, COLUMN_NAME AS col FROM information_schema.STATISTICS"
    " WHERE TABLE_SCHEMA = DATABASE() AND NON_UNIQUE = 0 ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX"
)
_FOREIGN_KEYS = (
    "SELECT TABLE_NAME AS tbl, CONSTRAINT_NAME AS name, COLUMN_NAME AS col, REFERENCED_TABLE_NAME AS parent,"
    " REFERENCED_COLUMN_NAME AS parent_col FROM information_schema.KEY_COLUMN_USAGE"
    " WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL"
    " ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION"
)
_CHECKS = (
    "SELECT TABLE_NAME AS tbl, CHECK_CLAUSE AS clause FROM information_schema.CHECK_CONSTRAINTS"
    " WHERE CONSTRAINT_SCHEMA = DATABASE()"
)
