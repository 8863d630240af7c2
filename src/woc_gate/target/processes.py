"""The one place where woc-gate finds and starts programs: subprocess's and the OS's errors become typed one-liners.

Every program woc-gate runs (node, npm, the MySQL server and clients, gpgconf) is found with
``find_program`` or ``require_program`` and started with ``run``, ``run_group`` or ``start``, inside
``program_errors``: a program that cannot start or does not finish in time is an error of the
caller's kind (``TargetError``, ``SourceError``, …) naming it and saying what to do, its cause kept.
``stop`` ends a started program, killing it when it does not end in time.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ..errors import TargetError, WocGateError

Runner = Callable[..., subprocess.CompletedProcess]


def find_program(names: Sequence[str], extra_dirs: Sequence[str] = ()) -> Path | None:
    """The first of ``names`` found on PATH, then in ``extra_dirs``; None when none is installed."""
    searched = [None, os.pathsep.join(extra_dirs)] if extra_dirs else [None]
    for folders in searched:
        for name in names:
            found = shutil.which(name, path=folders)
            if found:
                return Path(found)
    return None


def require_program(names: Sequence[str], install: str, error: type[WocGateError] = TargetError) -> Path:
    """The first of ``names`` found on PATH; an ``error`` saying how to ``install`` one when none is."""
    found = find_program(names)
    if found is None:
        raise error(f"{' or '.join(names)} was not found on PATH; {install}")
    return found


@contextlib.contextmanager
def program_errors(what: str, error: type[WocGateError] = TargetError, advice: str = "") -> Iterator[None]:
    """Map a program's failure to start or to finish in time into ``error``; ``advice`` says what to do when late."""
    try:
        yield
    except subprocess.TimeoutExpired as late:
        raise error(f"{what} did not finish within {late.timeout:g} s; {advice}") from late
    except OSError as failed:
        raise error(
            f"{what} cannot start: {failed.strerror or failed}; check that it is installed and may be executed"
        ) from failed


def run(
    command: Sequence[str],
    *,
    what: str,
    advice: str,
    error: type[WocGateError] = TargetError,
    runner: Runner | None = None,
    **options: Any,
) -> subprocess.CompletedProcess:
    """Run ``command`` to its end (``subprocess.run`` options, or ``runner`` in its place) inside ``program_errors``."""
    with program_errors(what, error, advice):
        return (runner or subprocess.run)(list(command), **options)


def start(
    command: Sequence[str], *, what: str, error: type[WocGateError] = TargetError, **options: Any
) -> subprocess.Popen:
    """Start ``command`` (``subprocess.Popen`` options); a program that cannot start is an ``error`` naming ``what``."""
    with program_errors(what, error):
        return subprocess.Popen(list(command), **options)


def run_group(command: Sequence[str], *, what: str, error: type[WocGateError] = TargetError, **options: Any) -> int:
    """Run ``command`` and the processes it starts, as one group, to the end; its exit status.

    Interrupted (Ctrl-C, SIGTERM), the whole group is killed: a script's children must not outlive it.
    """
    process = start(command, what=what, error=error, start_new_session=True, **options)
    try:
        return process.wait()
    except BaseException:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise


def stop(process: subprocess.Popen, timeout: float) -> None:
    """End ``process`` (SIGTERM), killing it when it does not end within ``timeout`` seconds."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    except BaseException:  # interrupted while waiting (Ctrl-C): it must not outlive the files it writes
        process.kill()
        process.wait()
        raise
