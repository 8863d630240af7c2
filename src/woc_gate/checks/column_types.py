"""Whether a column's new type holds every value of its old one, from the server's ``COLUMN_TYPE`` text.

Narrowing: a shorter length, fewer digits or decimals, a smaller integer, a change of signedness, fewer
fractional seconds or a narrower date range, enum or set values removed, text to JSON, or another kind
of type altogether.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

INTEGER_RANK = {"tinyint": 1, "smallint": 2, "mediumint": 3, "int": 4, "integer": 4, "bigint": 5}
INTEGER_DIGITS = {"tinyint": 3, "smallint": 5, "mediumint": 8, "int": 10, "integer": 10, "bigint": 20}
FLOAT_RANK = {"float": 1, "double": 2, "real": 2}
TEXT_LENGTH = {"tinytext": 255, "text": 65535, "mediumtext": 16777215, "longtext": 4294967295, "json": 4294967295}
BLOB_LENGTH = {"tinyblob": 255, "blob": 65535, "mediumblob": 16777215, "longblob": 4294967295}
CHARACTERS = {"char", "varchar", *TEXT_LENGTH}
BYTES = {"binary", "varbinary", *BLOB_LENGTH}
FRACTIONAL = {"datetime", "timestamp", "time"}
DATES = {"date", "datetime", "timestamp"}


@dataclass(frozen=True)
class ColumnType:
    """A ``COLUMN_TYPE`` taken apart: ``decimal(10,2) unsigned`` is decimal, (10, 2), unsigned."""

    base: str
    sizes: tuple[int, ...]
    values: tuple[str, ...]  # of an enum or set
    unsigned: bool

    @classmethod
    def parse(cls, text: str) -> ColumnType:
        """The parts of a column type as the server writes it."""
        text = text.strip()
        base = re.match(r"[a-z]+", text.lower()).group(0)
        arguments = re.match(r"[a-z]+\s*\(([^)]*)\)", text, re.IGNORECASE)
        is_list = base in ("enum", "set")
        values = tuple(v.replace("''", "'") for v in re.findall(r"'((?:[^']|'')*)'", text)) if is_list else ()
        sizes = tuple(int(n) for n in re.findall(r"\d+", arguments.group(1))) if arguments and not is_list else ()
        return cls(base, sizes, values, "unsigned" in text.lower().split())

    def text_width(self) -> int:
        """The most characters one of its values takes as text."""
        if self.base in INTEGER_DIGITS:
            return INTEGER_DIGITS[self.base] + 1
        if self.base == "decimal":
            return (self.sizes or (10,))[0] + 2
        if self.base in ("enum", "set"):
            return max(map(len, self.values), default=0) if self.base == "enum" else len(",".join(self.values))
        return 24 if self.base in FLOAT_RANK else 26  # a double's shortest exact text; a datetime(6)

    def length(self) -> int:
        """How many characters (or bytes) it holds."""
        return TEXT_LENGTH.get(self.base) or BLOB_LENGTH.get(self.base) or (self.sizes[0] if self.sizes else 1)


def narrowing(old: str, new: str) -> str:
    """Why a column retyped from ``old`` to ``new`` may not keep its values, or "" when it keeps every one."""
    if old == new:
        return ""
    before, after = ColumnType.parse(old), ColumnType.parse(new)
    for rule in (_to_json, _list_values, _integers, _decimals, _floats, _lengths, _as_text, _temporal):
        verdict = rule(before, after)
        if verdict is not None:
            return verdict
    return "" if before.base == after.base else f"another type ({old} to {new})"


def _to_json(before: ColumnType, after: ColumnType) -> str | None:
    if after.base != "json" or before.base == "json":
        return None
    return "a value that is not JSON fails it"


def _list_values(before: ColumnType, after: ColumnType) -> str | None:
    if before.base not in ("enum", "set") or after.base != before.base:
        return None
    removed = [value for value in before.values if value not in after.values]
    return f"removes value(s) {', '.join(removed)}" if removed else ""


def _integers(before: ColumnType, after: ColumnType) -> str | None:
    if before.base not in INTEGER_RANK:
        return None
    if after.base == "decimal":
        integer_digits = after.sizes[0] - (after.sizes[1] if len(after.sizes) > 1 else 0) if after.sizes else 10
        return "fewer digits" if integer_digits < INTEGER_DIGITS[before.base] else ""
    if after.base not in INTEGER_RANK:
        return None
    if INTEGER_RANK[after.base] < INTEGER_RANK[before.base]:
        return "a smaller integer"
    if after.unsigned and not before.unsigned:
        return "signed to unsigned: a negative value fails it"
    if before.unsigned and not after.unsigned and INTEGER_RANK[after.base] == INTEGER_RANK[before.base]:
        return "unsigned to signed: the upper half of the range fails it"
    return ""


def _decimals(before: ColumnType, after: ColumnType) -> str | None:
    if before.base != "decimal" or after.base != "decimal":
        return None
    precision, scale = (before.sizes + (10, 0))[:2]
    new_precision, new_scale = (after.sizes + (10, 0))[:2]
    if new_precision - new_scale < precision - scale:
        return "fewer integer digits"
    if new_scale < scale:
        return "fewer decimals: values are rounded"
    return "signed to unsigned: a negative value fails it" if after.unsigned and not before.unsigned else ""


def _floats(before: ColumnType, after: ColumnType) -> str | None:
    if before.base not in FLOAT_RANK or after.base not in FLOAT_RANK:
        return None
    return "less precision" if FLOAT_RANK[after.base] < FLOAT_RANK[before.base] else ""


def _lengths(before: ColumnType, after: ColumnType) -> str | None:
    same_kind = {before.base, after.base} <= CHARACTERS or {before.base, after.base} <= BYTES
    if not same_kind:
        return None
    return f"shorter ({after.length()} instead of {before.length()})" if after.length() < before.length() else ""


def _as_text(before: ColumnType, after: ColumnType) -> str | None:
    if after.base not in CHARACTERS or before.base in CHARACTERS | BYTES:
        return None
    width = before.text_width()
    return f"shorter ({after.length()} characters, values take up to {width})" if after.length() < width else ""


def _temporal(before: ColumnType, after: ColumnType) -> str | None:
    if not {before.base, after.base} <= DATES and before.base != after.base:
        return None
    if after.base == "date" and before.base != "date":
        return "drops the time of day"
    if after.base == "timestamp" and before.base != "timestamp":
        return "a narrower range (TIMESTAMP ends in 2038)"
    old_digits, new_digits = (before.sizes or (0,))[0], (after.sizes or (0,))[0]
    fewer = new_digits < old_digits and after.base in FRACTIONAL
    return f"fewer fractional seconds ({new_digits} instead of {old_digits})" if fewer else ""
