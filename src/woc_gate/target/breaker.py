"""Per-session circuit breakers, one per origin of the target: the first connection failure is repeated at once after.

An origin (``https://api.example.com:443``, ``mysql://db:3306``) that refuses, does not resolve, fails TLS or never
answers costs its first test one timeout; every later call to it fails at once with the same line, through
whichever setting it is reached (``API_BASE_URL`` and ``WOC_API_URL`` alike), anonymous clients and the TLS scan
included. A timeout trips the breaker only while its origin has not answered in this session: a server that works
but is slow once fails that one call, not every later one. ``SURFACES`` holds the breakers of the running session;
the plugin clears it when a session starts.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit

from ..errors import TargetError, TargetTimeout, TargetTLSError, TargetUnreachable

CONNECTION_FAILURES = (TargetUnreachable, TargetTimeout, TargetTLSError)
DEFAULT_PORTS = {"http": 80, "https": 443, "mysql": 3306}


def origin_of(url: str) -> str:
    """``scheme://host:port`` of a URL, the port given even when it is the scheme's default."""
    parts = urlsplit(url)
    port = parts.port or DEFAULT_PORTS.get(parts.scheme, 0)
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{port}"


class Breaker:
    """Remembers the first connection failure of one origin."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.failure: TargetError | None = None
        self.answered = False  # the origin answered a call of this session

    def check(self) -> None:
        """Fail at once with the first connection failure, if there was one."""
        if self.failure is not None:
            raise type(self.failure)(str(self.failure))

    def trip(self, failure: TargetError) -> None:
        """Remember a connection failure (the first one stays); a timeout only of an origin that never answered."""
        slow_once = self.answered and isinstance(failure, TargetTimeout)
        if self.failure is None and isinstance(failure, CONNECTION_FAILURES) and not slow_once:
            self.failure = failure

    @contextlib.contextmanager
    def guard(self) -> Iterator[None]:
        """Run a call to the origin; after a connection failure, fail at once with the same error."""
        self.check()
        try:
            yield
        except CONNECTION_FAILURES as failure:
            self.trip(failure)
            raise
        self.answered = True


class Breakers:
    """The breakers of one session, by origin."""

    def __init__(self) -> None:
        self._by_origin: dict[str, Breaker] = {}
        self._lock = threading.Lock()  # the tenant probes call from several threads

    def of(self, url: str) -> Breaker:
        """The breaker of the origin of ``url``."""
        origin = origin_of(url)
        with self._lock:
            return self._by_origin.setdefault(origin, Breaker(origin))

    def clear(self) -> None:
        """Forget every failure (a new session starts)."""
        with self._lock:
            self._by_origin.clear()


SURFACES = Breakers()
