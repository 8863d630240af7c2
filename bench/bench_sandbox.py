"""How fast the reference stack starts, and how fast the seed loads volume.

Run: ``.venv/bin/python bench/bench_sandbox.py [--runs N] [--entries N]``. Prints the time from
``stack.start()`` to ready at default scale with an empty cache (template built, shared package
converted), with only the template cold, and warm (median of ``--runs``); then the time to seed
the scale that gives ``--entries`` time entries (one million by default; about 0.1 screenshot
objects per entry come with them) into a fresh server tuned as a template build is, its rows per
second and the load average. Aims: ready under 5 s, one million entries under 30 s, five million
(and half a million objects) under 3 minutes. Uses a temporary cache dir, so the user's template
cache is left alone.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from woc_gate.sandbox import instances, provision, seed, stack
from woc_gate.sandbox.seeddata import SCALE_HISTORY, SeedSummary
from woc_gate.sandbox.seedfile import load_seed_file
from woc_gate.sandbox.template import BUILD_TUNING, MIGRATIONS, SHARED
from woc_gate.sources.nodetools import CACHE_DIR_ENV
from woc_gate.target import migrate
from woc_gate.target.scratch_server import LocalServer, find_server_program, initialize_datadir


def seconds_to_ready(state_dir: Path, **options) -> float:
    """Wall time of one ``stack.start()``; the stack is stopped afterwards."""
    started = time.perf_counter()
    sandbox = stack.start(state_dir, owner_pid=os.getpid(), **options)
    elapsed = time.perf_counter() - started
    sandbox.stop()
    return elapsed


def scale_for(entries: int) -> int:
    """The ``--scale`` whose organizations hold about ``entries`` time entries."""
    background = load_seed_file().background
    return math.ceil(entries / (background.users_per_tenant * background.time_entries_per_user * SCALE_HISTORY))


def seed_seconds(scale: int) -> tuple[float, SeedSummary]:
    """Time to seed ``scale`` into a fresh, migrated database (as a template is built); what it made."""
    program = find_server_program()
    run_dir = instances.create_owned_dir("bench-")
    server = LocalServer(program, run_dir / "datadir", run_dir, tuning=BUILD_TUNING)
    try:
        initialize_datadir(program, server.datadir, run_dir / "install.log")
        server.start()
        with server.admin_connection() as admin:
            provision.create_database(admin, provision.APP_DATABASE)
        options = {"client_flag": migrate.MULTI_STATEMENTS, "local_infile": True}
        with server.admin_connection(provision.APP_DATABASE, **options) as connection:
            migrate.deploy(connection, stack.REFERENCE_TREE / MIGRATIONS)
            plan = seed.build_plan(stack.REFERENCE_TREE / SHARED, scale=scale)
            started = time.perf_counter()
            summary = seed.seed_database(connection, plan, run_dir / "storage", run_dir)
            return time.perf_counter() - started, summary
    finally:
        server.stop()
        shutil.rmtree(run_dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--entries", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="woc-gate-bench-") as scratch:
        os.environ[CACHE_DIR_ENV] = str(Path(scratch) / "cache")
        state_dir = Path(scratch) / "state"
        print(f"ready, empty cache:        {seconds_to_ready(state_dir):6.2f} s")
        print(f"ready, cold template only: {seconds_to_ready(state_dir, seed=1):6.2f} s")
        warm = [seconds_to_ready(state_dir) for _ in range(args.runs)]
        print(
            f"ready, warm (median of {args.runs}): {statistics.median(warm):6.2f} s"
            f"  (min {min(warm):.2f}, max {max(warm):.2f})"
        )
    scale = scale_for(args.entries)
    elapsed, summary = seed_seconds(scale)
    counts, rows = summary.counts, sum(summary.counts.values())
    print(
        f"seed --scale {scale}: {counts['woc_time_entries']:,} time entries, {rows:,} rows in {elapsed:.1f} s"
        f" ({rows / elapsed:,.0f} rows/s, {counts['woc_time_entries'] / elapsed:,.0f} time entries/s),"
        f" {summary.objects:,} screenshot objects ({summary.object_bytes / 1e6:.0f} MB);"
        f" load average {' '.join(f'{load:.1f}' for load in os.getloadavg())}"
    )


if __name__ == "__main__":
    main()
