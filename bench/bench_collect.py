"""How much the woc-gate plugin adds to ``pytest --collect-only`` of the whole suite.

Run: ``.venv/bin/python bench/bench_collect.py [--runs N]``. Prints the median wall time with
and without the plugin (``-p no:woc_gate``) and the difference; the aim is under 0.3 s.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def collect_seconds(*extra: str) -> float:
    """Wall time of one ``pytest --collect-only -q`` over the gate tests and the suite's own tests."""
    command = [
        sys.executable,
        "-m",
        "pytest",
        "--collect-only",
        "-q",
        "-p",
        "no:xdist",
        "-W",
        "ignore::pytest.PytestUnknownMarkWarning",  # the gate marks are unknown without the plugin
        *extra,
        "contracts",
        "smoke",
        "tenant",
        "restore",
        "migration",
        "readiness",
        "tests",
    ]
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    collect_seconds()  # warm the file system cache and bytecode
    with_plugin = statistics.median(collect_seconds() for _ in range(runs))
    without = statistics.median(collect_seconds("-p", "no:woc_gate") for _ in range(runs))
    print(f"collect-only with plugin:    {with_plugin:.3f} s (median of {runs})")
    print(f"collect-only without plugin: {without:.3f} s (median of {runs})")
    print(f"plugin overhead:             {with_plugin - without:+.3f} s (aim: under 0.3 s)")


if __name__ == "__main__":
    main()
