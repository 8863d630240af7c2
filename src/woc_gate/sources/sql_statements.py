"""A migration script cut into its statements (sqlglot's MySQL tokenizer), each with its own text and parse."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.tokens import TokenType

DIALECT = "mysql"
logging.getLogger("sqlglot").setLevel(logging.ERROR)  # its fallback warnings are ours to report, not to print


@dataclass(frozen=True)
class Statement:
    """One statement of a script: its text as written, its position, and its parse (``None`` if unparsable)."""

    number: int  # 1-based, as Prisma numbers them in its logs ("query number 1")
    text: str
    tree: exp.Expression | None

    @property
    def summary(self) -> str:
        """The statement on one line, comments dropped, shortened to 160 characters."""
        if self.tree is not None and not isinstance(self.tree, exp.Command):
            one_line = self.tree.sql(dialect=DIALECT, comments=False)
        else:
            one_line = " ".join(self.text.split())
        return one_line if len(one_line) <= 160 else one_line[:157] + "..."


def split_statements(script: str) -> list[Statement]:
    """The statements of ``script``, in order; a script the tokenizer rejects is one unparsed statement."""
    try:
        tokens = sqlglot.tokenize(script, read=DIALECT)
    except SqlglotError:
        return [Statement(1, script.strip(), None)]
    texts, start = [], None
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            if start is not None:
                texts.append(script[start : token.start])
            start = None
        elif start is None:
            start = token.start
    if start is not None:
        texts.append(script[start:])
    return [Statement(number, text.strip(), _parse(text)) for number, text in enumerate(texts, 1)]


def _parse(text: str) -> exp.Expression | None:
    try:
        return sqlglot.parse_one(text, read=DIALECT)
    except SqlglotError:
        return None
