"""A dump read in large blocks as its ``INSERT`` statements and the lines between them.

mysqldump and mariadb-dump start each ``INSERT`` statement on a line of its own and end it with a ``;`` that ends a
line, and they write every newline inside a value as ``\\n``: a statement ends at the first ``;`` + newline after its
start. Cutting the blocks there costs a fraction of splitting a dump of gigabytes into lines in Python, which is
what a one-row-per-line extended insert would otherwise take. Between ``DELIMITER ;;`` and ``DELIMITER ;`` (a
trigger's or a routine's body) every line is a line, whatever it starts with.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

BLOCK = 16 << 20
INSERT = b"INSERT INTO `"
TABLE = re.compile(rb"INSERT INTO `((?:[^`]|``)+)`")
DELIMITER_OPEN, DELIMITER_CLOSE = b"DELIMITER ;;", b"DELIMITER ;"


@dataclass(frozen=True)
class Rows:
    """One ``INSERT`` statement of the dump, and the table (as the dump quotes it) it fills."""

    table: bytes
    statement: bytes


def scan(source: BinaryIO) -> Iterator[Rows | bytes]:
    """The dump's ``INSERT`` statements as ``Rows`` and every other line as it is (newline kept), in their order."""
    buffer, position, exhausted, in_body = b"", 0, False, False
    while True:
        rows = not in_body and buffer.startswith(INSERT, position)
        end = _statement_end(buffer, position) if rows else buffer.find(b"\n", position)
        if end < 0 and not exhausted:
            block = source.read(BLOCK)
            exhausted = not block
            buffer, position = buffer[position:] + block, 0
            continue
        stop = len(buffer) if end < 0 else end + (2 if rows else 1)
        if stop == position:
            return
        piece = buffer[position:stop]
        position = stop
        table = TABLE.match(piece) if rows else None
        if table:
            yield Rows(table.group(1), piece)
            continue
        line = piece.rstrip()
        in_body = (in_body or line == DELIMITER_OPEN) and line != DELIMITER_CLOSE
        yield piece


def _statement_end(buffer: bytes, start: int) -> int:
    """Where the ``;`` + newline ending the statement at ``start`` is; -1 when ``buffer`` does not hold it yet.

    A search for the one byte ``;`` (rare in rows) is many times faster than one for the two.
    """
    end = buffer.find(b";", start)
    while end >= 0 and buffer[end + 1 : end + 2] != b"\n":
        end = buffer.find(b";", end + 1)
    return end
