"""What the benchmarks share: one pytest run in a subprocess, timed."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed_pytest(args: list[str], what: str, env: dict[str, str] | None = None) -> float:
    """Run ``pytest ARGS`` from the checkout; its wall time, or exit naming ``what`` when it failed."""
    command = [sys.executable, "-m", "pytest", *args]
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"the {what} run failed (exit {result.returncode}):\n{result.stdout[-2000:]}")
    return elapsed
