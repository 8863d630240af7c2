"""The backup's metadata (runbook §4 "Keep backup metadata"), a JSON file beside the dump.

Fields: ``timestamp``, ``environment``, ``database_host``, ``commit_sha``, ``operator``,
``file_size``, ``checksum`` (``sha256:<hex>``), ``restore_test_result`` (empty until a drill fills
it), plus ``database``, ``dump_client``, ``row_counts`` (as the dump carries them),
``prisma_migrations`` (the rows of ``_prisma_migrations`` at backup time) and ``schema_objects`` (the
events, routines, triggers and views listed on the source, and those its applied migrations create).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import hashlib
import json
import os
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from ..errors import BackupError
from ..files import write_atomically

SUFFIX = ".manifest.json"
GZIP_SUFFIX, GZIP_MAGIC = ".gz", b"\x1f\x8b"
HEADER = re.compile(rb"^-- Host: .*\bDatabase: (\S+)")
HEADER_LINES = 10  # the header line comes third or fourth in mysqldump's and mariadb-dump's output
RUNBOOK_FIELDS = (
    "timestamp",
    "environment",
    "database_host",
    "commit_sha",
    "operator",
    "file_size",
    "checksum",
    "restore_test_result",
)


def iso(moment: dt.datetime | None) -> str | None:
    """A ``_prisma_migrations`` timestamp as the manifest keeps it."""
    return moment.isoformat(timespec="milliseconds") if moment else None


def migration_rows(records) -> list[dict]:
    """``_prisma_migrations`` rows as the manifest keeps them."""
    return [
        {
            "migration_name": record.migration_name,
            "checksum": record.checksum,
            "finished_at": iso(record.finished_at),
            "rolled_back_at": iso(record.rolled_back_at),
        }
        for record in records
    ]


def manifest_path(dump_path: Path) -> Path:
    """Where the manifest of ``dump_path`` lives; for ``X.gz`` (``gzip X``) the manifest of ``X`` when it has none."""
    dump_path = Path(dump_path)
    path = dump_path.with_name(dump_path.name + SUFFIX)
    unpacked = dump_path.with_name(dump_path.stem + SUFFIX)
    return unpacked if dump_path.suffix == GZIP_SUFFIX and not path.exists() and unpacked.exists() else path


def require_dump(dump_path: Path) -> None:
    """A ``BackupError`` when there is no dump at ``dump_path``."""
    if not Path(dump_path).is_file():
        raise BackupError(f"{dump_path} does not exist: give a dump woc-gate backup wrote (its manifest is beside it)")


def is_gzip(dump_path: Path) -> bool:
    """Whether the dump is gzip-compressed (read by its first bytes, not its name)."""
    with open(dump_path, "rb") as handle:
        return handle.read(len(GZIP_MAGIC)) == GZIP_MAGIC


def open_dump(dump_path: Path) -> BinaryIO:
    """The dump's SQL, decompressed on the fly when the file is gzip."""
    return gzip.open(dump_path, "rb") if is_gzip(dump_path) else open(dump_path, "rb")  # noqa: SIM115


def sql_size(dump_path: Path) -> int:
    """How many bytes of SQL the dump holds: its size, or the size its gzip trailer records (modulo 4 GiB)."""
    if not is_gzip(dump_path):
        return Path(dump_path).stat().st_size
    with open(dump_path, "rb") as handle:
        handle.seek(-4, os.SEEK_END)
        return int.from_bytes(handle.read(4), "little")


def write_manifest(dump_path: Path, manifest: dict[str, Any]) -> Path:
    """Write (or replace) the manifest beside the dump; its path."""
    path = manifest_path(dump_path)
    write_atomically(path, json.dumps(manifest, indent=2, sort_keys=True, default=str) + "\n")
    return path


def read_manifest(dump_path: Path) -> dict[str, Any]:
    """The manifest of ``dump_path``; a ``BackupError`` when it is missing or unreadable."""
    path = manifest_path(dump_path)
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(
            f"{path} is missing: a backup is checked against the manifest woc-gate backup writes"
        ) from None
    except (OSError, ValueError) as error:
        raise BackupError(f"{path} cannot be read as JSON ({error})") from None
    missing = [name for name in (*RUNBOOK_FIELDS, "row_counts", "prisma_migrations") if name not in manifest]
    if missing:
        raise BackupError(f"{path} lacks {', '.join(missing)}; write it with woc-gate backup")
    return manifest


def verify_dump(dump_path: Path, manifest: dict[str, Any]) -> None:
    """The dump is of the manifest's database and has its size and SHA-256; a ``BackupError`` in one line otherwise.

    A gzip dump is checked as the SQL it holds (the manifest records the dump as written).
    """
    dump_path = Path(dump_path)
    require_dump(dump_path)
    _of_the_manifests_database(dump_path, manifest)
    compressed = is_gzip(dump_path)
    size, sha256 = _size_and_sha256(dump_path) if compressed else (dump_path.stat().st_size, None)
    if size != manifest["file_size"]:
        shape = "truncated" if size < manifest["file_size"] else "longer than recorded"
        what = ("unpacks to", "the dump in it is") if compressed else ("is", "the file is")
        raise BackupError(
            f"{dump_path} {what[0]} {size} bytes, its manifest records {manifest['file_size']}: {what[1]} {shape}"
        )
    sha256 = sha256 or _size_and_sha256(dump_path)[1]
    if f"sha256:{sha256}" != manifest["checksum"]:
        raise BackupError(f"{dump_path} has checksum sha256:{sha256}, its manifest records {manifest['checksum']}")


def _of_the_manifests_database(dump_path: Path, manifest: dict[str, Any]) -> None:
    expected = manifest.get("database")
    dumped = _dumped_database(dump_path)
    if expected and dumped is None:
        raise BackupError(
            f"{dump_path} is not a mysqldump file (no '-- Host: … Database: …' line at its start);"
            f" give the dump of {expected} its manifest describes"
        )
    if expected and dumped != expected:
        raise BackupError(
            f"{dump_path} is a dump of database {dumped!r}, its manifest is of {expected!r}:"
            " the file belongs to another backup"
        )


def _dumped_database(dump_path: Path) -> str | None:
    """The database named in the dump's header (``-- Host: h    Database: name``); None without such a header."""
    with _readable(dump_path), open_dump(dump_path) as handle:
        for _ in range(HEADER_LINES):
            found = HEADER.match(handle.readline(4096))
            if found:
                return found.group(1).decode(errors="replace")
    return None


def _size_and_sha256(dump_path: Path) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with _readable(dump_path), open_dump(dump_path) as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


@contextlib.contextmanager
def _readable(dump_path: Path) -> Iterator[None]:
    """A damaged gzip dump is a ``BackupError`` naming it."""
    try:
        yield
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        raise BackupError(f"{dump_path} is a damaged gzip file ({error}); take the backup again") from error
