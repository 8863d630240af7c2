"""Owned scratch directories: each names the process that owns it, and is swept once that process is gone.

Every throwaway thing the stack makes outside its state dir (database datadirs, sockets, the temporary
state dirs of ``stack.start()`` without one) lives under one root. A run killed with SIGKILL cannot
clean up after itself, so each start first removes the directories whose owner is dead, stopping any
process still named by a ``*.pid`` file inside them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
from collections.abc import Callable
from pathlib import Path

RUN_ROOT_ENV = "WOC_GATE_RUN_DIR"
OWNER_FILE = "owner"


def run_root() -> Path:
    """The root of the owned directories: ``$WOC_GATE_RUN_DIR``, else a per-user folder in the temp dir."""
    root = Path(os.environ.get(RUN_ROOT_ENV) or Path(tempfile.gettempdir()) / f"woc-gate-{os.getuid()}")
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    return root


def process_token(pid: int) -> str | None:
    """``pid:starttime`` of a live process (never reused together), or None when it is gone or a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] in ("Z", "X"):
        return None
    return f"{pid}:{fields[19]}"


def is_alive(token: str) -> bool:
    """True while the process that ``process_token`` described still runs."""
    pid, _, _ = token.partition(":")
    return pid.isdigit() and process_token(int(pid)) == token


def create_owned_dir(prefix: str, owner_pid: int | None = None) -> Path:
    """A new directory under the run root, owned by ``owner_pid`` (default: this process)."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=run_root()))
    set_owner(path, owner_pid or os.getpid())
    return path


def set_owner(path: Path, pid: int) -> None:
    """Record ``pid`` as the owner of an owned directory."""
    token = process_token(pid)
    if token is None:
        raise ValueError(f"process {pid} is not running")
    (path / OWNER_FILE).write_text(token)


def owner_of(path: Path) -> str | None:
    """The owner token of an owned directory, or None when it has none."""
    try:
        return (path / OWNER_FILE).read_text().strip()
    except OSError:
        return None


def sweep_stale(on_stale: Callable[[Path], None] | None = None) -> list[Path]:
    """Remove the owned directories whose owner is dead (after ``on_stale``); the removed paths."""
    removed = []
    for path in sorted(run_root().iterdir()):
        token = owner_of(path) if path.is_dir() else None
        if token is None or is_alive(token):
            continue
        stop_recorded_processes(path)
        if on_stale is not None:
            on_stale(path)
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def stop_recorded_processes(path: Path) -> None:
    """Kill the live processes named by ``*.pid`` files in ``path`` whose command line mentions ``path``."""
    for pid_file in path.glob("*.pid"):
        try:
            pid = int(pid_file.read_text().split(":")[0])
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, ValueError):
            continue
        if str(path).encode() in command:
            with contextlib.suppress(ProcessLookupError):  # it may have ended on its own meanwhile
                os.kill(pid, signal.SIGKILL)
