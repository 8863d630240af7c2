"""The operator commands ``woc-gate backup`` and ``woc-gate restore-drill``: one line out, one line per error."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .. import config
from ..errors import ConfigError, WocGateError

MAX_JOBS = 256  # more jobs than that is a typo, and would exhaust the server's connections or the machine


def run_command(args: argparse.Namespace) -> int:
    """Run ``backup`` or ``restore-drill``; 0 on success, 1 on a drill finding, 2 on bad input, 4 without a target."""
    try:
        jobs = load_jobs(args.jobs) if args.command == "restore-drill" else None
        settings = config.load(options={"config": args.woc_config}, environ=os.environ, rootdir=Path.cwd())
        if args.command == "backup":
            return _backup(settings, args.out, args.force)
        return _drill(settings, args.file, args.into, jobs)
    except WocGateError as error:
        print(f"woc-gate: {_one_line(error)}", file=sys.stderr)
        return error.exit_status


def load_jobs(text: str | None) -> int | None:
    """``--jobs N`` as a number of load clients (None when not given: one per core); a ``ConfigError`` otherwise."""
    if text is None:
        return None
    if not text.strip().isdecimal() or not 1 <= int(text) <= MAX_JOBS:
        raise ConfigError(f"--jobs {text}: give a whole number of load jobs from 1 to {MAX_JOBS}, as myloader -t")
    return int(text)


def _one_line(error: WocGateError) -> str:
    return " ".join(str(error).split())


def _backup(settings, out: Path, force: bool) -> int:
    from .take import take_backup

    manifest = take_backup(settings, out, stream=sys.stderr, force=force)
    tables = len(manifest["row_counts"])
    print(f"Backup {out}: {manifest['file_size']} bytes, {manifest['checksum']}, {tables} tables; manifest beside it")
    return 0


def _drill(settings, dump_path: Path, into: str | None, jobs: int | None) -> int:
    from .drill import run_drill

    result = run_drill(settings, dump_path, into=into, stream=sys.stderr, jobs=jobs)
    for line in result.lines():
        print(line)
    return 0 if result.passed else 1
