"""TLS for the stack: a throwaway CA and a server certificate for 127.0.0.1 and localhost, made with trustme."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import trustme

HOSTS = ("127.0.0.1", "localhost")


@dataclass(frozen=True)
class TlsFiles:
    """The CA bundle clients trust, and the server's certificate chain and key."""

    ca_bundle: Path
    certificate: Path
    key: Path


def make_tls_files(directory: Path) -> TlsFiles:
    """Make a new CA and a server certificate signed by it; write them (key mode 0600) under ``directory``."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    authority = trustme.CA(organization_name="woc-gate sandbox")
    server = authority.issue_cert(*HOSTS)
    files = TlsFiles(directory / "ca.pem", directory / "server.pem", directory / "server.key")
    authority.cert_pem.write_to_path(str(files.ca_bundle))
    for blob in server.cert_chain_pems:
        blob.write_to_path(str(files.certificate), append=True)
    files.key.touch(mode=0o600)
    server.private_key_pem.write_to_path(str(files.key))
    return files
