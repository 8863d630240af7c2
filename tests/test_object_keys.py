"""The drill's object keys at bucket scale: read from the bucket's S3 Inventory report (``s3_inventory``), else from one
paginated listing; each way can fail, and what cannot be read is one line.

The bucket is moto's S3 server, in this process; the reports are written as S3 Inventory writes them
(``woc_gate.sandbox.s3_inventory``).
"""

from __future__ import annotations

import datetime as dt
import gzip
import itertools
import json
import sys
import tomllib

import boto3
import pytest
from loopback import free_port

from woc_gate.backup import object_keys
from woc_gate.backup.drill import DrillResult
from woc_gate.backup.manifest import manifest_path
from woc_gate.checks import CheckFailure
from woc_gate.cli import main
from woc_gate.config import Settings
from woc_gate.errors import ConfigError, TargetAnswerError, TargetError
from woc_gate.redaction import Secret
from woc_gate.sandbox.environment import runbook_env
from woc_gate.sandbox.s3_inventory import Report, Row, write_report
from woc_gate.target import s3 as s3_boundary
from woc_gate.target.db import connect_readonly
from woc_gate.target.storage import StoredObjects, stored_objects

NOW = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
INVENTORIES = "woc-inventories"
KEY = "testing"
_names = itertools.count()


@pytest.fixture(scope="module")
def endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="module")
def s3(endpoint):
    client = boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=KEY, aws_secret_access_key=KEY
    )
    client.create_bucket(Bucket=INVENTORIES)
    return client


@pytest.fixture
def bucket(s3):
    """A new, empty screenshot bucket of the test's own."""
    name = f"woc-shots-{next(_names)}"
    s3.create_bucket(Bucket=name)
    return name


def settings(endpoint, storage, inventory=""):
    return Settings(
        screenshot_storage=storage,
        s3_endpoint=endpoint,
        s3_access_key_id=KEY,
        s3_secret_access_key=Secret(KEY),
        s3_inventory=inventory,
    )


def report(bucket, **options):
    return Report(source=bucket, destination=INVENTORIES, created_at=options.pop("created_at", NOW), **options)


def read(endpoint, bucket, inventory, prefix=""):
    return stored_objects(settings(endpoint, f"s3://{bucket}/{prefix}", inventory))


def one_line(raised) -> str:
    text = str(raised.value)
    assert "\n" not in text
    return text


def test_url_encoded_keys_are_decoded_and_only_the_prefix_is_read(endpoint, s3, bucket):
    keys = ["shots/a b.png", "shots/x+y.png", "shots/100%.png", "shots/é/ü.png", "elsewhere/z.png"]
    url = write_report(s3, report(bucket), keys)
    manifest = json.loads(s3.get_object(Bucket=INVENTORIES, Key=url.split("/", 3)[3])["Body"].read())
    data = s3.get_object(Bucket=INVENTORIES, Key=manifest["files"][0]["key"])["Body"].read()
    assert b'"shots/a+b.png"' in gzip.decompress(data) and b'"shots/x%2By.png"' in gzip.decompress(data)

    found = read(endpoint, bucket, url, prefix="shots")
    assert found.keys == {"a b.png", "x+y.png", "100%.png", "é/ü.png"}
    assert (found.source, found.inventory, found.inventory_created_at) == ("inventory", url, NOW)


def test_the_newest_report_of_the_folder_is_read_or_the_one_named(endpoint, s3, bucket):
    older = write_report(s3, report(bucket, created_at=NOW - dt.timedelta(days=1)), ["yesterday.png"])
    newest = write_report(s3, report(bucket), ["today.png"])
    s3.put_object(Bucket=INVENTORIES, Key=f"inventory/{bucket}/all/hive/dt=2099-01-01-00-00/symlink.txt", Body=b"")
    found = read(endpoint, bucket, f"s3://{INVENTORIES}/inventory/{bucket}/all/")
    assert (found.keys, found.inventory) == ({"today.png"}, newest)
    assert read(endpoint, bucket, older.removesuffix("manifest.json")).keys == {"yesterday.png"}


@pytest.mark.parametrize("file_format", ["CSV", "Parquet"])
def test_only_current_versions_that_are_not_delete_markers_are_objects(endpoint, s3, bucket, file_format):
    rows = [Row("kept.png"), Row("deleted.png", delete_marker=True), Row("replaced.png", latest=False)]
    url = write_report(s3, report(bucket, file_format=file_format, versioned=True, rows_per_file=2), rows)
    assert read(endpoint, bucket, url).keys == {"kept.png"}


def test_without_s3_inventory_the_bucket_is_listed_page_by_page(endpoint, s3, bucket, monkeypatch):
    for key in ("a.png", "b/c.png", "b/d e.png", "e.png", "f.png"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    monkeypatch.setattr(s3_boundary, "PAGE_KEYS", 2)
    found = read(endpoint, bucket, "")
    assert (found.source, found.keys) == ("listing", {"a.png", "b/c.png", "b/d e.png", "e.png", "f.png"})


def test_an_inventory_of_another_bucket_is_one_line(endpoint, s3, bucket):
    url = write_report(s3, report("woc-other-bucket"), ["a.png"])
    with pytest.raises(ConfigError) as raised:
        read(endpoint, bucket, url)
    assert one_line(raised) == (
        f"s3_inventory {url} is an inventory of bucket woc-other-bucket, not of the screenshot bucket {bucket}"
        f" (screenshot_storage); point s3_inventory at {bucket}'s inventory"
    )


FIX = "point s3_inventory at an S3 Inventory report (its manifest.json, or the folder of its dated reports)"


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("<html>not found</html>", "Expecting value: line 1 column 1 (char 0)"),
        ('{"sourceBucket": "BUCKET", "fileFormat": "CSV", "fileSchema": "Bucket, Key"}', "no files"),
        (
            '{"sourceBucket": "BUCKET", "fileFormat": "CSV", "fileSchema": "Bucket, Key", "files": [],'
            ' "creationTimestamp": "yesterday"}',
            "invalid literal for int() with base 10: 'yesterday'",
        ),
    ],
    ids=["not-json", "no-files", "bad-timestamp"],
)
def test_a_malformed_manifest_is_one_line(endpoint, s3, bucket, body, problem):
    key = f"inventory/{bucket}/all/2026-12-01T01-00Z/manifest.json"
    s3.put_object(Bucket=INVENTORIES, Key=key, Body=body.replace("BUCKET", bucket))
    with pytest.raises(TargetAnswerError) as raised:
        read(endpoint, bucket, f"s3://{INVENTORIES}/inventory/{bucket}/all")
    assert one_line(raised) == (
        f"the S3 inventory manifest s3://{INVENTORIES}/{key} is malformed ({problem}); {FIX}, as S3 Inventory writes it"
    )


def test_a_missing_data_file_is_one_line(endpoint, s3, bucket):
    url = write_report(s3, report(bucket, rows_per_file=1), ["a.png", "b.png"])
    manifest = json.loads(s3.get_object(Bucket=INVENTORIES, Key=url.split("/", 3)[3])["Body"].read())
    gone = manifest["files"][1]["key"]
    s3.delete_object(Bucket=INVENTORIES, Key=gone)
    with pytest.raises(TargetError) as raised:
        read(endpoint, bucket, url)
    assert one_line(raised) == (
        f"the S3 inventory {url} names the data file s3://{INVENTORIES}/{gone}, which is missing: the report is"
        f" incomplete or was removed; {FIX} that is whole"
    )


def test_a_data_file_that_is_not_gzip_is_one_line(endpoint, s3, bucket):
    url = write_report(s3, report(bucket), ["a.png"])
    manifest = json.loads(s3.get_object(Bucket=INVENTORIES, Key=url.split("/", 3)[3])["Body"].read())
    s3.put_object(Bucket=INVENTORIES, Key=manifest["files"][0]["key"], Body=b'"a","b","1"\n')
    with pytest.raises(TargetAnswerError) as raised:
        read(endpoint, bucket, url)
    assert one_line(raised).startswith(
        f"the S3 inventory data file s3://{INVENTORIES}/{manifest['files'][0]['key']} is not a gzip'd CSV file"
        " (Not a gzipped file (b'\"a')); "
    )


def test_an_orc_report_says_it_is_not_read(endpoint, s3, bucket):
    key = f"inventory/{bucket}/orc/2026-12-01T01-00Z/manifest.json"
    manifest = {"sourceBucket": bucket, "fileFormat": "ORC", "fileSchema": "struct<bucket:string,key:string>"}
    s3.put_object(Bucket=INVENTORIES, Key=key, Body=json.dumps(manifest | {"files": [], "creationTimestamp": "0"}))
    with pytest.raises(ConfigError) as raised:
        read(endpoint, bucket, f"s3://{INVENTORIES}/{key}")
    assert one_line(raised) == (
        f"the S3 inventory s3://{INVENTORIES}/{key} is ORC, which woc-gate does not read; give the bucket an"
        " inventory in CSV (or Parquet) and point s3_inventory at it, or unset s3_inventory to list the bucket"
    )


def test_a_parquet_report_without_pyarrow_names_the_extra(endpoint, s3, bucket, monkeypatch):
    url = write_report(s3, report(bucket, file_format="Parquet"), ["a.png"])
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # as where the parquet extra is not installed
    with pytest.raises(ConfigError) as raised:
        read(endpoint, bucket, url)
    assert one_line(raised) == (
        f"the S3 inventory {url} is Parquet, which needs pyarrow: pip install 'woc-gate[parquet]' (or give the bucket"
        " a CSV inventory, or unset s3_inventory to list the bucket)"
    )


def test_a_folder_without_a_dated_report_is_one_line(endpoint, bucket):
    with pytest.raises(TargetError) as raised:
        read(endpoint, bucket, f"s3://{INVENTORIES}/inventory/{bucket}")
    assert one_line(raised) == (
        f"s3_inventory s3://{INVENTORIES}/inventory/{bucket}/ holds no dated inventory report; {FIX}"
    )


def test_s3_inventory_without_a_screenshot_bucket_is_one_line(tmp_path):
    local = Settings(screenshot_storage_dir=tmp_path, s3_inventory="s3://woc-inventories/inventory/x/all")
    with pytest.raises(ConfigError) as raised:
        stored_objects(local)
    assert one_line(raised) == (
        "s3_inventory is set (s3://woc-inventories/inventory/x/all) but screenshot_storage is not an s3://bucket"
        " URL: the inventory cannot be matched to the screenshot bucket; set screenshot_storage, or unset s3_inventory"
    )


# The drill's object_keys validation on the stack's own database (what a restore gives), read-only.


@pytest.fixture
def restored(clean_stack):
    connection = connect_readonly(runbook_env(clean_stack.ctx)["DATABASE_URL"])
    yield connection
    connection.close()


def rows_of(connection):
    rows = connection.cursor()
    rows.execute("SELECT objectKey, createdAt FROM woc_screenshots ORDER BY createdAt")
    return [(row["objectKey"], row["createdAt"].replace(tzinfo=dt.UTC)) for row in rows.fetchall()]


def inventory_of(keys, created_at):
    return StoredObjects(set(keys), "s3://woc-shots/", "inventory", 0.5, "s3://inv/manifest.json", created_at)


def test_rows_newer_than_the_report_are_counted_not_judged(restored):
    rows = rows_of(restored)
    created_at = rows[len(rows) // 2][1]  # half the rows are newer than the report (and an hour before it)
    judged = [key for key, created in rows if created <= created_at - object_keys.INVENTORY_LAG]
    result = DrillResult(None, "")
    backed_up_at = (created_at + dt.timedelta(hours=47)).isoformat()
    object_keys.validate(restored, "woc_screenshots", inventory_of(judged, created_at), backed_up_at, 48, result)
    assert result.object_storage["rows_not_judged"] == len(rows) - len(judged) > 0
    assert result.object_storage["inventory_hours_before_backup"] == 47.0

    with pytest.raises(CheckFailure) as failed:
        object_keys.validate(
            restored, "woc_screenshots", inventory_of(judged[1:], created_at), backed_up_at, 48, result
        )
    assert str(failed.value).splitlines()[0] == (
        f"1 woc_screenshots.objectKey value(s) have no object in storage: {judged[0]}"
    )


def test_a_report_much_older_than_the_backup_fails_object_keys(restored):
    keys = [key for key, _ in rows_of(restored)]
    created_at = NOW - dt.timedelta(hours=73)
    with pytest.raises(CheckFailure) as failed:
        object_keys.validate(
            restored, "woc_screenshots", inventory_of(keys, created_at), NOW.isoformat(), 48, DrillResult(None, "")
        )
    assert str(failed.value).splitlines()[0] == (
        "the S3 inventory report is 73 hours older than the backup: the objects of the screenshots since were not"
        " checked"
    )


# The drill itself, end to end: restored into the stack's scratch database.


@pytest.fixture
def backup(clean_stack, tmp_path):
    """A backup of the shared stack as it is now: earlier tests may have added screenshots since another."""
    out = tmp_path / "workonclock.sql"
    assert main(["backup", "--out", str(out), "--woc-config", str(clean_stack.profile_path)]) == 0
    return out


def drill(clean_stack, backup, capsys):
    scratch = tomllib.loads(clean_stack.profile_path.read_text())["restore_scratch_url"]
    status = main(["restore-drill", str(backup), "--into", scratch, "--woc-config", str(clean_stack.profile_path)])
    return status, capsys.readouterr(), json.loads(manifest_path(backup).read_text())["restore_test_result"]


@pytest.fixture
def in_the_bucket(endpoint, bucket, monkeypatch):
    """The drill's screenshot storage is ``bucket``."""
    for name, value in (("SCREENSHOT_STORAGE", f"s3://{bucket}"), ("S3_ENDPOINT", endpoint)):
        monkeypatch.setenv(f"WOC_GATE_{name}", value)
    monkeypatch.setenv("WOC_GATE_S3_ACCESS_KEY_ID", KEY)
    monkeypatch.setenv("WOC_GATE_S3_SECRET_ACCESS_KEY", KEY)
    return bucket


def test_an_object_key_missing_from_the_inventory_fails_the_drill_naming_it(
    clean_stack, backup, db_rows, s3, in_the_bucket, monkeypatch, capsys
):
    rows = db_rows(clean_stack, "SELECT objectKey, createdAt FROM woc_screenshots ORDER BY objectKey")
    oldest_judged = (NOW - object_keys.INVENTORY_LAG).replace(tzinfo=None)  # uploads of earlier tests are newer
    judged = [key for key, created in rows if created < oldest_judged]
    url = write_report(s3, report(in_the_bucket), [key for key, _ in rows if key != judged[0]])
    monkeypatch.setenv("WOC_GATE_S3_INVENTORY", f"s3://{INVENTORIES}/inventory/{in_the_bucket}/all")
    status, captured, result = drill(clean_stack, backup, capsys)
    out = captured.out
    assert status == 1, out
    assert f"  object_keys: 1 woc_screenshots.objectKey value(s) have no object in storage: {judged[0]}\n" in out
    assert f"  objects: {len(rows) - 1:,} read from the S3 inventory of s3://{in_the_bucket}/ in " in out
    assert f" objects/s): {url}, begun {NOW.isoformat()}, " in out
    figures = result["object_storage"]
    assert (figures["source"], figures["objects"], figures["inventory"]) == ("inventory", len(rows) - 1, url)
    assert figures["objects_per_second"] > 0 and figures["rows_not_judged"] == len(rows) - len(judged)


def test_without_s3_inventory_the_drill_lists_the_bucket(clean_stack, backup, db_rows, s3, in_the_bucket, capsys):
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends

    keys = [key for (key,) in db_rows(clean_stack, "SELECT objectKey FROM woc_screenshots")]
    for key in keys:  # into the server's store: a PUT over HTTP each would take seconds
        s3_backends[DEFAULT_ACCOUNT_ID]["aws"].put_object(in_the_bucket, key, b"x")
    status, captured, result = drill(clean_stack, backup, capsys)
    out = captured.out
    assert status == 0, out
    assert f"  objects: {len(keys):,} read from a listing of s3://{in_the_bucket}/ in " in out
    assert (result["object_storage"]["source"], result["checks"]["object_keys"]) == ("listing", "passed")


def test_an_inventory_of_another_bucket_stops_the_drill_in_one_line(
    clean_stack, backup, s3, in_the_bucket, monkeypatch, capsys
):
    before = json.loads(manifest_path(backup).read_text())["restore_test_result"]
    url = write_report(s3, report("woc-other-bucket", config="drill"), ["a.png"])
    monkeypatch.setenv("WOC_GATE_S3_INVENTORY", url)
    status, out, result = drill(clean_stack, backup, capsys)
    assert (status, out.out, result) == (2, "", before)
    assert out.err == (
        f"woc-gate: s3_inventory {url} is an inventory of bucket woc-other-bucket, not of the screenshot bucket"
        f" {in_the_bucket} (screenshot_storage); point s3_inventory at {in_the_bucket}'s inventory\n"
    )
