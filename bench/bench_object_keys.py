"""Reading screenshot storage's object keys at bucket scale: an S3 Inventory report, a listing, a folder walk.

Run: ``.venv/bin/python bench/bench_object_keys.py [--objects N]`` (500,000 by default). Makes N keys laid out as
WorkOnClock's (``screenshots/ORG/USER/SHOT.png``), then times the drill's own read of each (``stored_objects``,
``folder_keys``) and prints objects per second, by the clock and by woc-gate's own CPU time:

- **inventory**: a CSV S3 Inventory report of the N keys (gzip'd CSV data files of 250,000 rows)
  in moto's S3 server, read through ``s3_inventory``;
- **listing**: the same N objects put straight into moto's store (about 4 KB and 0.1 ms each), listed page by page
  (1,000 keys a page). moto sorts the whole bucket again for every page (2 to 5 s a page at 500,000 objects: half an
  hour for one listing), so the bench gives it a sorted index to page from. moto still takes about 0.4 s to write
  each page (S3 takes tens of milliseconds), so the figure to read is woc-gate's CPU (HTTP, botocore's parsing,
  the set): the ceiling of a listing where S3 answers at once, its time adding to S3's own per page;
- **folder**: N empty files in a temporary folder, walked once.

Also prints the memory the key set takes. Uses a temporary folder, removed at the end.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import os
import random
import string
import sys
import tempfile
import time
from pathlib import Path

import boto3
from moto.core import DEFAULT_ACCOUNT_ID
from moto.s3.models import S3Backend, s3_backends
from moto.server import ThreadedMotoServer

from woc_gate.config import Settings
from woc_gate.redaction import Secret
from woc_gate.sandbox.s3_inventory import Report, write_report
from woc_gate.target.scratch_server import free_port
from woc_gate.target.storage import folder_keys, stored_objects

BUCKET = "woc-screenshots"
INVENTORIES = "woc-inventories"
KEY = "bench"
SHOTS_PER_USER = 100
USERS_PER_ORG = 100


def object_keys(count: int) -> list[str]:
    """``count`` keys as WorkOnClock makes them: a folder per organization and user, cuid-like ids."""
    draw = random.Random(7)
    alphabet = string.ascii_lowercase + string.digits

    def cuid() -> str:
        return "c" + "".join(draw.choices(alphabet, k=24))

    keys: list[str] = []
    while len(keys) < count:
        org = cuid()
        for _ in range(USERS_PER_ORG):
            user = cuid()
            keys.extend(f"screenshots/{org}/{user}/{cuid()}.png" for _ in range(SHOTS_PER_USER))
    return keys[:count]


def fill_the_bucket(keys: list[str]) -> None:
    """Put an empty object under every key straight into moto's store (a PUT over HTTP each would take an hour)."""
    backend = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
    for key in keys:
        backend.put_object(BUCKET, key, b"")


def index_the_listing() -> None:
    """Make moto page ``BUCKET``'s listing from a sorted index instead of sorting the whole bucket for every page."""
    objects = sorted(s3_backends[DEFAULT_ACCOUNT_ID]["aws"].get_bucket(BUCKET).keys.values(), key=lambda o: o.name)
    names = [listed.name for listed in objects]
    own = S3Backend.list_objects_v2

    def list_objects_v2(self, bucket, prefix, delimiter, continuation_token, start_after, max_keys):
        if bucket.name != BUCKET or delimiter:
            return own(self, bucket, prefix, delimiter, continuation_token, start_after, max_keys)
        after = self._pagination_tokens.get(continuation_token) if continuation_token else start_after
        start = bisect.bisect_right(names, after) if after else bisect.bisect_left(names, prefix or "")
        end = bisect.bisect_left(names, (prefix or "") + "\U0010ffff")
        return self._truncate_result(objects[start : min(end, start + max_keys + 1)], max_keys)

    S3Backend.list_objects_v2 = list_objects_v2


def make_folder(root: Path, keys: list[str]) -> None:
    """An empty file for every key under ``root``."""
    made: set[str] = set()
    for key in keys:
        folder = key.rpartition("/")[0]
        if folder not in made:
            os.makedirs(root / folder, exist_ok=True)
            made.add(folder)
        os.close(os.open(root / key, os.O_CREAT | os.O_WRONLY, 0o600))


def key_set_megabytes(keys: set[str]) -> float:
    """What the set and its strings take."""
    return (sys.getsizeof(keys) + sum(sys.getsizeof(key) for key in keys)) / 1e6


def timed(what: str, read, expected: int) -> None:
    """Read the keys, check how many, print the rate: by the clock, and by this thread's CPU (woc-gate's own work:
    moto's server answers from another thread)."""
    load = os.getloadavg()[0]
    started, cpu = time.perf_counter(), time.thread_time()
    keys = read()
    seconds, cpu = time.perf_counter() - started, time.thread_time() - cpu
    if len(keys) != expected:
        sys.exit(f"{what}: read {len(keys):,} objects, expected {expected:,}")
    print(
        f"{what:<9} {len(keys):,} objects in {seconds:.2f} s = {len(keys) / seconds:,.0f} objects/s;"
        f" woc-gate's CPU {cpu:.2f} s = {len(keys) / cpu:,.0f} objects/s; key set {key_set_megabytes(keys):.0f} MB"
        f" (load average {load:.1f} before, {os.getloadavg()[0]:.1f} after)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=500_000)
    args = parser.parse_args()
    started = time.perf_counter()
    keys = object_keys(args.objects)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    try:
        endpoint = "http://{}:{}".format(*server.get_host_and_port())
        s3 = boto3.client(
            "s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=KEY, aws_secret_access_key=KEY
        )
        s3.create_bucket(Bucket=BUCKET)
        s3.create_bucket(Bucket=INVENTORIES)
        fill_the_bucket(keys)
        index_the_listing()
        report = Report(BUCKET, INVENTORIES, dt.datetime.now(dt.UTC))
        inventory = write_report(s3, report, keys)
        print(
            f"{args.objects:,} keys, their S3 inventory and listing index made in {time.perf_counter() - started:.1f} s"
        )
        settings = {
            "screenshot_storage": f"s3://{BUCKET}",
            "s3_endpoint": endpoint,
            "s3_access_key_id": KEY,
            "s3_secret_access_key": Secret(KEY),
        }
        timed("inventory", lambda: stored_objects(Settings(**settings, s3_inventory=inventory)).keys, args.objects)
        timed("listing", lambda: stored_objects(Settings(**settings)).keys, args.objects)
    finally:
        server.stop()
    with tempfile.TemporaryDirectory(prefix="woc-gate-bench-") as scratch:
        started = time.perf_counter()
        make_folder(Path(scratch), keys)
        print(f"{args.objects:,} files made in {time.perf_counter() - started:.1f} s")
        timed("folder", lambda: folder_keys(Path(scratch)), args.objects)


if __name__ == "__main__":
    main()
