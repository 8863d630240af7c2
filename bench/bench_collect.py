"""What loading the woc-gate plugin costs: ``pytest --collect-only`` of an empty folder, with and without it.

Run: ``.venv/bin/python bench/bench_collect.py [--runs N]``. Prints the median wall time of each and
the difference, paired run by run; the aim is at most 0.15 s. The other installed plugins
(pytest-playwright, Hypothesis, xdist) load in both, so the difference is woc-gate's alone.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time


def collect_seconds(folder: str, *extra: str) -> float:
    """Wall time of one ``pytest --collect-only -q`` in ``folder``."""
    command = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *extra]
    started = time.perf_counter()
    subprocess.run(command, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as folder:
        collect_seconds(folder)  # warm the file system cache and bytecode
        pairs = [(collect_seconds(folder), collect_seconds(folder, "-p", "no:woc_gate")) for _ in range(runs)]
    with_plugin = statistics.median(with_ for with_, _ in pairs)
    without = statistics.median(without for _, without in pairs)
    overhead = statistics.median(with_ - without for with_, without in pairs)
    print(f"collect-only of an empty folder, with the plugin:    {with_plugin:.3f} s (median of {runs})")
    print(f"collect-only of an empty folder, without the plugin: {without:.3f} s (median of {runs})")
    print(f"plugin cost (median of the paired differences):      {overhead:+.3f} s (aim: at most 0.15 s)")


if __name__ == "__main__":
    main()
