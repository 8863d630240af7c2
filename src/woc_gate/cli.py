"""The ``woc-gate`` command: run the gate, print a saved record, drive the reference stack."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import pytest

from . import suite
from .config import ENVIRONMENTS, PROFILE_NAME
from .errors import WocGateError
from .interrupts import signals_unwind
from .plugin.suite_paths import SuiteRelativePaths
from .report import load_record, record_passed, render_facts, render_table, shown_items, write_record

STOPPED = "its child processes were stopped and its partial files removed"
MARKERS = {"run": "gate", "smoke": "smoke"}  # the commands that run gate tests, and the marker each selects
REPORTS = {"gate": "gate-report", "smoke": "smoke-report"}  # by marker: the name of its run record files
SANDBOX_HELP = "Run against a throwaway reference stack (TLS and S3 on)"
PYTEST_ARGUMENTS = """\
Every other argument goes to pytest as it is: -k EXPRESSION, --deselect NODEID, -x, -v, -n 2
(pytest-xdist), --junitxml PATH (with one release-gate case per item). `pytest --help`, run with the
Python that has woc-gate installed, lists them all.

Writes its record here (run: gate-report.json, .md and .html, also kept in .woc-gate/history/;
smoke: smoke-report.*), and reads woc-gate.toml from here (unless --woc-config or WOC_GATE_CONFIG
names another profile). Exit status: 0 when every item is PASS, 1 when one is not (README, "Exit
status", has the others)."""


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
    if args.command == "init":
        return init(args)
    if args.command == "doctor":
        return doctor(args)
    if args.command in ("backup", "restore-drill"):
        from .backup.commands import run_command

        return run_command(args)
    if sum(given is not None for given in (args.record, args.compare, args.merge)) != 1:
        parser.error("report takes one run record, or --compare A.json B.json, or --merge SHARD.json …")
    if args.out is not None and args.merge is None:
        parser.error("--out writes a merged record: add --merge SHARD.json …")
    if args.compare:
        return compare_reports(*args.compare)
    if args.merge:
        return merge_reports(args.merge, args.out)
    return print_report(args.record)


def run_gate(*, sandbox: bool, pytest_args: list[str], marker: str = "gate") -> int:
    """``pytest -m MARKER`` (gate, smoke) over the checkout's or the wheel's gate tests; its two reports written here.

    ``gate-report.json``/``.md`` for the gate, ``smoke-report.*`` for the smoke; a run that does not complete
    writes neither, so they always hold the latest complete run of their kind.
    """
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
        f"{REPORTS[marker]}.json",
        "--gate-markdown",
        f"{REPORTS[marker]}.md",
        "--gate-html",
        f"{REPORTS[marker]}.html",
        *map(str, folders),
        *profile_here(pytest_args),
    ]
    if sandbox:
        args.append("--woc-target=sandbox")
    return int(pytest.main([*args, *pytest_args], plugins=[SuiteRelativePaths()]))


def profile_here(pytest_args: list[str]) -> list[str]:
    """``--woc-config woc-gate.toml`` when this directory has one and no other profile is named.

    The rootdir is the suite's (in a wheel, inside site-packages), so pytest would not look here.
    """
    named = os.environ.get("WOC_GATE_CONFIG") or any(arg.startswith("--woc-config") for arg in pytest_args)
    return [] if named or not Path(PROFILE_NAME).is_file() else ["--woc-config", PROFILE_NAME]


def print_report(path: Path) -> int:
    """Print the table of a saved run record; exit 1 unless it passed (outside the gate: all it tested proven)."""
    try:
        record = load_record(path)
    except WocGateError as error:
        print(f"woc-gate: {error}", file=sys.stderr)
        return 2
    print_lines([*render_facts(record), "", *render_table(record)])
    return 0 if record_passed(record) else 1


def compare_reports(earlier: Path, later: Path) -> int:
    """Print what changed from one run record to another; exit 1 when something changed for the worse."""
    from .history import compare, render_changes

    try:
        previous, current = load_record(earlier), load_record(later)
    except WocGateError as error:
        print(f"woc-gate: {error}", file=sys.stderr)
        return 2
    changes = compare(previous, current)
    print_lines(render_changes(previous, current, changes))
    return 1 if any(change.worse for change in changes) else 0


def merge_reports(shards: list[Path], out: Path | None) -> int:
    """Merge the records of a split run's shards into its record, print its table (and show it to CI as a run does);
    exit 1 unless it passed, 2 when the records are not the shards of one run."""
    from .plugin import ci
    from .shards import merge

    try:
        record, results = merge([(path, load_record(path)) for path in shards])
        if out is not None:
            write_record(record, out, None, str)
    except WocGateError as error:
        print(f"woc-gate: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"woc-gate: cannot write the merged record {out}: {error.strerror}", file=sys.stderr)
        return 2
    shown = {item["id"] for item in shown_items(record)}
    annotations = ci.annotations(result for result in results if result.item.id in shown)
    print_lines([*render_facts(record), "", *render_table(record), *annotations])
    try:
        ci.append_step_summary(record, str)
    except OSError as error:
        print(f"woc-gate: cannot append to the job summary: {error.strerror}", file=sys.stderr)
    return 0 if record_passed(record) else 1


def migrate_status(args: argparse.Namespace) -> int:
    """Print the state of every migration; exit 1 when one failed, was edited or is missing on disk."""
    from .migrate_status import load_status, render_json, render_text

    try:
        status = load_status(
            config_path=args.woc_config, repo=args.woc_repo, migrations=args.migrations, scratch_url=args.scratch_url
        )
    except WocGateError as error:
        print(f"woc-gate: {error}", file=sys.stderr)
        return error.exit_status
    print_lines([render_json(status)] if args.json else render_text(status))
    return 0 if status.clean else 1


def init(args: argparse.Namespace) -> int:
    """Write a commented target profile from the environment and the deployment; exit 2 on bad input."""
    from .init_profile import write_profile

    try:
        lines = write_profile(args.out, environment=args.woc_env, environ=os.environ, force=args.force)
    except WocGateError as error:
        print(f"woc-gate: {error}", file=sys.stderr)
        return 2
    print_lines(lines)
    return 0


def doctor(args: argparse.Namespace) -> int:
    """Check the profile and every surface it names; exit 1 when something is broken, 2 on a malformed profile."""
    from .doctor import run

    try:
        lines, status = run({"config": args.woc_config}, os.environ, Path.cwd())
    except WocGateError as error:
        print(f"woc-gate: {error}", file=sys.stderr)
        return 2
    print_lines(lines)
    return status


def print_lines(lines: list[str]) -> None:
    """Print lines to stdout; a reader that stops reading (``| head``) ends the output quietly."""
    try:
        print("\n".join(lines), flush=True)
    except BrokenPipeError:
        # Python would complain again when it flushes stdout at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


class RunHelp(argparse.Action):
    """``woc-gate run --help``: its own option, woc-gate's options, and how pytest's are passed."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        print(run_help(parser.prog), end="")
        parser.exit()


def run_help(prog: str) -> str:
    """The help of ``run`` and ``smoke``: woc-gate's options as its pytest plugin declares them, then pytest's part."""
    from .plugin import hooks

    parser = argparse.ArgumentParser(
        prog=prog,
        usage="%(prog)s [--sandbox] [WOC-GATE OPTIONS] [PYTEST ARGUMENTS]",
        epilog=PYTEST_ARGUMENTS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--sandbox", action="store_true", help=SANDBOX_HELP)
    hooks.pytest_addoption(_OptionGroup(parser.add_argument_group("woc-gate options (its pytest plugin's)")))
    return parser.format_help()


class _OptionGroup:
    """Takes pytest options (``getgroup(...).addoption(...)``) into an argparse group, for the help alone."""

    def __init__(self, group) -> None:
        self.group = group

    def getgroup(self, name: str, description: str = "") -> _OptionGroup:
        return self

    def addoption(self, *flags: str, **attributes) -> None:
        self.group.add_argument(*flags, **attributes)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="woc-gate", description="WorkOnClock release gate")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, what in (("run", "the release gate"), ("smoke", "the post-migration smoke alone")):
        marker = MARKERS[name]
        command = commands.add_parser(
            name, help=f"Run {what} (pytest -m {marker}); other arguments go to pytest", add_help=False
        )
        command.add_argument("-h", "--help", action=RunHelp, nargs=0, help="Show this help and exit")
        command.add_argument("--sandbox", action="store_true", help=SANDBOX_HELP)
    report = commands.add_parser(
        "report",
        help="Print the release-gate table of a saved run record, what changed between two, or a split run's merged",
    )
    report.add_argument("record", type=Path, nargs="?", help="A gate-report.json")
    report.add_argument(
        "--compare",
        nargs=2,
        type=Path,
        metavar=("A.json", "B.json"),
        help="Print what changed from run A to run B (exit 1 when something got worse)",
    )
    report.add_argument(
        "--merge",
        nargs="+",
        type=Path,
        metavar="SHARD.json",
        help="Merge the records of shards 1 to N of a split run (--gate-shard K/N) and print its table",
    )
    report.add_argument("--out", type=Path, metavar="PATH", help="With --merge: write the merged run record to PATH")
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
    drill.add_argument(
        "--jobs",
        metavar="N",
        help="Rows loaded and indexes built this many at once, as myloader -t (default: one per core)",
    )
    drill.add_argument("--woc-config", help="Target profile (default woc-gate.toml here)")
    init = commands.add_parser(
        "init", help="Write a commented woc-gate.toml from the environment's variables and the deployment"
    )
    init.add_argument("--woc-env", choices=ENVIRONMENTS, help="Environment of the target (default WOC_GATE_ENV)")
    init.add_argument(
        "--out", type=Path, default=Path(PROFILE_NAME), help="The profile to write (default woc-gate.toml)"
    )
    init.add_argument("--force", action="store_true", help="Overwrite an existing profile")
    doctor = commands.add_parser(
        "doctor", help="Check each setting and reach each surface in under 10 s; say what each unset setting costs"
    )
    doctor.add_argument("--woc-config", help="Target profile (default woc-gate.toml here)")
    commands.add_parser("sandbox", help="Start, stop or inspect the reference stack (see woc-gate sandbox --help)")
    return parser
