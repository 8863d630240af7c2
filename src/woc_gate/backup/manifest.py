"""The backup's metadata (runbook §4 "Keep backup metadata"), a JSON file beside the dump.

Fields: ``timestamp``, ``environment``, ``database_host``, ``commit_sha``, ``operator``,
``file_size``, ``checksum`` (``sha256:<hex>``), ``restore_test_result`` (empty until a drill fills
it), plus ``database``, ``dump_client``, ``row_counts`` (as the dump carries them),
``prisma_migrations`` (the rows of ``_prisma_migrations`` at backup time) and ``schema_objects`` (the
events, routines, triggers and views listed on the source, and those its applied migrations create).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

from ..errors import BackupError
from ..files import write_atomically

SUFFIX = ".manifest.json"
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
    """Where the manifest of ``dump_path`` lives."""
    dump_path = Path(dump_path)
    return dump_path.with_name(dump_path.name + SUFFIX)


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
    """The dump has the size and SHA-256 its manifest records; a ``BackupError`` in one line otherwise."""
    dump_path = Path(dump_path)
    try:
        size = dump_path.stat().st_size
    except FileNotFoundError:
        raise BackupError(f"{dump_path} does not exist") from None
    if size != manifest["file_size"]:
        shape = "truncated" if size < manifest["file_size"] else "longer than recorded"
        raise BackupError(
            f"{dump_path} is {size} bytes, its manifest records {manifest['file_size']}: the file is {shape}"
        )
    digest = hashlib.sha256()
    with open(dump_path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    if f"sha256:{digest.hexdigest()}" != manifest["checksum"]:
        raise BackupError(
            f"{dump_path} has checksum sha256:{digest.hexdigest()}, its manifest records {manifest['checksum']}"
        )
