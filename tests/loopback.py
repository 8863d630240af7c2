"""Real misbehaving servers on loopback for the boundary tests: silent, plain HTTP, TLS with an unknown CA, cut short.

Each is a context manager yielding its base URL (``http://127.0.0.1:PORT``) or port; all stop on exit.
"""

import contextlib
import json
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import trustme


def free_port():
    """A TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def silent_server():
    """A server that accepts every connection and never sends a byte; its port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held = []

    def accept():
        with contextlib.suppress(OSError):
            while True:
                held.append(listener.accept()[0])

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()
        for connection in held:
            connection.close()


def answering(status, body, content_type="application/json"):
    """A request handler class that answers every GET and POST with this status and body."""
    payload = (json.dumps(body) if content_type == "application/json" else body).encode()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self):
            length = int(self.headers.get("content-length") or 0)
            self.rfile.read(length)
            self.send_response(status)
            self.send_header("content-type", content_type)
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _answer

        def log_message(self, *args):
            pass

    return Handler


def cut_short(announced, sent):
    """A request handler class that announces ``announced`` bytes on every GET, sends ``sent`` and hangs up."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("content-type", "application/octet-stream")
            self.send_header("content-length", str(announced))
            self.end_headers()
            self.wfile.write(b"\0" * sent)
            self.close_connection = True

        def log_message(self, *args):
            pass

    return Handler


@contextlib.contextmanager
def http_server(handler, *, tls_directory=None):
    """A threaded HTTP server with this handler; TLS signed by a CA nobody trusts when ``tls_directory`` is given."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    scheme = "http"
    if tls_directory is not None:
        authority = trustme.CA(organization_name="nobody trusts this")
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        authority.issue_cert("127.0.0.1").configure_cert(context)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        authority.cert_pem.write_to_path(str(tls_directory / "ca.pem"))
        scheme = "https"
    # polled often: shutdown() waits up to one poll interval (half a second by default) in every test's teardown
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    try:
        yield f"{scheme}://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
