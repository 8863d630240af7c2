"""Screenshot objects on local disk, each at ``storage_dir/objectKey``."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

PRIVATE_IMAGE_HEADERS = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}


def open_storage(ctx):
    """The stack's screenshot storage: the S3 bucket with ``--s3``, else the storage dir on disk."""
    if ctx.s3_endpoint:
        from woc_gate.sandbox.s3 import S3Account, S3Storage

        account = S3Account(ctx.s3_endpoint, ctx.s3_bucket, ctx.s3_access_key_id, ctx.s3_secret_access_key)
        return S3Storage(account)
    return Storage(ctx.storage_dir)


class Storage:
    """A private object store on disk, keyed like an S3 bucket (``screenshots/<org>/<user>/<id>.png``)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, key: str) -> Path:
        """Where an object lives; refuses keys that are absolute or climb out of the store."""
        parts = PurePosixPath(key).parts
        if not parts or key.startswith("/") or ".." in parts or "\\" in key:
            raise ValueError(f"object key {key!r} is not a relative path inside the store")
        return self.root.joinpath(*parts)

    def write(self, key: str, data: bytes) -> None:
        """Store an object, replacing any object under the same key."""
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        partial.write_bytes(data)
        partial.replace(path)

    def read(self, key: str) -> bytes | None:
        """An object's bytes, or None when there is no such object."""
        try:
            return self.path(key).read_bytes()
        except (FileNotFoundError, IsADirectoryError, ValueError):
            return None

    def delete(self, key: str) -> bool:
        """Remove an object; False when it was not there."""
        try:
            self.path(key).unlink()
        except (FileNotFoundError, ValueError):
            return False
        return True
