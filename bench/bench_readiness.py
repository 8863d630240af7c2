"""Wall time of the readiness gate tests (``readiness/``) against a reference stack served like production.

Run: ``.venv/bin/python bench/bench_readiness.py [--runs N] [-n 2]``. Starts one stack with TLS and
S3 (its start is timed apart), then runs ``pytest readiness`` against its profile and env file, TLS
scans, email flows and bucket checks included; prints the median of ``--runs``. Aim: under 20 s.
"""

from __future__ import annotations

import argparse
import datetime
import statistics
import tempfile
import time
from pathlib import Path

from timing import timed_pytest

from woc_gate.sandbox import stack

ATTESTATION = (
    '[[attestation]]\nitem = "signed-installers"\napprover = "Bench"\nrole = "technical owner"\n'
    'date = {today}\nevidence = "https://tickets.example.com/BENCH"\n'
)


def readiness_run_seconds(sandbox: stack.Sandbox, attestations: Path, extra: list[str]) -> float:
    """One ``pytest readiness`` against the stack; its wall time."""
    args = [
        "readiness", "-q", "-p", "no:randomly",
        f"--woc-config={sandbox.profile_path}", f"--env-file={sandbox.env_path}",
        f"--attestations={attestations}", *extra,
    ]  # fmt: skip
    return timed_pytest(args, "readiness")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("-n", dest="workers", help="pytest-xdist workers for the runs")
    args = parser.parse_args()
    extra = ["-n", args.workers] if args.workers else ["-p", "no:xdist"]
    started = time.perf_counter()
    sandbox = stack.start(tls=True, s3=True)
    start_seconds = time.perf_counter() - started
    try:
        with tempfile.TemporaryDirectory(prefix="woc-gate-bench-") as scratch:
            attestations = Path(scratch) / "attestations.toml"
            attestations.write_text(ATTESTATION.format(today=datetime.date.today().isoformat()))
            runs = [readiness_run_seconds(sandbox, attestations, extra) for _ in range(args.runs)]
    finally:
        sandbox.stop()
    print(f"pytest readiness {' '.join(extra)} against a stack with --tls --s3")
    print(f"  stack start: {start_seconds:.1f} s")
    print(f"  readiness set (median of {args.runs}): {statistics.median(runs):.1f} s (aim: under 20 s)")


if __name__ == "__main__":
    main()
