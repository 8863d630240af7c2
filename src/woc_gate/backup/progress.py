"""A progress bar on a terminal; silence everywhere else (CI, pipes, files)."""

from __future__ import annotations

import time

WIDTH = 30


class Progress:
    """``advance(label)`` moves the bar one step; drawn on ``stream`` only when it is a TTY."""

    def __init__(self, stream, *, total: int, unit: str) -> None:
        self.stream = stream
        self.total = max(total, 1)
        self.unit = unit
        self.done = 0
        self.started = time.monotonic()
        self.shown = bool(getattr(stream, "isatty", lambda: False)())

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()

    def advance(self, label: str) -> None:
        """One more step, described by ``label``."""
        self.done = min(self.done + 1, self.total)
        if not self.shown:
            return
        filled = WIDTH * self.done // self.total
        elapsed = time.monotonic() - self.started
        bar = "#" * filled + "-" * (WIDTH - filled)
        self.stream.write(f"\r[{bar}] {self.done}/{self.total} {self.unit} {elapsed:5.1f}s {label[:40]:<40}")
        self.stream.flush()
