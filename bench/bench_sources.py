"""Print the cold and warm time of reading the reference tree's shared package and Prisma schema.

Run: .venv/bin/python bench/bench_sources.py   (cold = empty cache, warm = median of repeated loads)
"""

import statistics
import tempfile
import time
from pathlib import Path

from woc_gate.sources.prisma import load_datamodel
from woc_gate.sources.shared import load_shared

TREE = Path(__file__).resolve().parents[1] / "fixtures" / "workonclock"
WARM_RUNS = 20


def read_shared(cache_dir: Path) -> None:
    source = load_shared(TREE / "packages" / "shared", cache_dir=cache_dir)
    source.schema("TrackingPolicy")
    source.constant("ROLE_DEFAULT_PERMISSIONS")


def read_datamodel(cache_dir: Path) -> None:
    load_datamodel(TREE / "apps" / "web" / "prisma" / "schema.prisma", cache_dir=cache_dir)


def milliseconds(load, cache_dir: Path) -> float:
    start = time.perf_counter()
    load(cache_dir)
    return (time.perf_counter() - start) * 1000


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="woc-gate-bench-") as cache_dir:
        for label, load in (("shared source", read_shared), ("Prisma datamodel", read_datamodel)):
            cold = milliseconds(load, Path(cache_dir))
            warm = statistics.median(milliseconds(load, Path(cache_dir)) for _ in range(WARM_RUNS))
            print(f"{label:<17} cold {cold:8.1f} ms   warm {warm:6.2f} ms")


if __name__ == "__main__":
    main()
