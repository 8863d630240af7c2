"""Secondary indexes and foreign keys taken out of a dump's ``CREATE TABLE``s, to be built after the data.

Loading rows into a table whose secondary indexes and foreign keys already exist updates every
index row by row; building each index once over the loaded rows is a sorted bulk build and far
cheaper. So the ``KEY``, ``UNIQUE KEY`` and ``CONSTRAINT … FOREIGN KEY`` lines of each
``CREATE TABLE`` are held back and added, with their own names and definitions, at the end: the
indexes by one ``ALTER TABLE`` per table (apart, so that several tables' may be built at once),
then the foreign keys (foreign key checks off: the rows come from a consistent dump), once every
index is built: a foreign key's statement opens the table it references, which an index build may hold.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

CREATE = re.compile(rb"^CREATE TABLE `((?:[^`]|``)+)` \(")
INDEX = re.compile(rb"^\s+(KEY|UNIQUE KEY|FULLTEXT KEY|SPATIAL KEY) ")
FOREIGN_KEY = re.compile(rb"^\s+CONSTRAINT .* FOREIGN KEY ")
END = re.compile(rb"^\)")
FOREIGN_KEY_CHECKS_OFF = b"SET SESSION foreign_key_checks = 0;\n"


@dataclass
class Deferred:
    """What was held back: per table (as the dump quotes it) the statement adding its indexes; the foreign keys."""

    indexes: dict[bytes, bytes] = field(default_factory=dict)
    foreign_keys: list[bytes] = field(default_factory=list)


def split_indexes(lines: Iterable[bytes]) -> tuple[list[bytes], Deferred]:
    """The lines with secondary indexes and foreign keys taken out, and the statements that add them back."""
    kept_lines: list[bytes] = []
    deferred = Deferred()
    table, kept, indexes, foreign_keys = None, [], [], []
    for line in lines:
        if table is None:
            found = CREATE.match(line)
            if found is None:
                kept_lines.append(line)
            else:
                table, kept, indexes, foreign_keys = found.group(1), [line], [], []
        elif END.match(line):
            kept_lines += _create_statement(kept, line)
            if indexes:
                deferred.indexes[table] = _alter(table, indexes)
            if foreign_keys:
                deferred.foreign_keys.append(_alter(table, foreign_keys))
            table = None
        elif INDEX.match(line):
            indexes.append(_definition(line))
        elif FOREIGN_KEY.match(line):
            foreign_keys.append(_definition(line))
        else:
            kept.append(line)
    if table is not None:
        kept_lines += kept
    return kept_lines, deferred


def _definition(line: bytes) -> bytes:
    return line.strip().rstrip(b",")


def _alter(table: bytes, definitions: list[bytes]) -> bytes:
    return b"ALTER TABLE `" + table + b"` " + b", ".join(b"ADD " + d for d in definitions) + b";\n"


def _create_statement(kept: list[bytes], end: bytes) -> list[bytes]:
    header, columns = kept[0], [line.rstrip(b"\n").rstrip(b",") for line in kept[1:]]
    return [header, *(column + (b",\n" if n < len(columns) else b"\n") for n, column in enumerate(columns, 1)), end]
