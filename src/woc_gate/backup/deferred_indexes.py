"""Secondary indexes and foreign keys taken out of a dump's ``CREATE TABLE``s, to be built after the data.

Loading rows into a table whose secondary indexes and foreign keys already exist updates every
index row by row; building each index once over the loaded rows is a sorted bulk build and far
cheaper. So the ``KEY``, ``UNIQUE KEY`` and ``CONSTRAINT … FOREIGN KEY`` lines of each
``CREATE TABLE`` are held back and added, with their own names and definitions, by one
``ALTER TABLE`` per table at the end (foreign key checks off: the rows come from a consistent dump).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

CREATE = re.compile(rb"^CREATE TABLE `((?:[^`]|``)+)` \(")
DEFERRED = re.compile(rb"^\s+(KEY|UNIQUE KEY|FULLTEXT KEY|SPATIAL KEY|CONSTRAINT .* FOREIGN KEY) ")
END = re.compile(rb"^\)")


def split_indexes(lines: Iterable[bytes]) -> tuple[list[bytes], list[bytes]]:
    """The lines with secondary indexes and foreign keys taken out, and the statements that add them back."""
    kept_lines: list[bytes] = []
    deferred: list[tuple[bytes, list[bytes]]] = []
    table, kept, held = None, [], []
    for line in lines:
        if table is None:
            found = CREATE.match(line)
            if found is None:
                kept_lines.append(line)
            else:
                table, kept, held = found.group(1), [line], []
        elif END.match(line):
            kept_lines += _create_statement(kept, line)
            if held:
                deferred.append((table, held))
            table = None
        elif DEFERRED.match(line):
            held.append(line.strip().rstrip(b","))
        else:
            kept.append(line)
    if table is not None:
        kept_lines += kept
    alters = [
        b"ALTER TABLE `" + name + b"` " + b", ".join(b"ADD " + d for d in defs) + b";\n" for name, defs in deferred
    ]
    return kept_lines, ([b"SET SESSION foreign_key_checks = 0;\n", *alters] if alters else [])


def _create_statement(kept: list[bytes], end: bytes) -> list[bytes]:
    header, columns = kept[0], [line.rstrip(b"\n").rstrip(b",") for line in kept[1:]]
    return [header, *(column + (b",\n" if n < len(columns) else b"\n") for n, column in enumerate(columns, 1)), end]
