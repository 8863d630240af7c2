"""The screenshot bucket's objects as its S3 Inventory report lists them: the newest manifest and its data files.

An inventory report (AWS's format) is a ``manifest.json`` in a folder named for its time, under
``destination-prefix/source-bucket/configuration-id/`` (``…/2026-12-01T01-00Z/manifest.json``). The manifest names
the bucket it lists (``sourceBucket``), where its data files are (``destinationBucket``, ``files[].key``), their
format (``fileFormat``: CSV, Parquet or ORC) and columns (``fileSchema``), and when the report began
(``creationTimestamp``, milliseconds since the epoch). CSV data files are gzip'd, without a header line, each key
URL-encoded; Parquet ones are read through pyarrow (the ``parquet`` extra). An inventory of every version lists
noncurrent versions and delete markers too: only a key's latest version that is not a delete marker is an object.

This module is the boundary of gzip, csv, json and pyarrow for these files: what they cannot read is one line naming
the file. S3 calls go through ``s3``.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import unquote_plus, urlsplit

from ..errors import ConfigError, TargetAnswerError, TargetError
from . import s3

MANIFEST = "manifest.json"
REPORT_FOLDER = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}-\d{2}Z/$")  # the time a report began, as AWS names its folder
ARN_PREFIX = "arn:aws:s3:::"
FIX = "point s3_inventory at an S3 Inventory report (its manifest.json, or the folder of its dated reports)"


@dataclass(frozen=True)
class Inventory:
    """The keys an inventory report lists under the bucket's prefix (prefix taken off), and when the report began."""

    keys: set[str]
    created_at: dt.datetime
    manifest: str  # s3://… of the manifest read


def read_inventory(client, bucket: s3.Bucket, url: str) -> Inventory:
    """The inventory of ``bucket`` at ``url``: a manifest.json or its dated folder, or the folder of dated reports
    (the newest is read)."""
    home = _location(url, bucket)
    key = home.prefix if home.prefix.endswith(MANIFEST) else _newest_manifest(client, home)
    where = f"s3://{home.name}/{key}"
    manifest = _manifest(s3.object_body(client, home, key), where)
    if manifest.source_bucket != bucket.name:
        raise ConfigError(
            f"s3_inventory {where} is an inventory of bucket {manifest.source_bucket}, not of the screenshot"
            f" bucket {bucket.name} (screenshot_storage); point s3_inventory at {bucket.name}'s inventory"
        )
    files = s3.Bucket(manifest.destination or home.name, "", home.endpoint, home.region)
    prefix = f"{bucket.prefix}/" if bucket.prefix else ""
    keys: set[str] = set()
    for file_key in manifest.files:
        data = s3.object_body(client, files, file_key)
        if data is None:
            raise TargetError(
                f"the S3 inventory {where} names the data file s3://{files.name}/{file_key}, which is missing:"
                f" the report is incomplete or was removed; {FIX} that is whole"
            )
        found = manifest.rows(data[0], f"s3://{files.name}/{file_key}")
        keys.update(key[len(prefix) :] for key in found if key.startswith(prefix))
    return Inventory(keys, manifest.created_at, where)


def _location(url: str, bucket: s3.Bucket) -> s3.Bucket:
    """Where the reports are: a bucket of the screenshot bucket's endpoint and region, as S3 Inventory requires."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise ConfigError(f"s3_inventory {url!r} is not an s3://bucket/prefix URL; {FIX}")
    return s3.Bucket(parts.netloc, parts.path.strip("/"), bucket.endpoint, bucket.region)


def _newest_manifest(client, home: s3.Bucket) -> str:
    folder = f"{home.prefix}/" if home.prefix else ""
    if REPORT_FOLDER.search(folder):  # one dated report's folder
        return folder + MANIFEST
    reports = [name for name in s3.list_folders(client, home, folder) if REPORT_FOLDER.search(name)]
    if not reports:
        raise TargetError(f"s3_inventory s3://{home.name}/{folder} holds no dated inventory report; {FIX}")
    return max(reports) + MANIFEST  # the names are times, so the greatest is the newest


@dataclass(frozen=True)
class Manifest:
    """What the gate reads of an inventory manifest."""

    source_bucket: str
    destination: str  # the bucket of the data files ("" when the manifest does not say: the manifest's own)
    file_format: str
    columns: list[str]
    files: list[str]
    created_at: dt.datetime

    def rows(self, data: bytes, where: str) -> Iterator[str]:
        """The keys of one data file's objects (latest versions that are not delete markers)."""
        if self.file_format == "CSV":
            return _csv_keys(data, self.columns, where)
        return _parquet_keys(data, where)


def _manifest(answer: tuple[bytes, str | None] | None, where: str) -> Manifest:
    if answer is None:
        raise TargetError(f"s3_inventory {where} does not exist; {FIX}")
    try:
        document = json.loads(answer[0])
        manifest = Manifest(
            source_bucket=_text(document["sourceBucket"]),
            destination=_text(document.get("destinationBucket", "")).removeprefix(ARN_PREFIX),
            file_format=_text(document["fileFormat"]),
            columns=[name.strip() for name in _text(document["fileSchema"]).split(",")],
            files=[_text(entry["key"]) for entry in document["files"]],
            created_at=dt.datetime.fromtimestamp(int(document["creationTimestamp"]) / 1000, dt.UTC),
        )
    except (ValueError, KeyError, TypeError, OverflowError) as error:
        raise TargetAnswerError(
            f"the S3 inventory manifest {where} is malformed ({_what(error)}); {FIX}, as S3 Inventory writes it"
        ) from error
    if manifest.file_format == "ORC":
        raise ConfigError(
            f"the S3 inventory {where} is ORC, which woc-gate does not read; give the bucket an inventory in CSV"
            " (or Parquet) and point s3_inventory at it, or unset s3_inventory to list the bucket"
        )
    if manifest.file_format not in ("CSV", "Parquet"):
        raise TargetAnswerError(f"the S3 inventory manifest {where} has fileFormat {manifest.file_format!r}; {FIX}")
    if manifest.file_format == "CSV" and "Key" not in manifest.columns:
        raise TargetAnswerError(f"the S3 inventory manifest {where} has no Key in its fileSchema; {FIX}")
    if manifest.file_format == "Parquet":
        _pyarrow(where)
    return manifest


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{value!r} where text belongs")
    return value


def _what(error: Exception) -> str:
    return f"no {error.args[0]}" if isinstance(error, KeyError) else str(error)


def _csv_keys(data: bytes, columns: list[str], where: str) -> Iterator[str]:
    key_at = columns.index("Key")
    latest_at = columns.index("IsLatest") if "IsLatest" in columns else None
    marker_at = columns.index("IsDeleteMarker") if "IsDeleteMarker" in columns else None
    try:
        with io.TextIOWrapper(gzip.GzipFile(fileobj=io.BytesIO(data)), encoding="utf-8", newline="") as text:
            for row in csv.reader(text):
                if len(row) != len(columns):
                    raise TargetAnswerError(
                        f"the S3 inventory data file {where} has a row of {len(row)} fields, its manifest's"
                        f" fileSchema {len(columns)}; {FIX}"
                    )
                if (latest_at is None or row[latest_at] != "false") and (marker_at is None or row[marker_at] != "true"):
                    yield _decoded(row[key_at])
    except (OSError, EOFError, zlib.error, UnicodeDecodeError, csv.Error) as error:
        raise TargetAnswerError(
            f"the S3 inventory data file {where} is not a gzip'd CSV file ({error}); {FIX}"
        ) from error


def _decoded(key: str) -> str:
    """A key as the CSV gives it, URL-encoded (a space as ``+``), decoded; most keys need nothing."""
    return unquote_plus(key) if "%" in key or "+" in key else key


def _pyarrow(where: str):
    try:
        import pyarrow.parquet
    except ImportError as error:
        raise ConfigError(
            f"the S3 inventory {where} is Parquet, which needs pyarrow: pip install 'woc-gate[parquet]'"
            " (or give the bucket a CSV inventory, or unset s3_inventory to list the bucket)"
        ) from error
    return pyarrow


def _parquet_keys(data: bytes, where: str) -> Iterable[str]:
    pyarrow = _pyarrow(where)
    try:
        table = pyarrow.parquet.read_table(io.BytesIO(data))
        keys = table.column("key").to_pylist()
        latest = _flags(table, "is_latest", len(keys))
        markers = _flags(table, "is_delete_marker", len(keys))
    except (pyarrow.ArrowException, KeyError) as error:
        raise TargetAnswerError(
            f"the S3 inventory data file {where} is not a Parquet inventory ({error}); {FIX}"
        ) from error
    return (
        key
        for key, is_latest, marker in zip(keys, latest, markers, strict=True)
        if is_latest is not False and not marker
    )


def _flags(table, column: str, rows: int) -> list:
    return table.column(column).to_pylist() if column in table.column_names else [None] * rows
