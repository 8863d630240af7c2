"""Named locks on the target's database server, so that the shards of a split run, each on a machine of its own (a CI
job), take turns on a smoke tenant as the xdist workers of one run do through a file lock.

MySQL's and MariaDB's named locks (``GET_LOCK``) are the server's: every session of every client sees them, taking
one needs no privilege and writes nothing (the read-only session takes them), and a session that ends (a job
cancelled or killed) gives its locks back.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from .db import Dsn, Session, connect_readonly, query

NAME_LIMIT = 64  # characters of a lock name the server takes


class ServerLocks:
    """One read-only session on the target's database server, opened with the first lock, that holds named locks."""

    def __init__(self, url: str, connect_args: Mapping[str, Any] | None = None) -> None:
        self._url = url
        self._connect_args = connect_args
        self._session: Session | None = None
        database = Dsn.parse(url).database or ""
        # one server may hold the databases of several targets: each target's locks are its own
        self._prefix = f"woc-gate:{hashlib.sha256(database.encode()).hexdigest()[:16]}:"

    def name(self, key: str) -> str:
        """The server-wide name of the lock ``key`` of this target."""
        return (self._prefix + key)[:NAME_LIMIT]

    def acquire(self, key: str, timeout: float) -> bool:
        """Take the lock ``key`` within ``timeout`` seconds; False when another session held it all that time."""
        if self._session is None:
            self._session = connect_readonly(self._url, connect_args=self._connect_args)
        [row] = query(self._session, "SELECT GET_LOCK(%s, %s) AS taken", (self.name(key), timeout))
        return row["taken"] == 1

    def release(self, key: str) -> None:
        """Give the lock ``key`` back."""
        if self._session is not None:
            query(self._session, "SELECT RELEASE_LOCK(%s) AS released", (self.name(key),))

    def close(self) -> None:
        """Close the session, which gives back every lock it still holds."""
        if self._session is not None:
            self._session.close()
            self._session = None
