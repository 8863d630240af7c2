"""A progress bar on a terminal; silence everywhere else (CI, pipes, files)."""

from __future__ import annotations

import time

WIDTH = 30
REDRAW_SECONDS = 0.1  # a bar fed on every line of a dump would otherwise spend its time drawing


class Progress:
    """``advance(label)`` moves the bar one step, ``reach(done, label)`` to a count; drawn only on a TTY."""

    def __init__(self, stream, *, total: int, unit: str) -> None:
        self.stream = stream
        self.total = max(total, 1)
        self.unit = unit
        self.done = 0
        self.started = time.monotonic()
        self.drawn = 0.0
        self.label = ""
        self.shown = bool(getattr(stream, "isatty", lambda: False)())

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        if self.shown:
            self._draw(time.monotonic())  # the last state, however soon after the one before
            self.stream.write("\n")
            self.stream.flush()

    def advance(self, label: str) -> None:
        """One more step, described by ``label`` (never past the total)."""
        self.reach(min(self.done + 1, self.total), label)

    def reach(self, done: int, label: str) -> None:
        """``done`` steps so far (a total that was an estimate grows with them), the current one ``label``."""
        self.total = max(self.total, done)
        self.done, self.label = done, label
        now = time.monotonic()
        if self.shown and now - self.drawn >= REDRAW_SECONDS:
            self._draw(now)

    def _draw(self, now: float) -> None:
        self.drawn = now
        filled = WIDTH * self.done // self.total
        bar = "#" * filled + "-" * (WIDTH - filled)
        counts = f"{self.done:,}/{self.total:,} {self.unit}"
        self.stream.write(f"\r[{bar}] {counts} {now - self.started:5.1f}s {self.label[:40]:<40}")
        self.stream.flush()
