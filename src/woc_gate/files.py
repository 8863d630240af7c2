"""Files written whole or not at all, files only their owner may read, and the limits of file systems."""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700


def write_atomically(path: Path, data: str | bytes) -> None:
    """Write a temporary file beside ``path``, then rename it: readers see the old file or the new one, never a part.

    The file is 0600, as ``mkstemp`` makes it.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data.encode() if isinstance(data, str) else data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def private_folder(path: Path) -> Path:
    """Create ``path`` and the parents it lacks, readable by this user alone (0700); the folder."""
    path = Path(path)
    missing = [folder for folder in (path, *path.parents) if not folder.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=PRIVATE_FOLDER, exist_ok=True)
    path.chmod(PRIVATE_FOLDER)
    return path


def private_opener(path: str | os.PathLike, flags: int) -> int:
    """An ``open`` opener making the file 0600, also when it existed: ``open(path, "wb", opener=private_opener)``."""
    descriptor = os.open(path, flags, PRIVATE_FILE)
    os.fchmod(descriptor, PRIVATE_FILE)
    return descriptor


def make_private(path: Path, root: Path) -> None:
    """Make ``path`` 0600 and every folder from its own up to ``root`` (included) 0700."""
    path = Path(path)
    path.chmod(PRIVATE_FILE)
    root = Path(root).resolve()
    for folder in path.resolve().parents:
        if not folder.is_relative_to(root):
            break
        folder.chmod(PRIVATE_FOLDER)


def with_filename(error: OSError, path) -> OSError:
    """``error`` naming ``path`` (the error of a write names no file)."""
    return OSError(error.errno, error.strerror, os.fsdecode(path)) if error.filename is None else error


@contextmanager
def limits_reported(error_type: type[Exception], doing: str, advice: str) -> Iterator[None]:
    """Turn a file system's limit met in the block into one ``error_type`` line: ``doing``, the limit, ``advice``.

    Raised where it happens, before any cleanup frees what was used up (the line says inodes or space right).
    """
    try:
        yield
    except OSError as error:
        limit = filesystem_limit(error)
        if limit is None:
            raise
        raise error_type(f"{doing}: {limit}; {advice}") from error


def filesystem_limit(error: OSError) -> str | None:
    """The file system limit ``error`` met (full, no inodes, quota, links, read-only), naming file and file system.

    None for any other error.
    """
    where = os.fsdecode(error.filename) if error.filename is not None else None
    mount = _mount_point(where) if where else None
    on = f"the file system at {mount}" if mount else "a file system"
    writing = f"writing {where}: " if where else ""
    if error.errno == errno.ENOSPC:
        stats = os.statvfs(mount) if mount else None
        if stats is not None and stats.f_files and not stats.f_favail:
            return f"{writing}{on} has no inodes left ({stats.f_files:,} files at most)"
        return f"{writing}{on} is full (no space left on device)"
    if error.errno == errno.EDQUOT:
        return f"{writing}the disk quota on {on} is used up"
    if error.errno == errno.EMLINK:
        return f"{writing}{on} allows no more hard links to that file (or entries in that folder)"
    if error.errno == errno.EROFS:
        return f"{writing}{on} is read-only"
    return None


def _mount_point(path: str) -> str:
    """The mount point of the file system ``path`` is on (or would be, from its nearest existing folder)."""
    folder = os.path.realpath(path)
    while not os.path.exists(folder):
        folder = os.path.dirname(folder)
    while not os.path.ismount(folder):
        folder = os.path.dirname(folder)
    return folder
