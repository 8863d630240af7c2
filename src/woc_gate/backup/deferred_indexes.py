"""A dump rewritten on its way to the server so that secondary indexes are built after the data.

Loading rows into a table whose secondary indexes and foreign keys already exist updates every
index row by row; building each index once over the loaded rows is a sorted bulk build and far
cheaper. So the ``KEY``, ``UNIQUE KEY`` and ``CONSTRAINT … FOREIGN KEY`` lines of each
``CREATE TABLE`` are held back and added, with their own names and definitions, by one
``ALTER TABLE`` per table at the end (foreign key checks off: the rows come from a consistent dump).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

CREATE = re.compile(rb"^CREATE TABLE `((?:[^`]|``)+)` \(")
DEFERRED = re.compile(rb"^\s+(KEY|UNIQUE KEY|FULLTEXT KEY|SPATIAL KEY|CONSTRAINT .* FOREIGN KEY) ")
END = re.compile(rb"^\)")


def with_deferred_indexes(lines: Iterable[bytes]) -> Iterator[bytes]:
    """The dump's lines with secondary indexes and foreign keys moved to the end."""
    deferred: list[tuple[bytes, list[bytes]]] = []
    table, kept, held = None, [], []
    for line in lines:
        if table is None:
            found = CREATE.match(line)
            if found is None:
                yield line
                continue
            table, kept, held = found.group(1), [line], []
            continue
        if END.match(line):
            yield from _create_statement(kept, line)
            if held:
                deferred.append((table, held))
            table = None
        elif DEFERRED.match(line):
            held.append(line.strip().rstrip(b","))
        else:
            kept.append(line)
    yield from kept if table is not None else ()
    if deferred:
        yield b"SET SESSION foreign_key_checks = 0;\n"
        for name, definitions in deferred:
            yield b"ALTER TABLE `" + name + b"` " + b", ".join(b"ADD " + d for d in definitions) + b";\n"


def _create_statement(kept: list[bytes], end: bytes) -> Iterator[bytes]:
    header, columns = kept[0], [line.rstrip(b"\n").rstrip(b",") for line in kept[1:]]
    yield header
    for number, column in enumerate(columns, 1):
        yield column + (b",\n" if number < len(columns) else b"\n")
    yield end
