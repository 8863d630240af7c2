"""Screenshot storage as the checks see it: the object keys it holds and one object's bytes, in S3 or a folder."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..config import Settings
from ..errors import TargetError
from . import s3


@dataclass(frozen=True)
class StoredObjects:
    """Every object key screenshot storage holds, and where that storage is."""

    keys: set[str]
    where: str


def stored_objects(settings: Settings) -> StoredObjects | None:
    """The keys of ``screenshot_storage`` (an S3 bucket), else of ``screenshot_storage_dir``; None without either."""
    bucket = s3.bucket_of(settings)
    if bucket is not None:
        keys = s3.list_keys(s3.client(settings, bucket), bucket)
        return StoredObjects(keys, f"s3://{bucket.name}/{bucket.prefix}")
    if settings.screenshot_storage_dir:
        return StoredObjects(folder_keys(settings.screenshot_storage_dir), str(settings.screenshot_storage_dir))
    return None


def folder_keys(storage_dir: Path) -> set[str]:
    """The key of every object under ``storage_dir`` (its path there), read in one walk.

    A folder that cannot be read is a ``TargetError`` naming it: ``os.walk`` alone would skip it, and its
    objects would read as missing.
    """
    keys = set()
    for folder, _, files in os.walk(storage_dir, onerror=_unreadable):
        prefix = os.path.relpath(folder, storage_dir)
        keys.update(name if prefix == "." else f"{prefix}/{name}" for name in files)
    return keys


def _unreadable(error: OSError) -> None:
    raise TargetError(
        f"cannot read the screenshot storage folder {error.filename}: {error.strerror}; give the gate's user read"
        " access to it, or check screenshot_storage_dir"
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
