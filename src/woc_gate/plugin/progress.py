"""``woc_progress``: a progress bar on pytest's terminal for a long step of a fixture (the TLS scans)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator

import pytest

from ..backup.progress import Progress


class _Terminal:
    """pytest's terminal, written between its captures as pytest's live logging writes; a bar starts a line."""

    def __init__(self, capture) -> None:
        self.capture = capture
        self.started = False

    def isatty(self) -> bool:
        with self.capture.global_and_fixture_disabled():
            return sys.stdout.isatty()

    def write(self, text: str) -> None:
        with self.capture.global_and_fixture_disabled():
            sys.stdout.write(text if self.started else "\n" + text)
            sys.stdout.flush()
        self.started = True

    def flush(self) -> None:
        """Each write is flushed already."""


@pytest.fixture(scope="session")
def woc_progress(pytestconfig: pytest.Config) -> Callable[..., contextlib.AbstractContextManager[Progress]]:
    """``with woc_progress(what, total, unit) as bar``: a bar on the terminal, quiet elsewhere (CI, pipes, workers)."""
    capture = pytestconfig.pluginmanager.getplugin("capturemanager")
    shown = capture is not None and not hasattr(pytestconfig, "workerinput")

    @contextlib.contextmanager
    def progress(what: str, total: int, unit: str) -> Iterator[Progress]:
        with Progress(_Terminal(capture) if shown else None, total=total, unit=unit) as bar:
            bar.reach(0, what)
            yield bar

    return progress
