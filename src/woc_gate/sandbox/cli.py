"""``woc-gate sandbox up|down|status|faults``: the reference stack from the command line."""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path

from woc_gate.backup.progress import Progress
from woc_gate.config.defaults import DEFAULT_ENDPOINTS
from woc_gate.config.variables import held
from woc_gate.errors import WocGateError
from woc_gate.files import filesystem_limit
from woc_gate.redaction import shown
from woc_gate.sandbox import stack
from woc_gate.sandbox.dburl import parse_server_url
from woc_gate.sandbox.faults import FAULTS, check_fault_names
from woc_gate.sandbox.figures import read_figures
from woc_gate.sandbox.layout import FILESYSTEM_ADVICE

PROG = "woc-gate sandbox"
USAGE_ERROR = 2
INTERRUPTED = 130
START_SECONDS = 60.0
SCALE_STEP_SECONDS = 600.0  # one step of a start at volume (the server's shutdown, a copy of gigabytes) may be long


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        sys.stderr.write(f"{PROG}: {message}\n")
        sys.exit(USAGE_ERROR)


def main(argv: list[str]) -> int:
    """Run one sandbox command; the exit status (2 for bad input, 1 when the stack cannot do it)."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    try:
        return args.command(args)
    except WocGateError as error:
        sys.stderr.write(f"{PROG}: {error}\n")
        return 1
    except OSError as error:
        limit = filesystem_limit(error)
        if limit is None:
            raise
        sys.stderr.write(f"{PROG}: {limit}; {FILESYSTEM_ADVICE}\n")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write(f"{PROG}: interrupted; nothing is left running\n")
        return INTERRUPTED


def up(args: argparse.Namespace) -> int:
    """Start a stack in the background and say how to reach it, and what it holds."""
    with _Bars(sys.stderr if args.scale else None) as bars:
        sandbox = stack.start(
            args.state,
            faults=args.fault,
            scale=args.scale,
            seed=args.seed,
            tls=args.tls,
            s3=args.s3,
            repo=args.repo,
            db_url=args.db_url,
            on_progress=bars.show,
            timeout=SCALE_STEP_SECONDS if args.scale else START_SECONDS,
        )
    print(f"Sandbox running in {sandbox.state_dir} (pid {sandbox.pid})")
    _print_settings(sandbox.profile_path)
    _print_figures(sandbox.state_dir)
    print(f"Profile:  {sandbox.profile_path}  (check it with: woc-gate doctor --woc-config {sandbox.profile_path})")
    print(f"Env file: {sandbox.env_path}  (load it with: . {sandbox.env_path})")
    print(f"Stop it:  woc-gate sandbox down --state {sandbox.state_dir}")
    return 0


class _Bars:
    """One progress bar per unit a starting stack counts in (scale organizations, then objects), one after another."""

    def __init__(self, stream) -> None:
        self._stream = stream
        self._bar: Progress | None = None

    def __enter__(self) -> _Bars:
        return self

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)

    def show(self, step: stack.Step) -> None:
        """Draw ``step`` on the bar of its unit, closing the bar before when the unit changed."""
        if self._bar is None or self._bar.unit != step.unit:
            self.__exit__(None, None, None)
            self._bar = Progress(self._stream, total=step.total, unit=step.unit)
        self._bar.reach(step.done, step.label)


def down(args: argparse.Namespace) -> int:
    """Stop the stack of a state dir."""
    state_dir = args.state.resolve()
    if not stack.stop(state_dir):
        sys.stderr.write(f"{PROG}: no sandbox is running in {state_dir}; nothing to stop\n")
        return 1
    print(f"Sandbox in {state_dir} stopped")
    return 0


def status(args: argparse.Namespace) -> int:
    """Say whether a stack runs in a state dir, and where; exit 1 when none does."""
    running = stack.status(args.state)
    if running is None:
        print(f"No sandbox is running in {args.state.resolve()}")
        return 1
    if not running.ready:
        print(f"Sandbox in {running.state_dir} is starting (pid {running.pid})")
        return 0
    print(f"Sandbox running in {running.state_dir} (pid {running.pid})")
    _print_settings(running.profile_path)
    _print_figures(running.state_dir)
    print(f"Profile:  {running.profile_path}  (check it with: woc-gate doctor --woc-config {running.profile_path})")
    print(f"Env file: {running.env_path}")
    return 0


def faults(args: argparse.Namespace) -> int:
    """Print the fault catalogue: name, the gate item it must fail, the defect."""
    rows = [("FAULT", "ITEM", "DEFECT")] + [(f.name, f.item, f.defect) for f in FAULTS.values()]
    name_width = max(len(row[0]) for row in rows)
    item_width = max(len(row[1]) for row in rows)
    for name, item, defect in rows:
        print(f"{name:<{name_width}}  {item:<{item_width}}  {defect}")
    return 0


def masked(name: str, value: str) -> str:
    """A runbook variable's value as it may be printed: secrets as ``****``, URLs without their password."""
    return shown(held(name, value))


def endpoints(profile: dict) -> list[str]:
    """Where an operator reaches each part of a stack, from its profile: no password, no key."""
    env = profile["env"]
    web, api = env["NEXTAUTH_URL"], env["API_BASE_URL"]
    storage = f"on disk in {profile['screenshot_storage_dir']}"
    if "s3_endpoint" in profile:
        storage = (
            f"{profile['screenshot_storage']} at {profile['s3_endpoint']}"
            f" (access key {profile['s3_access_key_id']}, secret in the profile)"
        )
    return [
        f"web:      {web}",
        f"admin:    {web.rstrip('/')}{DEFAULT_ENDPOINTS['admin']}",
        f"API:      {api} (desktop: {env['WOC_API_URL']})",
        f"database: {env['DB_HOST']}:{env['DB_PORT']}, database {env['DB_NAME']}, user {env['DB_USER']}"
        " (password in the profile)",
        f"mail:     {profile['resend_api_url']} (Resend's API: GET /emails, GET /domains; read key in the profile)",
        f"storage:  {storage}",
    ]


def _print_settings(profile_path: Path) -> None:
    profile = tomllib.loads(profile_path.read_text())
    faults_on = profile.get("sandbox", {}).get("faults", [])
    print(f"  faults: {', '.join(faults_on) if faults_on else 'none'}")
    for line in endpoints(profile):
        print(f"  {line}")
    for name, value in profile["env"].items():
        print(f"  {name}={masked(name, value)}")
    for key, tenant in profile.get("smoke", {}).items():
        emails = ", ".join(value for field, value in tenant.items() if field.endswith("_email"))
        print(f"  smoke tenant {key}: {tenant['organization']} ({emails}; passwords in the profile)")


def _print_figures(state_dir: Path) -> None:
    for line in read_figures(state_dir).lines():
        print(f"  {line}")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Run the reference WorkOnClock stack on loopback")
    commands = parser.add_subparsers(required=True, metavar="COMMAND", parser_class=_Parser)
    start = commands.add_parser("up", help="Start a stack in the background")
    start.add_argument(
        "--fault",
        action="append",
        default=[],
        type=_checked(_fault),
        metavar="NAME",
        help="Start with this defect (repeatable)",
    )
    start.add_argument("--scale", type=_whole_number, default=0, metavar="N", help="Add N organizations of volume")
    start.add_argument("--seed", type=_whole_number, default=0, metavar="N", help="Seed of the generated data")
    start.add_argument("--tls", action="store_true", help="Serve over HTTPS with a throwaway CA")
    start.add_argument("--s3", action="store_true", help="Keep screenshots in an S3-compatible server (moto)")
    start.add_argument(
        "--repo",
        type=_checked(stack.checked_repo),
        metavar="DIR",
        help="WorkOnClock source tree (default: the reference tree)",
    )
    start.add_argument(
        "--db-url",
        type=_checked(_server_url),
        metavar="URL",
        help="Use this server (mysql://USER:PW@HOST:PORT/) instead of a throwaway one",
    )
    start.set_defaults(command=up)
    _add_state_option(start)
    for name, command, help_text in (("down", down, "Stop the stack"), ("status", status, "Show whether a stack runs")):
        _add_state_option(commands.add_parser(name, help=help_text)).set_defaults(command=command)
    commands.add_parser("faults", help="List the faults a stack can be started with").set_defaults(command=faults)
    return parser


def _add_state_option(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument(
        "--state",
        type=_state_dir,
        default=stack.DEFAULT_STATE_DIR,
        metavar="DIR",
        help="State directory of the stack (default ./.woc-gate-sandbox)",
    )
    return parser


def _checked(convert):
    """An argparse type from a converter that raises ``WocGateError``."""

    def checked(text: str):
        try:
            return convert(text)
        except WocGateError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    checked.__name__ = convert.__name__
    return checked


def _fault(name: str) -> str:
    check_fault_names([name])
    return name


def _server_url(url: str) -> str:
    parse_server_url(url)
    return url


def _state_dir(text: str) -> Path:
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{path} is a file; name a folder for the stack's state (made when missing)")
    return path


def _whole_number(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"must be a whole number of 0 or more, got {text!r}")
    return int(text)
