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
from .interrupts import signals_unwind
from .report import load_record, render_table

REPORT_JSON = "gate-report.json"
REPORT_MARKDOWN = "gate-report.md"
STOPPED = "its child processes were stopped and its partial files removed"
MARKERS = {"run": "gate", "smoke": "smoke"}  # the commands that run gate tests, and the marker each selects


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``woc-gate`` console script."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["sandbox"]:
        from .sandbox.cli import main as sandbox_main

        return sandbox_main(argv[1:])
    parser = _parser()
    args, rest = parser.parse_known_args(argv)
    with signals_unwind() as trap:
        status = _dispatch(parser, args, rest)
    if trap.number:
        print(f"woc-gate: {args.command} stopped by {trap.name}; {STOPPED}", file=sys.stderr)
        return trap.exit_status
    return status


def _dispatch(parser: argparse.ArgumentParser, args: argparse.Namespace, rest: list[str]) -> int:
    if args.command in MARKERS:
        return run_gate(sandbox=args.sandbox, pytest_args=rest, marker=MARKERS[args.command])
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    if args.command == "migrate-status":
        return migrate_status(args)
    if args.command in ("backup", "restore-drill"):
        from .backup.commands import run_command

        return run_command(args)
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
    print_lines(render_table(record))
    return 0 if record["verdict"] == "RELEASE GATE PASSED" else 1


def migrate_status(args: argparse.Namespace) -> int:
    """Print the state of every migration; exit 1 when one failed, was edited or is missing on disk."""
    from .migrate_status import load_status, render_json, render_text

    try:
        status = load_status(
            config_path=args.woc_config, repo=args.woc_repo, migrations=args.migrations, scratch_url=args.scratch_url
        )
    except WocGateError as error:
        print(f"woc-gate: {error}", file=sys.stderr)
        return 2
    print_lines([render_json(status)] if args.json else render_text(status))
    return 0 if status.clean else 1


def print_lines(lines: list[str]) -> None:
    """Print lines to stdout; a reader that stops reading (``| head``) ends the output quietly."""
    try:
        print("\n".join(lines), flush=True)
    except BrokenPipeError:
        # Python would complain again when it flushes stdout at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


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
    status = commands.add_parser(
        "migrate-status", help="Show each Prisma migration as applied, pending, failed, rolled back or edited"
    )
    status.add_argument("--woc-config", help="Target profile (default woc-gate.toml here)")
    status.add_argument("--woc-repo", help="WorkOnClock checkout whose migrations folder to read")
    status.add_argument(
        "--migrations", "--woc-migrations", dest="migrations", help="Prisma migrations folder (default: the checkout's)"
    )
    status.add_argument(
        "--scratch-url",
        "--woc-scratch-url",
        dest="scratch_url",
        help="Scratch database where the pending migrations are tried (default: migration_scratch_url)",
    )
    status.add_argument("--json", action="store_true", help="Print JSON instead of a table")
    backup = commands.add_parser("backup", help="Dump the target database as the runbook does, with a manifest")
    backup.add_argument("--out", required=True, type=Path, help="The dump file to write (its manifest goes beside it)")
    backup.add_argument("--woc-config", help="Target profile (default woc-gate.toml here)")
    backup.add_argument("--force", action="store_true", help="Replace a backup already at --out")
    drill = commands.add_parser("restore-drill", help="Restore a backup into a scratch server and validate it")
    drill.add_argument("file", type=Path, help="A dump written by woc-gate backup")
    drill.add_argument("--into", help="Restore into this scratch database URL instead of a throwaway server")
    drill.add_argument("--woc-config", help="Target profile (default woc-gate.toml here)")
    commands.add_parser("sandbox", help="Start, stop or inspect the reference stack (see woc-gate sandbox --help)")
    return parser
