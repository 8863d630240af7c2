"""SIGINT and SIGTERM handled alike by every operator command: an exception that unwinds, so ``finally`` runs.

Python ends on SIGTERM without unwinding, which leaves children running and partial files behind.
Inside ``signals_unwind`` both signals raise ``Interrupted`` (a ``KeyboardInterrupt``, so pytest stops
its run as it does on Ctrl-C) in the main thread; a second signal while the first unwinds is ignored,
so that the clean-up is not cut short. The command then ends with the shell's status, 128 + signal.
Work a command waits for is done on daemon threads (``in_background``): stopped, it waits for none of it.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass

HANDLED = (signal.SIGINT, signal.SIGTERM)


class Interrupted(KeyboardInterrupt):
    """The command received SIGINT or SIGTERM."""

    def __init__(self, number: int) -> None:
        super().__init__(f"stopped by {signal.Signals(number).name}")
        self.number = number


@dataclass
class Trap:
    """The signal the command received, if any."""

    number: int | None = None

    @property
    def name(self) -> str:
        """SIGINT or SIGTERM."""
        return signal.Signals(self.number).name if self.number else ""

    @property
    def exit_status(self) -> int:
        """What a shell reports for a command ended by this signal: 130 for SIGINT, 143 for SIGTERM."""
        return 128 + self.number if self.number else 0


@contextlib.contextmanager
def signals_unwind() -> Iterator[Trap]:
    """SIGINT and SIGTERM raise ``Interrupted`` while inside; the ``Trap`` says which one came."""
    trap = Trap()
    if threading.current_thread() is not threading.main_thread():  # only the main thread may set handlers
        yield trap
        return

    def interrupt(number, frame):
        if trap.number is None:
            trap.number = number
            raise Interrupted(number)

    previous = {number: signal.getsignal(number) for number in HANDLED}
    for number, handler in previous.items():
        if handler is not signal.SIG_IGN:  # as Python does: a command started with a signal ignored keeps it so
            signal.signal(number, interrupt)
    try:
        yield trap
    except Interrupted:
        pass
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def in_background(call: Callable, *args) -> Future:
    """``call(*args)`` on a daemon thread (a command stopped meanwhile does not wait for it): its result, when asked."""
    future = Future()

    def run() -> None:
        try:
            future.set_result(call(*args))
        except BaseException as error:  # raised again for whoever asks for the result
            future.set_exception(error)

    threading.Thread(target=run, daemon=True).start()
    return future
