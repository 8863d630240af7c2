"""The restore drill against the runbook's plain verification, on a seeded stack.

Run: ``.venv/bin/python bench/bench_restore.py [--entries N]``. Seeds a reference stack to about
``--entries`` time entries (one million by default; screenshots come at two per entry), takes
``woc-gate backup`` of it, then in the same run times (1) the runbook's plain verification,
``mysql --database=workonclock_restore_check < dump`` into a freshly initialized server with the
server's default settings (charset and loopback aside), and (2) ``woc-gate restore-drill`` (its own bulk-load server,
restore and the runbook §5 validation). Prints both, the ratio, and the validation's share of the
drill. Aims: drill ≤ 0.6 × plain, validation < 10 % of the drill. Uses a temporary cache dir.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from pathlib import Path

from bench_sandbox import scale_for

from woc_gate import config
from woc_gate.backup.drill import run_drill
from woc_gate.backup.loader import DATABASE, mysql_client
from woc_gate.backup.take import take_backup
from woc_gate.sandbox import stack
from woc_gate.sources.nodetools import CACHE_DIR_ENV
from woc_gate.target.scratch_server import SERVER_DEFAULTS, LocalServer, find_server_program, initialize_datadir


def plain_restore_seconds(dump: Path, work: Path) -> float:
    """Server start excluded: the time of ``mysql db < dump`` into a fresh server with the server's defaults."""
    program = find_server_program()
    server = LocalServer(program, work / "datadir", work, tuning=SERVER_DEFAULTS)
    initialize_datadir(program, server.datadir, work / "install.log")
    server.start()
    try:
        with server.admin_connection() as admin, admin.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE `{DATABASE}`")
        command = [str(mysql_client()), "--no-defaults", f"--socket={server.socket}", "--user=root", DATABASE]
        started = time.perf_counter()
        with open(dump, "rb") as source:
            subprocess.run(command, stdin=source, check=True)
        return time.perf_counter() - started
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="woc-gate-bench-") as scratch:
        scratch = Path(scratch)
        os.environ[CACHE_DIR_ENV] = str(scratch / "cache")
        started = time.perf_counter()
        sandbox = stack.start(scratch / "state", scale=scale_for(args.entries), owner_pid=os.getpid(), timeout=1800)
        print(f"seeded stack ready in {time.perf_counter() - started:.1f} s")
        try:
            settings = config.load(options={"config": str(sandbox.profile_path)}, environ={}, rootdir=scratch)
            dump = scratch / "workonclock.sql"
            started = time.perf_counter()
            manifest = take_backup(settings, dump)
            counts = manifest["row_counts"]
            print(
                f"backup: {manifest['file_size'] / 1e6:.0f} MB, {counts['woc_time_entries']:,} time entries, "
                f"{counts['woc_screenshots']:,} screenshots in {time.perf_counter() - started:.1f} s"
            )
            (scratch / "plain").mkdir()
            plain = plain_restore_seconds(dump, scratch / "plain")
            print(f"plain mysql < dump:  {plain:6.1f} s")
            result = run_drill(settings, dump)
            drill = result.restore_seconds + result.validation_seconds
            print(
                f"restore drill:       {drill:6.1f} s  (restore {result.restore_seconds:.1f} s, validation "
                f"{result.validation_seconds:.1f} s = {100 * result.validation_seconds / drill:.0f} % of the drill)"
            )
            verdict = "PASSED" if result.passed else "FAILED"
            print(f"drill / plain:       {drill / plain:6.2f}  (aim ≤ 0.60); drill {verdict}")
        finally:
            sandbox.stop()


if __name__ == "__main__":
    main()
