"""S3 Inventory reports as S3 writes them, put into a bucket of an S3 server: a test bed for ``s3_inventory``.

A report is data files (gzip'd CSV without a header, keys URL-encoded; or Parquet) under ``PREFIX/SOURCE/CONFIG/data/``
and a ``manifest.json`` naming them under ``PREFIX/SOURCE/CONFIG/YYYY-MM-DDTHH-MMZ/``.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import itertools
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote_plus

CSV_COLUMNS = ("Bucket", "Key", "Size")
VERSIONED_CSV_COLUMNS = ("Bucket", "Key", "VersionId", "IsLatest", "IsDeleteMarker", "Size")
PARQUET_SCHEMA = "message s3.inventory { required binary bucket (STRING); required binary key (STRING); %s}"
PARQUET_VERSIONS = (
    "optional binary version_id (STRING); optional boolean is_latest; optional boolean is_delete_marker; "
)


@dataclass(frozen=True)
class Row:
    """One object version as an inventory lists it."""

    key: str
    latest: bool = True
    delete_marker: bool = False
    size: int = 1024


@dataclass(frozen=True)
class Report:
    """Where a report goes and what it says about itself."""

    source: str  # the bucket it lists
    destination: str  # the bucket it is written to
    created_at: dt.datetime
    file_format: str = "CSV"  # CSV or Parquet
    versioned: bool = False  # every version listed (IsLatest, IsDeleteMarker), not only the current ones
    prefix: str = "inventory"
    config: str = "all"
    rows_per_file: int = 250_000

    @property
    def folder(self) -> str:
        """The configuration's folder: its data files and its dated reports are under it."""
        return f"{self.prefix}/{self.source}/{self.config}"

    @property
    def manifest_key(self) -> str:
        """Where this report's manifest.json goes."""
        return f"{self.folder}/{self.created_at:%Y-%m-%dT%H-%MZ}/manifest.json"


def write_report(s3, report: Report, rows: Iterable[Row | str]) -> str:
    """Put ``rows`` (objects, or keys of current objects) into ``report``'s data files and manifest; its s3:// URL."""
    rows = (row if isinstance(row, Row) else Row(row) for row in rows)
    files = []
    for chunk in iter(lambda: list(itertools.islice(rows, report.rows_per_file)), []):
        key = f"{report.folder}/data/{uuid.uuid4()}.{'csv.gz' if report.file_format == 'CSV' else 'parquet'}"
        body = _csv(report, chunk) if report.file_format == "CSV" else _parquet(report, chunk)
        s3.put_object(Bucket=report.destination, Key=key, Body=body)
        files.append({"key": key, "size": len(body), "MD5checksum": ""})
    s3.put_object(Bucket=report.destination, Key=report.manifest_key, Body=json.dumps(manifest(report, files)))
    return f"s3://{report.destination}/{report.manifest_key}"


def manifest(report: Report, files: list[dict]) -> dict:
    """The manifest.json of ``report`` with these data files."""
    if report.file_format == "CSV":
        schema = ", ".join(VERSIONED_CSV_COLUMNS if report.versioned else CSV_COLUMNS)
    else:
        schema = PARQUET_SCHEMA % (PARQUET_VERSIONS if report.versioned else "")
    return {
        "sourceBucket": report.source,
        "destinationBucket": f"arn:aws:s3:::{report.destination}",
        "version": "2016-11-30",
        "creationTimestamp": str(int(report.created_at.timestamp() * 1000)),
        "fileFormat": report.file_format,
        "fileSchema": schema,
        "files": files,
    }


def _csv(report: Report, rows: list[Row]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, quoting=csv.QUOTE_ALL, lineterminator="\n")
    for row in rows:
        key = quote_plus(row.key, safe="/")
        versions = ["v1", str(row.latest).lower(), str(row.delete_marker).lower()] if report.versioned else []
        writer.writerow([report.source, key, *versions, row.size])
    return gzip.compress(text.getvalue().encode(), compresslevel=1)


def _parquet(report: Report, rows: list[Row]) -> bytes:
    import pyarrow
    import pyarrow.parquet

    columns = {"bucket": [report.source] * len(rows), "key": [row.key for row in rows]}
    if report.versioned:
        columns |= {
            "version_id": ["v1"] * len(rows),
            "is_latest": [row.latest for row in rows],
            "is_delete_marker": [row.delete_marker for row in rows],
        }
    columns["size"] = [row.size for row in rows]
    out = io.BytesIO()
    pyarrow.parquet.write_table(pyarrow.table(columns), out)
    return out.getvalue()
