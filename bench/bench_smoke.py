"""How long the smoke and tenant-isolation gate tests take against the reference stack, and how many probes they send.

Run: ``.venv/bin/python bench/bench_smoke.py [--runs N] [--workers N]``. Starts one reference stack,
then runs ``pytest -m "smoke or tenant"`` over ``smoke/`` and ``tenant/`` against it ``--runs`` times
(``-n --workers``), and prints the median wall time, the cross-tenant probes of a run (matrix and
drawn ids) and probes per second of the matrix, and the time from upload to visible in admin. Aims:
under 60 s on 2 cores, at least 1,000 cross-tenant probes a run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from woc_gate.sandbox import stack

ROOT = Path(__file__).resolve().parents[1]


def one_run(profile: Path, workers: int, record: Path) -> tuple[float, dict]:
    """Wall time of one pytest run over the smoke and tenant folders; its run record."""
    command = [sys.executable, "-m", "pytest", str(ROOT / "smoke"), str(ROOT / "tenant"), "-m", "smoke or tenant"]
    command += ["-q", "-p", "no:cacheprovider", "--woc-config", str(profile), "--gate-report", str(record)]
    command += ["-n", str(workers)]
    started = time.perf_counter()
    subprocess.run(command, cwd=record.parent, check=False, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started, json.loads(record.read_text())


def figures(record: dict) -> dict[str, float]:
    """The measures of every test of a run, summed by name (rates averaged)."""
    sums: dict[str, list[float]] = {}
    for item in record["items"]:
        for test in item["tests"]:
            for name, value in test.get("measures", {}).items():
                sums.setdefault(name, []).append(value)
    return {
        name: statistics.mean(values) if name.endswith(("_per_second", "_seconds")) else sum(values)
        for name, values in sums.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-smoke-") as folder:
        sandbox = stack.start(Path(folder) / "stack", owner_pid=os.getpid())
        try:
            runs = [
                one_run(sandbox.profile_path, args.workers, Path(folder) / f"gate-{n}.json") for n in range(args.runs)
            ]
        finally:
            sandbox.stop()
    walls = [wall for wall, _ in runs]
    statuses = {item["id"]: item["status"] for item in runs[-1][1]["items"] if item["status"] != "UNVERIFIED"}
    measured = figures(runs[-1][1])
    probes = measured.get("cross_tenant_probes", 0) + measured.get("drawn_id_probes", 0)
    print(f"smoke + tenant, -n {args.workers}: median {statistics.median(walls):.1f} s over {args.runs} runs {walls}")
    print(f"items: {statuses}")
    print(f"cross-tenant probes a run: {probes:.0f} (matrix {measured.get('cross_tenant_probes', 0):.0f})")
    print(f"matrix probes per second (mean over resources): {measured.get('probes_per_second', 0):.0f}")
    print(f"upload to visible in admin: {measured.get('upload_to_admin_seconds', 0):.3f} s")


if __name__ == "__main__":
    main()
