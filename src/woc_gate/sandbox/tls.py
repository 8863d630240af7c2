"""TLS for the stack: a throwaway CA and a server certificate for 127.0.0.1 and localhost, HSTS and the other
security headers, and http→https.

The certificates are built with ``cryptography``'s ``CertificateBuilder`` the way public CAs issue them
(a non-critical subjectAltName, serverAuth, key identifiers), so that sslyze accepts the chain. The
``tls-certificate-expiring`` fault issues the server certificate for a few days only.
"""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from starlette.responses import RedirectResponse

from woc_gate.sandbox.context import SandboxContext

HOSTS = ("127.0.0.1", "localhost")
HSTS = "max-age=63072000; includeSubDomains"
SECURITY_HEADERS = (
    (b"strict-transport-security", HSTS.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
)
SERVER_DAYS = 90
EXPIRING_SERVER_DAYS = 5  # inside any sensible warning window


@dataclass(frozen=True)
class TlsFiles:
    """The CA bundle clients trust, and the server's certificate chain and key."""

    ca_bundle: Path
    certificate: Path
    key: Path


def make_tls_files(directory: Path, *, expiring: bool = False) -> TlsFiles:
    """Make a new CA and a server certificate signed by it; write them (key mode 0600) under ``directory``."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "woc-gate sandbox"),
            x509.NameAttribute(NameOID.COMMON_NAME, "woc-gate sandbox CA"),
        ]
    )
    ca = (
        _builder(ca_name, ca_name, ca_key.public_key(), now, 3650)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.IPAddress(ipaddress.ip_address(HOSTS[0])), x509.DNSName(HOSTS[1])]
    days = EXPIRING_SERVER_DAYS if expiring else SERVER_DAYS
    server = (
        _builder(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOSTS[1])]), ca_name, key.public_key(), now, days)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    files = TlsFiles(directory / "ca.pem", directory / "server.pem", directory / "server.key")
    files.ca_bundle.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files.certificate.write_bytes(
        server.public_bytes(serialization.Encoding.PEM) + ca.public_bytes(serialization.Encoding.PEM)
    )
    files.key.touch(mode=0o600)
    files.key.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return files


def _builder(subject, issuer, public_key, start: datetime.datetime, days: int) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=days))
    )


def with_security_headers(app, ctx: SandboxContext):
    """The ASGI app with HSTS, ``nosniff`` and ``X-Frame-Options: DENY`` on every HTTP response.

    With ``hsts-only-after-redirect`` a redirect goes without them, as when the redirect is answered
    before the middleware that adds them: the page it ends on still sends them.
    """

    async def wrapped(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)

        async def send_with_headers(message):
            starts = message["type"] == "http.response.start"
            bare = starts and 300 <= message["status"] < 400 and ctx.has("hsts-only-after-redirect")
            if starts and not bare:
                message = {**message, "headers": [*message.get("headers", []), *SECURITY_HEADERS]}
            await send(message)

        await app(scope, receive, send_with_headers)

    return wrapped


def redirect_to(https_base: str):
    """An ASGI app answering every plain-HTTP request with a permanent redirect to the same path on ``https_base``."""

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        query = scope.get("query_string", b"").decode()
        target = https_base + scope["path"] + (f"?{query}" if query else "")
        await RedirectResponse(target, status_code=308)(scope, receive, send)

    return app
