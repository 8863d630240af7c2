"""The stack's ASGI apps behind real HTTP: one uvicorn server per app, all in one asyncio loop."""

from __future__ import annotations

import asyncio
import contextlib
import socket

import uvicorn

from woc_gate.errors import SandboxError
from woc_gate.sandbox.tls import TlsFiles

GRACEFUL_SHUTDOWN_SECONDS = 3


class Listener:
    """A loopback socket bound before the apps exist, so their URLs are known when they are built."""

    def __init__(self, tls: TlsFiles | None) -> None:
        self.tls = tls
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # Accepted sockets inherit it: without it every keep-alive answer waits ~40 ms for a delayed ACK.
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.socket.bind(("127.0.0.1", 0))
        # Listening at once holds the port: a socket only bound (with SO_REUSEADDR, as before) could be handed the
        # same port by another bind to port 0, and its server then failed to start with "Address already in use".
        self.socket.listen()

    @property
    def url(self) -> str:
        """The base URL clients use (no trailing slash)."""
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self.socket.getsockname()[1]}"


class _AppServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self):
        yield  # the daemon handles SIGTERM and SIGINT for all servers at once


class Servers:
    """Running uvicorn servers, started and stopped together."""

    def __init__(self) -> None:
        self._running: list[tuple[_AppServer, asyncio.Task]] = []

    async def start(self, name: str, app, listener: Listener) -> None:
        """Serve ``app`` on the listener's socket; returns once it accepts connections."""
        tls = listener.tls
        config = uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
            ssl_certfile=str(tls.certificate) if tls else None,
            ssl_keyfile=str(tls.key) if tls else None,
        )
        server = _AppServer(config)
        task = asyncio.create_task(server.serve(sockets=[listener.socket]))
        self._running.append((server, task))
        while not server.started:
            if task.done():
                raise SandboxError(f"the {name} app did not start: {_failure(task)}; see the daemon log")
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        """Ask every server to finish its requests and stop; wait for them."""
        for server, _ in self._running:
            server.should_exit = True
        await asyncio.gather(*(task for _, task in self._running), return_exceptions=True)
        self._running.clear()


def _failure(task: asyncio.Task) -> str:
    error = task.exception()
    if isinstance(error, SystemExit):
        return "its startup (lifespan) failed"
    return f"{type(error).__name__}: {error}" if error else "it stopped at once"
