"""A per-session circuit breaker per target surface: the first connection failure is repeated at once after.

A surface that refuses, does not resolve, fails TLS or never answers costs its first test one
timeout; every later test of that surface fails at once with the same line.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from ..errors import TargetError, TargetTimeout, TargetTLSError, TargetUnreachable

CONNECTION_FAILURES = (TargetUnreachable, TargetTimeout, TargetTLSError)


class Breaker:
    """Remembers the first connection failure of one surface (``api``, ``web``, ``database``)."""

    def __init__(self, surface: str) -> None:
        self.surface = surface
        self.failure: TargetError | None = None

    @contextlib.contextmanager
    def guard(self) -> Iterator[None]:
        """Run a call to the surface; after a connection failure, fail at once with the same error."""
        if self.failure is not None:
            raise type(self.failure)(str(self.failure))
        try:
            yield
        except CONNECTION_FAILURES as failure:
            self.failure = failure
            raise


def breakers() -> dict[str, Breaker]:
    """One breaker per surface, for one session."""
    return {surface: Breaker(surface) for surface in ("api", "desktop", "web", "database")}
