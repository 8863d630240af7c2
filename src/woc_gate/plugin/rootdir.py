"""Path options in their space form must not move pytest's rootdir off the suite.

pytest picks its rootdir and ini file before it loads plugins, so in ``--woc-config /srv/staging.toml``
it does not yet know ``--woc-config`` and takes ``/srv/staging.toml`` for a test path: a path outside
the current folder moves the rootdir there and the suite's ``pytest.ini`` is silently ignored. Rather
than redo pytest's choice through its private attributes, such a run stops with one line naming the
fix: the ``=`` form, or ``-c PATH`` naming the ini (which ``woc-gate run`` passes).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ..config import OPTIONS

RUN_PATH_OPTIONS = ("--woc-config", "--gate-report", "--gate-markdown")  # the plugin's own; the rest are settings
PATH_OPTIONS = (*RUN_PATH_OPTIONS, *(option.flag for option in OPTIONS if option.flag and option.kind is Path))
INI_CHOICES = ("-c", "--config-file")  # an ini named outright: test paths no longer decide rootdir and ini


def check_space_form_paths(args: list[str], invocation_dir: Path) -> None:
    """A ``pytest.UsageError`` when a path option's space-form value lies outside the invocation folder."""
    if any(arg.split("=", 1)[0] in INI_CHOICES for arg in args):
        return
    for option, value in zip(args, args[1:], strict=False):
        if option in PATH_OPTIONS and not _inside(invocation_dir / value, invocation_dir):
            raise pytest.UsageError(
                f"woc-gate: write {option}={value} (with '='): in the space form pytest reads {value} as a test path"
                " before woc-gate's options are known and moves its rootdir off the suite; or name the ini with -c"
            )


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())
