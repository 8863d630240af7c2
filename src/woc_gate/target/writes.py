"""Writes to the target refused unless the running test is marked ``writes``, as pytest-django's ``django_db_blocker``
refuses the database to a test not marked ``django_db``.

The plugin arms ``BLOCKER`` around each test from its markers (``BLOCKER.test``). The target's HTTP
clients, its read-only database sessions and the browser's contexts ask it before a mutating call
leaves the process: an HTTP method other than GET, HEAD or OPTIONS, a statement in ``WRITE_STATEMENTS``.
Outside a test (operator commands, the restore drill's scratch database, the reference stack) nothing
is armed and nothing is refused. A login's POST makes a session, not data: ``logging_in`` lets it through.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..errors import WritesBlocked
from ..redaction import mask_url

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
WRITE_STATEMENTS = frozenset(
    ("INSERT", "UPDATE", "DELETE", "REPLACE", "LOAD")  # data
    + ("CREATE", "ALTER", "DROP", "TRUNCATE", "RENAME", "GRANT", "REVOKE")  # schema and accounts
)
FIRST_KEYWORD = re.compile(r"(?:\s+|\(|/\*.*?\*/|(?:--\s|#)[^\n]*(?:\n|$))*([A-Za-z]*)", re.DOTALL)


@dataclass(frozen=True)
class _Armed:
    test: str
    allowed: bool


class WritesBlocker:
    """Whether a write to the target may leave the process now: the innermost armed test decides; open when none is."""

    def __init__(self) -> None:
        self._armed: list[_Armed] = []
        self.pending: WritesBlocked | None = None  # a refusal that could not be raised where it happened (browser)

    @contextlib.contextmanager
    def test(self, nodeid: str, *, allowed: bool) -> Iterator[None]:
        """Arm the blocker while a phase of the test ``nodeid`` runs: its writes are refused unless ``allowed``.

        A refusal left pending is raised at the end, in place of any error it caused (a failed navigation).
        """
        self._armed.append(_Armed(nodeid, allowed))
        try:
            yield
        finally:
            self._armed.pop()
            pending, self.pending = self.pending, None
            if pending is not None:
                raise pending from None

    @contextlib.contextmanager
    def logging_in(self) -> Iterator[None]:
        """Let a login's POST through (API login, web login form): it makes a session, not data, so it is a read."""
        with self._open():
            yield

    @contextlib.contextmanager
    def building_scratch(self) -> Iterator[None]:
        """Let through the writes that build a throwaway database of woc-gate's own (the checkout target's)."""
        with self._open():
            yield

    @contextlib.contextmanager
    def _open(self) -> Iterator[None]:
        self._armed.append(_Armed("", allowed=True))
        try:
            yield
        finally:
            self._armed.pop()

    def refuse_method(self, method: str, url: str) -> None:
        """Refuse an HTTP request that is not a read (GET, HEAD, OPTIONS) when the running test may not write."""
        if method.upper() not in READ_METHODS:
            self._refuse(f"{method.upper()} {mask_url(url)}")

    def refuse_statement(self, sql: str) -> None:
        """Refuse a statement that changes data or schema (``WRITE_STATEMENTS``) when the running test may not write."""
        keyword = first_keyword(sql)
        if keyword in WRITE_STATEMENTS:
            self._refuse(f"{keyword} statement")

    def _refuse(self, what: str) -> None:
        if self._armed and not self._armed[-1].allowed:
            raise WritesBlocked(
                f"{self._armed[-1].test} changes data on the target ({what}) but is not marked writes: "
                "add @pytest.mark.writes (read-only runs then skip it)"
            )


def first_keyword(sql: str) -> str:
    """The statement's first keyword, upper case, after any whitespace, comments and opening parentheses."""
    return FIRST_KEYWORD.match(sql).group(1).upper()


BLOCKER = WritesBlocker()
