"""The ``woc-gate`` command: run the gate, print a saved record, drive the reference stack."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import pytest

from . import suite
from .config import PROFILE_NAME
from .errors import WocGateError
from .report import load_record, render_table

REPORT_JSON = "gate-report.json"
REPORT_MARKDOWN = "gate-report.md"
MARKERS = {"run": "gate", "smoke": "smoke"}  # the commands that run gate tests, and the marker each selects


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``woc-gate`` console script."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["sandbox"]:
        from .sandbox.cli import main as sandbox_main

        return sandbox_main(argv[1:])
    parser = _parser()
    args, rest = parser.parse_known_args(argv)
    if args.command in MARKERS:
        return run_gate(sandbox=args.sandbox, pytest_args=rest, marker=MARKERS[args.command])
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    return print_report(args.record)


def run_gate(*, sandbox: bool, pytest_args: list[str], marker: str = "gate") -> int:
    """``pytest -m MARKER`` (gate, smoke) over the checkout's or the wheel's gate tests; both reports written here."""
    try:
        ini, folders = suite.pytest_ini(), suite.gate_test_folders()
    except WocGateError as error:
        print(f"woc-gate: {error}", file=sys.stderr)
        return 2
    args = [
        "-c",
        str(ini),
        "--rootdir",
        str(suite.SUITE_ROOT),
        "-m",
        marker,
        "--gate-report",
        REPORT_JSON,
        "--gate-markdown",
        REPORT_MARKDOWN,
        *map(str, folders),
        *profile_here(pytest_args),
    ]
    if sandbox:
        args.append("--woc-target=sandbox")
    return int(pytest.main([*args, *pytest_args]))


def profile_here(pytest_args: list[str]) -> list[str]:
    """``--woc-config woc-gate.toml`` when this directory has one and no other profile is named.

    The rootdir is the suite's (in a wheel, inside site-packages), so pytest would not look here.
    """
    named = os.environ.get("WOC_GATE_CONFIG") or any(arg.startswith("--woc-config") for arg in pytest_args)
    return [] if named or not Path(PROFILE_NAME).is_file() else ["--woc-config", PROFILE_NAME]


def print_report(path: Path) -> int:
    """Print the release-gate table of a saved run record; exit 1 unless it passed."""
    try:
        record = load_record(path)
    except WocGateError as error:
        print(f"woc-gate: {error}", file=sys.stderr)
        return 2
    for line in render_table(record):
        print(line)
    return 0 if record["verdict"] == "RELEASE GATE PASSED" else 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="woc-gate", description="WorkOnClock release gate")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser("run", help="Run the release gate (pytest -m gate); other arguments go to pytest")
    run.add_argument("--sandbox", action="store_true", help="Run against a throwaway reference stack")
    smoke = commands.add_parser(
        "smoke", help="Run the post-migration smoke alone (pytest -m smoke); other arguments go to pytest"
    )
    smoke.add_argument("--sandbox", action="store_true", help="Run against a throwaway reference stack")
    report = commands.add_parser("report", help="Print the release-gate table of a saved run record")
    report.add_argument("record", type=Path, help="A gate-report.json")
    commands.add_parser("sandbox", help="Start, stop or inspect the reference stack (see woc-gate sandbox --help)")
    return parser
