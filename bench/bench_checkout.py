"""Wall and CPU time of a developer's contract run on the checkout target: cold (empty caches) and warm.

Run: ``.venv/bin/python bench/bench_checkout.py [--runs N] [--seeded]``. Times
``pytest -m contract --woc-repo=fixtures/workonclock --woc-target=checkout`` over the gate folders: cold with a
fresh ``WOC_GATE_CACHE_DIR`` (the scratch server's template is built from the migrations, the TypeScript
and Prisma sources are converted by node), warm reusing it (median of ``--runs``). ``--seeded`` runs a
copy of the tree whose node modules run its seed (``tests/seed_checkout.py``). Aims: warm under 10 s,
cold under 30 s. CPU time (user + system of the run) is printed beside the wall time, since the machine's
load from other work moves the wall time.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
from pathlib import Path

from timing import ROOT, timed_pytest

REFERENCE = ROOT / "fixtures" / "workonclock"


def run_seconds(tree: Path, cache_dir: str) -> tuple[float, float]:
    """One contract run on the checkout target; its wall and CPU seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = timed_pytest(
        ["-m", "contract", f"--woc-repo={tree}", "--woc-target=checkout", "-q", "-p", "no:xdist"],
        "checkout contract",
        env={**os.environ, "WOC_GATE_CACHE_DIR": cache_dir},
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def seeded_tree(folder: Path) -> Path:
    """A copy of the reference tree with node modules that run its seed."""
    sys.path.insert(0, str(ROOT / "tests"))
    from seed_checkout import copy_tree, install_seed_runtime

    return install_seed_runtime(copy_tree(folder / "workonclock"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seeded", action="store_true", help="Run the tree's seed (stand-in node modules)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="woc-gate-bench-") as work:
        tree = seeded_tree(Path(work)) if args.seeded else REFERENCE
        cache_dir = str(Path(work) / "cache")
        cold = run_seconds(tree, cache_dir)
        warm = [run_seconds(tree, cache_dir) for _ in range(args.runs)]
    print(
        f"tree: {'seeded copy' if args.seeded else 'reference, no node modules'}; load average {os.getloadavg()[0]:.1f}"
    )
    print(f"cold: {cold[0]:.1f} s wall, {cold[1]:.1f} s CPU (aim: under 30 s)")
    print(
        f"warm: {statistics.median(w for w, _ in warm):.1f} s wall, {statistics.median(c for _, c in warm):.1f} s CPU"
        f" (median of {args.runs}; aim: under 10 s)"
    )


if __name__ == "__main__":
    main()
