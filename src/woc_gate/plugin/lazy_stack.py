"""The reference stack of a ``--woc-target=sandbox`` session: its state dir planned at configure time, started on need.

The controller plans the state dir when the session is configured and hands it to its xdist workers, so
every process knows from the start what that dir alone decides (``layout.static_profile``: ``openapi_path``,
``env_file``, ``repo``, …) and the settings are complete before collection. The first process whose test
needs the target starts the stack there, under a lock in the state dir; the others wait for it and read
its ``profile.toml``. The controller stops it at the end. A run that selects no such test starts nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import filelock

from ..errors import SandboxError
from ..sandbox import instances, layout

START_LOCK_FILE = "start.lock"
START_LOCK_TIMEOUT = 300  # seconds: a cold start on a loaded machine, with room to spare


@dataclass(frozen=True)
class LazyStack:
    """Where a session's reference stack runs once started, and what it is started with."""

    state_dir: Path
    owner_pid: int  # the controller's: the stack lives as long as it does
    repo: Path | None  # the tree the stack copies; the reference tree when None
    faults: tuple[str, ...]

    @property
    def profile(self) -> Path:
        """The profile the stack writes once it is ready."""
        return self.state_dir / layout.PROFILE_FILE

    def static_profile(self) -> dict:
        """The settings its state dir alone decides, known before it starts."""
        return layout.static_profile(self.state_dir)

    def ensure_started(self) -> Path:
        """Start the stack unless a process of this run did; its profile."""
        self.state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        instances.set_owner(self.state_dir, self.owner_pid)  # swept with its owner, even if never started
        try:
            with filelock.FileLock(self.state_dir / START_LOCK_FILE, timeout=START_LOCK_TIMEOUT):
                if not self.profile.is_file():
                    self._start()
        except filelock.Timeout:
            raise SandboxError(
                f"another process of this run has been starting the reference stack for {START_LOCK_TIMEOUT} s;"
                f" see {self.state_dir / layout.LOG_FILE}"
            ) from None
        return self.profile

    def _start(self) -> None:
        error = self.state_dir / layout.ERROR_FILE
        if error.is_file():  # another process of this run tried and failed: its reason, not a second try
            raise SandboxError(error.read_text().strip())
        from ..sandbox import stack  # the stack's own dependencies load only when one is wanted

        stack.start(self.state_dir, faults=self.faults, repo=self.repo, tls=True, s3=True, owner_pid=self.owner_pid)

    def stop(self) -> None:
        """Stop the stack if it was started, and remove its state dir."""
        if self.state_dir.is_dir():
            from ..sandbox import stack

            stack.stop(self.state_dir)
