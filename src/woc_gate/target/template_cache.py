"""Built-once directories in woc-gate's cache, keyed by what shapes them (database templates, for instance).

A template is built under a lock, so parallel workers build it once, into ``KEY.building``, and published
by renaming the finished build: a reader sees a whole template or none. Templates unused for
``UNUSED_DAYS`` are pruned when another one is built.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from woc_gate.errors import TargetError
from woc_gate.sources.nodetools import default_cache_dir

UNUSED_DAYS = 2
DAY = 86400


def cache_root(name: str) -> Path:
    """``$WOC_GATE_CACHE_DIR/NAME`` (default ``~/.cache/woc-gate/NAME``), created when missing."""
    root = default_cache_dir() / name
    root.mkdir(parents=True, exist_ok=True)
    return root


def cached(root: Path, key: str, build: Callable[[Path], None]) -> Path:
    """The template ``root/key``, built now by ``build(folder)`` when it is not cached yet; marked as used."""
    path = root / key
    with locked(root / f"{key}.lock"):
        if not path.is_dir():
            building = path.with_name(path.name + ".building")
            shutil.rmtree(building, ignore_errors=True)  # a build killed earlier; the lock says none runs now
            building.mkdir()
            try:
                build(building)
                building.rename(path)
            finally:
                shutil.rmtree(building, ignore_errors=True)
            _prune(root, keep=path)
    os.utime(path)
    return path


def copy_tree(source: Path, target: Path, *, link: bool = False) -> None:
    """Copy a folder (hard links and modes kept, reflinks where the file system has them) to a new place.

    With ``link`` its files are hard links to the template's where both are on one file system: for files
    that are only ever replaced or removed, never written in place (half a million screenshot objects copy
    in seconds, and take no more space).
    """
    if link:
        linked = subprocess.run(["cp", "-a", "--link", str(source), str(target)], capture_output=True)
        if linked.returncode == 0:
            return
        shutil.rmtree(target, ignore_errors=True)  # another file system: copied below
    done = subprocess.run(["cp", "-a", "--reflink=auto", str(source), str(target)], capture_output=True, text=True)
    if done.returncode != 0:
        raise TargetError(f"cannot copy the template {source} to {target}: {done.stderr.strip()}")


@contextmanager
def locked(path: Path):
    """Hold an exclusive lock on ``path`` (created when missing) for the block."""
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _prune(root: Path, keep: Path) -> None:
    cutoff = time.time() - UNUSED_DAYS * DAY
    for path in root.iterdir():
        if path == keep or path.name.endswith(".building") or path.stat().st_mtime >= cutoff:
            continue
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        elif path.suffix == ".lock" and not path.with_suffix("").exists():
            path.unlink(missing_ok=True)  # the lock of a template that was pruned or never built
