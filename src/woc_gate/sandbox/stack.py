"""Start, stop and query a reference stack that runs in the background (``python -m woc_gate.sandbox.daemon``).

The daemon works in a state dir: it writes its pid, then ``profile.toml``, ``env`` and
``context.json``, then a ``ready`` marker; or an ``error`` file of one line when it cannot start.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from woc_gate.errors import SandboxError
from woc_gate.sandbox import instances, require_extra
from woc_gate.sandbox.context import SandboxContext
from woc_gate.sandbox.dburl import drop_leftover, parse_server_url
from woc_gate.sandbox.faults import check_fault_names, check_switchable
from woc_gate.sandbox.figures import FIGURES_FILE, Figures, read_figures
from woc_gate.sandbox.layout import ENV_FILE, ERROR_FILE, LOG_FILE, PROFILE_FILE, STORAGE_DIR, TREE_DIR
from woc_gate.sandbox.target_profile import read_context, write_private
from woc_gate.sandbox.write_log import WRITE_LOG_FILE
from woc_gate.suite import REFERENCE_TREE
from woc_gate.target import processes

DEFAULT_STATE_DIR = Path(".woc-gate-sandbox")
PID_FILE = "daemon.pid"
READY_FILE = "ready"
CONTEXT_FILE = "context.json"
TLS_DIR = "tls"
RELEASE_DIR = "release"
FAULT_SWITCH_FILE = "switched-faults"
PROGRESS_FILE = "progress"  # "DONE<TAB>TOTAL<TAB>UNIT<TAB>LABEL": how far the start is (see ``Step``)
SEED_UNIT = "scale organizations seeded"
BUCKET_UNIT = "objects put in the bucket"
RUNTIME_ENTRIES = (
    READY_FILE,
    PROGRESS_FILE,
    FIGURES_FILE,
    ERROR_FILE,
    PROFILE_FILE,
    ENV_FILE,
    CONTEXT_FILE,
    TREE_DIR,
    STORAGE_DIR,
    TLS_DIR,
    RELEASE_DIR,
    FAULT_SWITCH_FILE,
    PID_FILE,
    WRITE_LOG_FILE,
)
POLL_SECONDS = 0.05
STOP_SECONDS = 30.0

_children: dict[int, subprocess.Popen] = {}  # daemons this process started, reaped when they stop


@dataclass(frozen=True)
class StackOptions:
    """What the daemon is asked to run (sent to it as JSON on stdin)."""

    state_dir: str
    repo: str
    faults: list[str]
    scale: int = 0
    seed: int = 0
    tls: bool = False
    s3: bool = False
    policy_envelope: str = "data"
    db_url: str | None = None
    owner_pid: int | None = None
    ephemeral: bool = False  # the state dir is a temporary one, removed at stop
    fault_switch: bool = False  # the apps follow FAULT_SWITCH_FILE (the suite's own tests only)


@dataclass(frozen=True)
class Step:
    """How far a starting stack is: ``done`` of ``total`` ``unit`` (``SEED_UNIT``, ``BUCKET_UNIT``), doing ``label``."""

    done: int
    total: int
    unit: str
    label: str

    def line(self) -> str:
        """The step as the daemon writes it to ``PROGRESS_FILE``."""
        return f"{self.done}\t{self.total}\t{self.unit}\t{self.label}\n"


@dataclass(frozen=True)
class Sandbox:
    """A running stack: where its files are and the daemon's pid."""

    state_dir: Path
    profile_path: Path
    env_path: Path
    pid: int

    @property
    def ctx(self) -> SandboxContext:
        """The context its apps were built from (URLs, database account, secrets, faults)."""
        return read_context(self.state_dir / CONTEXT_FILE)

    @property
    def figures(self) -> Figures:
        """What it holds: rows, objects and bytes."""
        return read_figures(self.state_dir)

    def stop(self, timeout: float = STOP_SECONDS) -> None:
        """Stop the stack and remove what it made."""
        stop(self.state_dir, timeout)

    def switch_faults(self, names=()) -> None:
        """Switch the apps' faults to exactly ``names`` while the stack runs (started with ``fault_switch=True``)."""
        names = check_switchable(names)
        if not self.ctx.fault_switch:
            raise SandboxError(
                f"the stack in {self.state_dir} was started without fault_switch; it cannot switch faults"
            )
        staged = self.state_dir / f".{FAULT_SWITCH_FILE}"
        write_private(staged, "".join(f"{name}\n" for name in sorted(names)))
        staged.replace(self.state_dir / FAULT_SWITCH_FILE)


@dataclass(frozen=True)
class StackStatus:
    """What runs in a state dir."""

    state_dir: Path
    pid: int
    ready: bool
    profile_path: Path
    env_path: Path


def start(
    state_dir: Path | None = None,
    *,
    faults=(),
    scale: int = 0,
    seed: int = 0,
    tls: bool = False,
    s3: bool = False,
    repo: Path | None = None,
    policy_envelope: str = "data",
    db_url: str | None = None,
    owner_pid: int | None = None,
    fault_switch: bool = False,
    timeout: float = 60.0,
    on_progress: Callable[[Step], None] | None = None,
) -> Sandbox:
    """Start a stack in the background and wait until it is ready; a ``SandboxError`` of one line when it cannot.

    With ``fault_switch`` the apps' faults can be switched while it runs (``Sandbox.switch_faults``): for the
    suite's own tests, which prove a check against each fault without a start per fault. ``on_progress(step)``
    is told how far the start is as it moves: the seed of the scale organizations (``scale``), the copy of the
    template, then, with ``s3``, the objects put in the bucket. ``timeout`` counts from the start's last step.
    """
    require_extra()
    faults = sorted(check_fault_names(faults))
    if scale < 0:
        raise SandboxError(f"scale must be 0 or more; got {scale}")
    repo = checked_repo(Path(repo) if repo else REFERENCE_TREE)
    if db_url is not None:
        parse_server_url(db_url)
    ephemeral = state_dir is None
    state_dir = instances.create_owned_dir("state-") if ephemeral else _prepared_state_dir(Path(state_dir))
    options = StackOptions(
        state_dir=str(state_dir),
        repo=str(repo),
        faults=faults,
        scale=scale,
        seed=seed,
        tls=tls,
        s3=s3,
        policy_envelope=policy_envelope,
        db_url=db_url,
        owner_pid=owner_pid,
        ephemeral=ephemeral,
        fault_switch=fault_switch,
    )
    process = _spawn_daemon(options)
    try:
        _wait_ready(process, state_dir, timeout, on_progress)
    except BaseException:  # a failure, the timeout or Ctrl-C: nothing may keep running
        _abandon(process, state_dir, ephemeral)
        raise
    return Sandbox(state_dir, state_dir / PROFILE_FILE, state_dir / ENV_FILE, process.pid)


def stop(state_dir: Path, timeout: float = STOP_SECONDS) -> bool:
    """Stop the stack running in ``state_dir``; False when none was running there."""
    state_dir = Path(state_dir).resolve()
    token = _daemon_token(state_dir)
    stopped = token is not None and instances.is_alive(token)
    if stopped:
        pid = int(token.split(":")[0])
        os.kill(pid, signal.SIGTERM)
        if not _wait_gone(token, timeout):
            os.kill(pid, signal.SIGKILL)
            _wait_gone(token, timeout)
        _reap(pid)
    instances.sweep_stale(drop_leftover)
    clear_runtime_entries(state_dir)
    if instances.owner_of(state_dir) is not None:  # a temporary state dir made by start()
        shutil.rmtree(state_dir, ignore_errors=True)
    return stopped


def status(state_dir: Path) -> StackStatus | None:
    """What runs in ``state_dir``, or None when no stack does."""
    state_dir = Path(state_dir).resolve()
    token = _daemon_token(state_dir)
    if token is None or not instances.is_alive(token):
        return None
    return StackStatus(
        state_dir=state_dir,
        pid=int(token.split(":")[0]),
        ready=(state_dir / READY_FILE).exists(),
        profile_path=state_dir / PROFILE_FILE,
        env_path=state_dir / ENV_FILE,
    )


def checked_repo(repo: Path | str) -> Path:
    """The absolute path of a WorkOnClock source tree; a ``SandboxError`` when it is not one."""
    repo = Path(repo).resolve()
    if not (repo / "apps" / "web" / "prisma" / "migrations").is_dir():
        raise SandboxError(
            f"{repo} is not a WorkOnClock source tree (no apps/web/prisma/migrations);"
            " pass the checkout's root as --repo"
        )
    return repo


def _prepared_state_dir(state_dir: Path) -> Path:
    state_dir = state_dir.resolve()
    running = status(state_dir)
    if running is not None:
        raise SandboxError(
            f"a sandbox is already running in {state_dir} (pid {running.pid}); stop it with"
            f" `woc-gate sandbox down --state {state_dir}` or pick another --state"
        )
    state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    clear_runtime_entries(state_dir)  # left by a stack that was killed
    return state_dir


def _spawn_daemon(options: StackOptions) -> subprocess.Popen:
    state_dir = Path(options.state_dir)
    with open(state_dir / LOG_FILE, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "woc_gate.sandbox.daemon"],
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=state_dir,
        )
    _children[process.pid] = process
    process.stdin.write(json.dumps(dataclasses.asdict(options)).encode())
    process.stdin.close()
    return process


def _wait_ready(
    process: subprocess.Popen, state_dir: Path, timeout: float, on_progress: Callable[[Step], None] | None
) -> None:
    deadline, shown = time.monotonic() + timeout, None
    while True:
        if (step := _step(state_dir)) not in (None, shown):
            shown, deadline = step, time.monotonic() + timeout  # a start that moves is not late
            if on_progress is not None:
                on_progress(step)
        if (state_dir / READY_FILE).exists():  # after the progress: its last word is read before the return
            return
        if process.poll() is not None:
            _reap(process.pid)
            error = state_dir / ERROR_FILE
            if error.exists():
                raise SandboxError(error.read_text().strip())
            raise SandboxError(
                f"the sandbox daemon exited with status {process.returncode} before it was ready;"
                f" see {state_dir / LOG_FILE}"
            )
        if time.monotonic() > deadline:
            raise SandboxError(
                f"the sandbox was not ready within {timeout:g} s"
                f"{f' of its last step ({shown.label})' if shown else ''}; see {state_dir / LOG_FILE}"
            )
        time.sleep(POLL_SECONDS)


def _step(state_dir: Path) -> Step | None:
    """How far the start is, as the daemon last wrote it; None before."""
    try:
        line = (state_dir / PROGRESS_FILE).read_text()
        done, total, unit, label = line.removesuffix("\n").split("\t")
        return Step(int(done), int(total), unit, label) if line.endswith("\n") else None
    except (OSError, ValueError):  # not written yet, or caught half-written
        return None


def _abandon(process: subprocess.Popen, state_dir: Path, ephemeral: bool) -> None:
    """End a daemon that did not get ready, and sweep what it leaves (its error file stays)."""
    processes.stop(process, STOP_SECONDS)
    _children.pop(process.pid, None)
    instances.sweep_stale(drop_leftover)
    if ephemeral:
        shutil.rmtree(state_dir, ignore_errors=True)
    else:
        clear_runtime_entries(state_dir, keep=(ERROR_FILE,))  # what a daemon killed in its cleanup left


def _daemon_token(state_dir: Path) -> str | None:
    try:
        return (state_dir / PID_FILE).read_text().strip() or None
    except OSError:
        return None


def _wait_gone(token: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while instances.is_alive(token):
        if time.monotonic() > deadline:
            return False
        _reap(int(token.split(":")[0]))
        time.sleep(POLL_SECONDS)
    return True


def _reap(pid: int) -> None:
    process = _children.get(pid)
    if process is not None and process.poll() is not None:
        del _children[pid]


def clear_runtime_entries(state_dir: Path, keep: tuple[str, ...] = ()) -> None:
    """Remove what a stack writes into its state dir (its log stays), but for ``keep``."""
    for name in RUNTIME_ENTRIES:
        if name in keep:
            continue
        path = state_dir / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
