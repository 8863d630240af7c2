"""Screenshot objects on disk at ``root/objectKey``, the bulk of them written by a helper process.

The seed's smoke screenshots (a few dozen, each its own picture) are written here. The bulk
placeholders (half a million at 5 M time entries) go as ``key<TAB>variant`` lines through a pipe
to ``python -m woc_gate.sandbox.objects ROOT``, which writes each as a plain file of its own (no
hard links: a file system allows only so many per file) while this process generates rows and the
server loads them. The pipe's buffer keeps the two in step. Keys come grouped by folder, so the
helper makes each folder once. What stops the helper (a full disk, a read-only file system) comes
back here as the ``OSError`` it met, file name included.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import struct
import subprocess
import sys
from pathlib import Path

from woc_gate.files import with_filename
from woc_gate.sandbox import images

BATCH_LINES = 4096  # placeholder lines sent to the helper in one write
FS_IOC_GETFLAGS, FS_IOC_SETFLAGS = 0x80086601, 0x40086602  # linux/fs.h, as chattr uses them
FS_TOPDIR_FL = 0x00020000  # "top of directory hierarchies": spread the subfolders (ext4's Orlov allocator)


class ObjectWriter:
    """Where the seed puts screenshot objects; use as a context manager, read ``count`` and ``size`` after it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.count = 0
        self.size = 0  # bytes of every object written
        self._sizes = [len(data) for data in images.placeholder_pngs()]
        self._lines: list[str] = []
        self._helper: subprocess.Popen | None = None

    def __enter__(self) -> ObjectWriter:
        self.root.mkdir(parents=True, exist_ok=True)
        self._helper = subprocess.Popen(
            [sys.executable, "-m", __name__, str(self.root)], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        return self

    def __exit__(self, kind, error, trace) -> None:
        if kind is None:
            self._finish()
            return
        self._helper.kill()
        with contextlib.suppress(BrokenPipeError):
            self._helper.stdin.close()
        self._helper.wait()
        self._helper.stdout.close()

    def write(self, key: str, data: bytes) -> None:
        """Store one object's bytes."""
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            path.write_bytes(data)
        except OSError as error:
            raise with_filename(error, path) from None
        self.count += 1
        self.size += len(data)

    def write_placeholder(self, key: str, variant: int) -> None:
        """Store placeholder image number ``variant`` under ``key`` (by the helper, soon)."""
        self._lines.append(f"{key}\t{variant}\n")
        self.count += 1
        self.size += self._sizes[variant]
        if len(self._lines) >= BATCH_LINES:
            self._send()

    def _send(self) -> None:
        lines, self._lines = self._lines, []
        try:
            self._helper.stdin.write("".join(lines).encode())
        except BrokenPipeError:
            self._check_end()  # the helper stopped: its reason is raised here
            raise

    def _finish(self) -> None:
        """Send what is left and wait for the helper to write it."""
        if self._lines:
            self._send()
        with contextlib.suppress(BrokenPipeError):
            self._helper.stdin.close()
        self._check_end()

    def _check_end(self) -> None:
        """Wait for the helper's end; the ``OSError`` that stopped it raised again here."""
        report = self._helper.stdout.read()
        self._helper.stdout.close()
        status = self._helper.wait()
        if report.strip():
            failure = json.loads(report)
            raise OSError(failure["errno"], os.strerror(failure["errno"]), failure["filename"])
        if status != 0:
            raise OSError(f"the object writer stopped with status {status} writing into {self.root}")


def write_placeholders(root: bytes, lines) -> None:
    """Write each ``key<TAB>variant`` line's placeholder image to ``root/key``, making each folder once."""
    pictures = images.placeholder_pngs()
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC
    folder, spread = b"", set()
    for line in lines:
        key, _, variant = line.rstrip(b"\n").rpartition(b"\t")
        path = root + key
        parent = path[: path.rindex(b"/")]
        if parent != folder:
            top = root + key[: key.index(b"/")]
            if top not in spread:
                os.makedirs(top, exist_ok=True)
                spread_subfolders(top)
                spread.add(top)
            os.makedirs(parent, exist_ok=True)
            folder = parent
        handle = os.open(path, flags, 0o644)
        try:
            os.write(handle, pictures[int(variant)])
        except OSError as error:
            raise with_filename(error, path) from None
        finally:
            os.close(handle)


def spread_subfolders(folder: bytes) -> None:
    """Ask ext4 to place the folders made in ``folder`` in block groups of their own (``chattr +T``).

    Files go where their folder is: placed beside the inodes other processes just deleted, each new
    file costs a scan of them (ext4 without a journal skips inodes freed in the last half minute),
    and half a million files take minutes instead of seconds. Other file systems ignore the hint.
    """
    try:
        handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        current = struct.unpack("i", fcntl.ioctl(handle, FS_IOC_GETFLAGS, struct.pack("i", 0)))[0]
        fcntl.ioctl(handle, FS_IOC_SETFLAGS, struct.pack("i", current | FS_TOPDIR_FL))
    except OSError:  # not ext2/3/4, or not allowed: a hint only
        pass
    finally:
        os.close(handle)


def main(root: str) -> int:
    """The helper: placeholder lines from stdin; on a failure, its errno and file name as JSON on stdout."""
    try:
        write_placeholders(os.fsencode(root) + b"/", sys.stdin.buffer)
    except OSError as error:
        filename = os.fsdecode(error.filename) if error.filename is not None else root
        sys.stdout.write(json.dumps({"errno": error.errno, "filename": filename}))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
