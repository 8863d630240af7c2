"""The operator commands ``woc-gate backup`` and ``woc-gate restore-drill``: one line out, one line per error."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .. import config
from ..errors import WocGateError


def run_command(args: argparse.Namespace) -> int:
    """Run ``backup`` or ``restore-drill``; 0 on success, 1 on a drill finding, 2 on bad input, 4 without a target."""
    try:
        settings = config.load(options={"config": args.woc_config}, environ=os.environ, rootdir=Path.cwd())
        if args.command == "backup":
            return _backup(settings, args.out, args.force)
        return _drill(settings, args.file, args.into)
    except WocGateError as error:
        print(f"woc-gate: {_one_line(error)}", file=sys.stderr)
        return error.exit_status


def _one_line(error: WocGateError) -> str:
    return " ".join(str(error).split())


def _backup(settings, out: Path, force: bool) -> int:
    from .take import take_backup

    manifest = take_backup(settings, out, stream=sys.stderr, force=force)
    tables = len(manifest["row_counts"])
    print(f"Backup {out}: {manifest['file_size']} bytes, {manifest['checksum']}, {tables} tables; manifest beside it")
    return 0


def _drill(settings, dump_path: Path, into: str | None) -> int:
    from .drill import run_drill

    result = run_drill(settings, dump_path, into=into, stream=sys.stderr)
    for line in result.lines():
        print(line)
    return 0 if result.passed else 1
