"""The reference stack's record of the mutating requests its apps received, so a test can count what a run sent.

Each request whose method is not GET, HEAD or OPTIONS adds one line ``METHOD app /path`` to
``writes.log`` in the state dir, as it arrives; the file starts empty with each stack.
"""

from __future__ import annotations

from pathlib import Path

from woc_gate.target.writes import READ_METHODS

WRITE_LOG_FILE = "writes.log"


class WriteLog:
    """The state dir's ``writes.log``, emptied when the stack starts."""

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / WRITE_LOG_FILE
        self.path.write_text("")

    def around(self, app, name: str):
        """The ASGI app ``name``, each mutating request it receives added to the log."""

        async def logged(scope, receive, send):
            if scope["type"] == "http" and scope["method"] not in READ_METHODS:
                with self.path.open("a") as log:
                    log.write(f"{scope['method']} {name} {scope['path']}\n")
            await app(scope, receive, send)

        return logged


def logged_writes(state_dir: Path) -> list[str]:
    """The mutating requests the stack in ``state_dir`` received so far, in order: ``METHOD app /path``."""
    log = state_dir / WRITE_LOG_FILE
    return log.read_text().splitlines() if log.exists() else []
