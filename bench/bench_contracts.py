"""Wall time of ``pytest -m contract --woc-target=sandbox``: cold (empty caches) and warm.

Run: ``.venv/bin/python bench/bench_contracts.py [--runs N] [-n 2]``. Cold uses a fresh
``WOC_GATE_CACHE_DIR`` (the stack's template is built and the TypeScript and Prisma sources are
converted by node); warm reuses it (median of ``--runs``). Aim: a warm run under 15 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile

from timing import timed_pytest


def contract_run_seconds(cache_dir: str, extra: list[str]) -> float:
    """One ``pytest -m contract --woc-target=sandbox`` over the contract tests; its wall time."""
    args = ["contracts", "-m", "contract", "--woc-target=sandbox", "-q", *extra]
    return timed_pytest(args, "contract", env={**os.environ, "WOC_GATE_CACHE_DIR": cache_dir})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("-n", dest="workers", help="pytest-xdist workers for the runs")
    args = parser.parse_args()
    extra = ["-n", args.workers] if args.workers else ["-p", "no:xdist"]
    with tempfile.TemporaryDirectory(prefix="woc-gate-bench-") as cache_dir:
        cold = contract_run_seconds(cache_dir, extra)
        warm = statistics.median(contract_run_seconds(cache_dir, extra) for _ in range(args.runs))
    print(f"pytest -m contract --woc-target=sandbox {' '.join(extra)}")
    print(f"  cold (empty caches): {cold:.1f} s")
    print(f"  warm (median of {args.runs}): {warm:.1f} s (aim: under 15 s)")


if __name__ == "__main__":
    main()
