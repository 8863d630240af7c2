"""The restore drill against the runbook's plain verification, on seeded stacks of several sizes.

Run: ``.venv/bin/python bench/bench_restore.py [--entries N [N ...]] [--jobs N]``. For each size (one
million time entries by default), seeds a reference stack to about that many time entries, takes
``woc-gate backup`` of it, then times (1) the runbook's plain verification, ``mysql
--database=workonclock_restore_check < dump`` into a freshly initialized server with the server's
default settings (charset and loopback aside), and (2) ``woc-gate restore-drill [--jobs N]`` as the
operator runs it, in a child process (its own bulk-load server, restore and the runbook §5
validation), while the memory of that process and of its children (the server, the mysql clients) is
read from /proc every 0.1 s. Prints per size: seed time, dump size, plain, drill (by phase), their
ratio, the validation's share, peak memory; then how the times grew from the first size to the last.
Aims: drill ≤ 0.6 × plain at 5 M, drill time growing at most 1.1 × the entries (5.5 from 1 M to 5 M),
validation ≤ 10 % of the drill at every size. Uses a temporary cache dir. The machine's load average
is printed with every figure: other work on it moves them.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bench_sandbox import scale_for

from woc_gate import config
from woc_gate.backup.commands import load_jobs
from woc_gate.backup.dump import INSTALL_CLIENT
from woc_gate.backup.loader import CLIENTS, DATABASE
from woc_gate.backup.manifest import read_manifest
from woc_gate.backup.take import take_backup
from woc_gate.errors import ConfigError
from woc_gate.sandbox import stack
from woc_gate.sources.nodetools import CACHE_DIR_ENV
from woc_gate.target.processes import require_program
from woc_gate.target.scratch_server import SERVER_DEFAULTS, LocalServer, find_server_program, initialize_datadir

CLI = [sys.executable, "-c", "import sys; from woc_gate.cli import main; sys.exit(main())"]
MB = 1e6
POLL_SECONDS = 0.1
RATIO_AIM, GROWTH_AIM, VALIDATION_AIM = 0.6, 1.1, 0.10


@dataclass
class Figures:
    """One size's measurements."""

    entries: int
    seed_seconds: float
    dump_bytes: int
    plain_seconds: float
    drill: dict  # the drill's recorded result (restore_test_result)
    memory: dict[str, int]  # peak bytes: "together", "woc-gate", "server", "clients"
    load: str  # the load average when the drill ended

    @property
    def drill_seconds(self) -> float:
        return self.drill["restore_seconds"] + self.drill["validation_seconds"]

    @property
    def validation_share(self) -> float:
        return self.drill["validation_seconds"] / self.drill_seconds


def load_average() -> str:
    """The machine's load average over 1, 5 and 15 minutes."""
    return "/".join(f"{value:.1f}" for value in os.getloadavg())


def plain_restore_seconds(dump: Path, work: Path) -> float:
    """Server start excluded: the time of ``mysql db < dump`` into a fresh server with the server's defaults."""
    program = find_server_program()
    server = LocalServer(program, work / "datadir", work, tuning=SERVER_DEFAULTS)
    initialize_datadir(program, server.datadir, work / "install.log")
    server.start()
    try:
        with server.admin_connection() as admin, admin.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE `{DATABASE}`")
        client = require_program(CLIENTS, INSTALL_CLIENT)
        command = [str(client), "--no-defaults", f"--socket={server.socket}", "--user=root", DATABASE]
        started = time.perf_counter()
        with open(dump, "rb") as source:
            subprocess.run(command, stdin=source, check=True)
        return time.perf_counter() - started
    finally:
        server.stop()


class TreeMemory(threading.Thread):
    """Peak resident memory of a process and its descendants, read from /proc every ``POLL_SECONDS``.

    ``together`` is the largest sum of VmRSS over the tree seen at one poll; the per-kind figures are the
    largest VmHWM (the kernel's own high-water mark of a process) seen for the process itself (``woc-gate``),
    the server (``server``) and the sum over the mysql clients alive at one poll (``clients``).
    """

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peaks = {"together": 0, "woc-gate": 0, "server": 0, "clients": 0}
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(POLL_SECONDS):
            together, clients = 0, 0
            for pid in _tree(self.pid):
                status = _status(pid)
                if not status:
                    continue
                together += status.get("VmRSS", 0)
                kind = "woc-gate" if pid == self.pid else _kind(status["Name"])
                if kind == "clients":
                    clients += status.get("VmHWM", 0)
                elif kind:
                    self.peaks[kind] = max(self.peaks[kind], status.get("VmHWM", 0))
            self.peaks["together"] = max(self.peaks["together"], together)
            self.peaks["clients"] = max(self.peaks["clients"], clients)


def _kind(name: str) -> str | None:
    if name in ("mariadbd", "mysqld"):
        return "server"
    if name in CLIENTS:
        return "clients"
    return None


def _tree(root: int) -> list[int]:
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                todo += map(int, Path(f"/proc/{pid}/task/{task}/children").read_text().split())
        except OSError:  # the process ended between two reads
            continue
    return found


def _status(pid: int) -> dict:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    fields = dict(line.split(":", 1) for line in lines if ":" in line)
    status = {"Name": fields.get("Name", "").strip()}
    for name in ("VmRSS", "VmHWM"):
        if name in fields:
            status[name] = int(fields[name].split()[0]) * 1024
    return status


def drill(dump: Path, profile: Path, jobs: int | None) -> tuple[dict, dict[str, int]]:
    """``woc-gate restore-drill`` in a child process: its recorded result and the peak memory of its tree."""
    command = [*CLI, "restore-drill", str(dump), "--woc-config", str(profile)]
    if jobs:
        command += ["--jobs", str(jobs)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watch = TreeMemory(process.pid)
    watch.start()
    out, err = process.communicate()
    watch.done.set()
    watch.join()
    if process.returncode != 0:
        sys.exit(f"the drill failed (exit {process.returncode}):\n{out}{err}")
    return read_manifest(dump)["restore_test_result"], watch.peaks


def measure(entries: int, work: Path, jobs: int | None) -> Figures:
    """Seed, back up, restore plainly and drill one size in ``work``; print its figures as they come."""
    scale = scale_for(entries)
    print(f"\n== about {entries:,} time entries (--scale {scale}); load average {load_average()}", flush=True)
    started = time.perf_counter()
    sandbox = stack.start(work / "state", scale=scale, owner_pid=os.getpid(), timeout=3600)
    seeded = time.perf_counter() - started
    try:
        settings = config.load(options={"config": str(sandbox.profile_path)}, environ={}, rootdir=work)
        dump = work / "workonclock.sql"
        started = time.perf_counter()
        manifest = take_backup(settings, dump)
        counts = manifest["row_counts"]
        print(
            f"seeded in {seeded:.1f} s; backup: {manifest['file_size'] / MB:,.0f} MB, "
            f"{counts['woc_time_entries']:,} time entries, {counts['woc_screenshots']:,} screenshots, "
            f"in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        (work / "plain").mkdir()
        plain = plain_restore_seconds(dump, work / "plain")
        print(f"plain mysql < dump:  {plain:7.1f} s   (load average {load_average()})", flush=True)
        result, memory = drill(dump, sandbox.profile_path, jobs)
        figures = Figures(
            counts["woc_time_entries"], seeded, manifest["file_size"], plain, result, memory, load_average()
        )
        _print_drill(figures)
        return figures
    finally:
        sandbox.stop()
        shutil.rmtree(work, ignore_errors=True)


def _print_drill(figures: Figures) -> None:
    drill = figures.drill
    by_length = sorted(drill["restore_phases"].items(), key=lambda phase: phase[1], reverse=True)
    phases = ", ".join(f"{name} {seconds:.1f}" for name, seconds in by_length)
    verdict = "PASSED" if drill["passed"] else "FAILED"
    memory = figures.memory
    print(
        f"restore drill:       {figures.drill_seconds:7.1f} s   (load average {figures.load}); {verdict},"
        f" --jobs {drill['load_jobs']}\n"
        f"  restore {drill['restore_seconds']:.1f} s ({phases}), validation {drill['validation_seconds']:.1f} s"
        f" = {100 * figures.validation_share:.1f} % of the drill (aim ≤ {100 * VALIDATION_AIM:.0f} %)\n"
        f"drill / plain:       {figures.drill_seconds / figures.plain_seconds:7.2f}     (aim ≤ {RATIO_AIM} at 5 M)\n"
        f"peak memory:         {memory['together'] / MB:7,.0f} MB together (VmRSS summed over the tree at one poll);"
        f" high-water marks: woc-gate {memory['woc-gate'] / MB:,.0f} MB, its server {memory['server'] / MB:,.0f} MB,"
        f" its mysql clients {memory['clients'] / MB:,.0f} MB together",
        flush=True,
    )


def print_summary(sizes: list[Figures]) -> None:
    """The table of every size, then how the times grew from the first size to the last."""
    print("\n| time entries | seed s | dump MB | plain s | drill s | drill / plain | validation | peak MB | load |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for size in sizes:
        print(
            f"| {size.entries:,} | {size.seed_seconds:.1f} | {size.dump_bytes / MB:,.0f} | {size.plain_seconds:.1f}"
            f" | {size.drill_seconds:.1f} | {size.drill_seconds / size.plain_seconds:.2f}"
            f" | {100 * size.validation_share:.1f} % | {size.memory['together'] / MB:,.0f} | {size.load} |"
        )
    if len(sizes) > 1:
        first, last = sizes[0], sizes[-1]
        grown = last.entries / first.entries
        print(
            f"\ntime({last.entries:,}) / time({first.entries:,}), {grown:.2f} × the entries:"
            f" drill {last.drill_seconds / first.drill_seconds:.2f} (aim ≤ {GROWTH_AIM * grown:.2f}),"
            f" plain {last.plain_seconds / first.plain_seconds:.2f}"
        )


def _jobs(text: str) -> int:
    try:
        return load_jobs(text)
    except ConfigError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, nargs="+", default=[1_000_000], metavar="N")
    parser.add_argument("--jobs", type=_jobs, help="Load clients of the drill (default: its own, one per core)")
    args = parser.parse_args()
    sizes = []
    with tempfile.TemporaryDirectory(prefix="woc-gate-bench-") as scratch:
        scratch = Path(scratch)
        os.environ[CACHE_DIR_ENV] = str(scratch / "cache")
        for entries in args.entries:
            sizes.append(measure(entries, scratch / str(entries), args.jobs))
    print_summary(sizes)


if __name__ == "__main__":
    main()
