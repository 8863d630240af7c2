"""A migration script cut into its statements (sqlglot's MySQL tokenizer), each with its own text and parse.

Besides the parse, a statement says what the server cannot tell from the schema alone: which tables
and columns it renames (a rename and a drop + add leave the same schema behind), which columns an
UPDATE fills, and where an ``ALGORITHM=`` clause goes when the server is asked how it would run it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.tokens import Token, TokenType

DIALECT = "mysql"
logging.getLogger("sqlglot").setLevel(logging.ERROR)  # its fallback warnings are ours to report, not to print

_NAME = r"(?:`(?:[^`]|``)+`|[\w$]+)"
_TABLE = rf"(?:{_NAME}\.)?({_NAME})"
# ALTER TABLE takes ALGORITHM/LOCK as one more comma-separated action; CREATE/DROP INDEX as a trailing option
_ALTER_TABLE = re.compile(rf"ALTER\s+(?:ONLINE\s+|IGNORE\s+)*TABLE\s+{_TABLE}", re.IGNORECASE)
_INDEX_DDL = re.compile(
    rf"(?:CREATE\s+(?:OR\s+REPLACE\s+)?(?:UNIQUE\s+|FULLTEXT\s+|SPATIAL\s+)?|DROP\s+)INDEX\s+"
    rf"(?:IF\s+(?:NOT\s+)?EXISTS\s+)?{_NAME}\s+ON\s+{_TABLE}",
    re.IGNORECASE,
)
_RENAME_TABLE = re.compile(r"RENAME\s+TABLES?\b", re.IGNORECASE)
_RENAME_PAIR = re.compile(rf"{_TABLE}\s+TO\s+{_TABLE}", re.IGNORECASE)


@dataclass(frozen=True)
class Statement:
    """One statement of a script: its text as written, its position, and its parse (``None`` if unparsable)."""

    number: int  # 1-based, as Prisma numbers them in its logs ("query number 1")
    text: str  # from its first token to its last: comments around it left out
    tree: exp.Expression | None

    @property
    def summary(self) -> str:
        """The statement on one line, comments dropped, shortened to 160 characters."""
        if self.tree is not None and not isinstance(self.tree, exp.Command):
            one_line = self.tree.sql(dialect=DIALECT, comments=False)
        else:
            one_line = " ".join(self.text.split())
        return one_line if len(one_line) <= 160 else one_line[:157] + "..."

    @property
    def algorithm_separator(self) -> str | None:
        """What joins an ``ALGORITHM=…`` clause to the statement; None for a statement that takes none."""
        if _ALTER_TABLE.match(self.text):
            return ", "
        return " " if _INDEX_DDL.match(self.text) else None

    @property
    def table(self) -> str | None:
        """The table an ALTER TABLE or an index statement works on; None for any other statement."""
        found = _ALTER_TABLE.match(self.text) or _INDEX_DDL.match(self.text)
        return _unquoted(found.group(1)) if found else None

    def table_renames(self) -> dict[str, str]:
        """The tables it renames, old name to new (``RENAME TABLE``, ``ALTER TABLE … RENAME TO``)."""
        if _RENAME_TABLE.match(self.text):
            return _rename_pairs(self.text)
        if isinstance(self.tree, exp.Alter):
            for action in self.tree.args.get("actions") or []:
                if isinstance(action, exp.AlterRename):
                    return {self.tree.this.name: action.this.name}
        return {}

    def column_renames(self) -> dict[tuple[str, str], str]:
        """The columns it renames, (table, old name) to new name (``RENAME COLUMN``, ``CHANGE old new``)."""
        if not isinstance(self.tree, exp.Alter):
            return {}
        renames = {}
        for action in self.tree.args.get("actions") or []:
            if isinstance(action, exp.RenameColumn):
                renames[(self.tree.this.name, action.this.name)] = action.args["to"].name
            elif isinstance(action, exp.ModifyColumn) and action.args.get("rename_from") is not None:
                renames[(self.tree.this.name, action.args["rename_from"].name)] = action.this.name
        return {key: new for key, new in renames.items() if key[1] != new}

    def filled_columns(self) -> tuple[str, set[str]] | None:
        """For an UPDATE, its table and the columns it assigns (a backfill before a NOT NULL); else None."""
        if not isinstance(self.tree, exp.Update) or not isinstance(self.tree.this, exp.Table):
            return None
        return self.tree.this.name, {assignment.this.name for assignment in self.tree.expressions}


def split_statements(script: str) -> list[Statement]:
    """The statements of ``script``, in order; a script the tokenizer rejects is one unparsed statement."""
    try:
        tokens = sqlglot.tokenize(script, read=DIALECT)
    except SqlglotError:
        return [Statement(1, script.strip(), None)]
    texts: list[str] = []
    first: Token | None = None
    last: Token | None = None
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            if first is not None:
                texts.append(script[first.start : last.end + 1])
            first = None
        else:
            first, last = first or token, token
    if first is not None:
        texts.append(script[first.start : last.end + 1])
    return [Statement(number, text, _parse(text)) for number, text in enumerate(texts, 1)]


def _rename_pairs(text: str) -> dict[str, str]:
    pairs = _RENAME_PAIR.findall(text[_RENAME_TABLE.match(text).end() :])
    return {_unquoted(old): _unquoted(new) for old, new in pairs}


def _unquoted(name: str) -> str:
    return name[1:-1].replace("``", "`") if name.startswith("`") else name


def _parse(text: str) -> exp.Expression | None:
    try:
        return sqlglot.parse_one(text, read=DIALECT)
    except SqlglotError:
        return None
