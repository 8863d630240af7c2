"""Screenshot storage as the checks see it: the object keys it holds and one object's bytes, in S3 or a folder.

The keys are read once, from the bucket's S3 Inventory report (``s3_inventory``), else by listing the bucket page
by page, else by walking the folder; never one request per object.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass
from pathlib import Path

from ..config import Settings
from ..errors import ConfigError, TargetError
from . import s3
from .inventory import read_inventory


@dataclass(frozen=True)
class StoredObjects:
    """Every object key screenshot storage holds, where and how they were read, and in how long."""

    keys: set[str]
    where: str  # the bucket and prefix, or the folder
    source: str  # inventory, listing or folder
    seconds: float
    inventory: str = ""  # the manifest of the S3 Inventory report read
    inventory_created_at: dt.datetime | None = None  # when that report began: it knows nothing later

    @property
    def named(self) -> str:
        """Where the keys are, and the inventory report they were read from."""
        return f"{self.where} (its S3 inventory {self.inventory})" if self.inventory else self.where

    def figures(self) -> dict:
        """How many objects were read, from what, in how long: as the drill's result keeps them."""
        figures = {
            "source": self.source,
            "where": self.where,
            "objects": len(self.keys),
            "seconds": round(self.seconds, 3),
            "objects_per_second": round(len(self.keys) / self.seconds) if self.seconds else None,
        }
        if self.inventory_created_at is not None:
            figures["inventory"] = self.inventory
            figures["inventory_created_at"] = self.inventory_created_at.isoformat(timespec="seconds")
        return figures


def stored_objects(settings: Settings) -> StoredObjects | None:
    """The keys of ``screenshot_storage`` (an S3 bucket: its inventory, else a listing), else of
    ``screenshot_storage_dir``; None without either."""
    started = time.monotonic()
    bucket = s3.bucket_of(settings)
    if bucket is None and settings.s3_inventory:
        raise ConfigError(
            f"s3_inventory is set ({settings.s3_inventory}) but screenshot_storage is not an s3://bucket URL: the"
            " inventory cannot be matched to the screenshot bucket; set screenshot_storage, or unset s3_inventory"
        )
    if bucket is not None:
        client = s3.client(settings, bucket, keys_only=True)
        where = f"s3://{bucket.name}/{bucket.prefix}"
        if settings.s3_inventory:
            found = read_inventory(client, bucket, settings.s3_inventory)
            seconds = time.monotonic() - started
            return StoredObjects(found.keys, where, "inventory", seconds, found.manifest, found.created_at)
        return StoredObjects(s3.list_keys(client, bucket), where, "listing", time.monotonic() - started)
    if settings.screenshot_storage_dir:
        keys = folder_keys(settings.screenshot_storage_dir)
        return StoredObjects(keys, str(settings.screenshot_storage_dir), "folder", time.monotonic() - started)
    return None


def folder_keys(storage_dir: Path) -> set[str]:
    """The key of every object under ``storage_dir`` (its path there), read in one walk.

    A folder that cannot be read is a ``TargetError`` naming it, not a folder without objects. Symbolic links to
    folders are not followed (as ``os.walk``).
    """
    keys: set[str] = set()
    _walk(os.fspath(storage_dir), "", keys)
    return keys


def _walk(folder: str, prefix: str, keys: set[str]) -> None:
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if not entry.is_dir():
                    keys.add(prefix + entry.name)
                elif not entry.is_symlink():
                    _walk(entry.path, f"{prefix}{entry.name}/", keys)
    except OSError as error:
        raise TargetError(
            f"cannot read the screenshot storage folder {error.filename}: {error.strerror}; give the gate's user"
            " read access to it, or check screenshot_storage_dir"
        ) from error


def stored_object(settings: Settings, key: str) -> tuple[bytes, str | None] | None:
    """An object's bytes and stored Content-Type (None on disk), from the bucket or the folder; None when absent."""
    bucket = s3.bucket_of(settings)
    if bucket is not None:
        return s3.object_body(s3.client(settings, bucket), bucket, key)
    if settings.screenshot_storage_dir:
        path = Path(settings.screenshot_storage_dir) / key
        return (path.read_bytes(), None) if path.is_file() else None
    return None
