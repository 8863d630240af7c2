"""TLS scans of the target's public endpoints with sslyze: what each endpoint serves, read once per run.

sslyze's results are turned into a plain ``TlsScan`` here, and a server that cannot be reached into a
``TargetError`` naming the endpoint; the checks judge the scans.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from cryptography import x509
from sslyze import (
    CertificateInfoExtraArgument,
    ScanCommand,
    ScanCommandAttemptStatusEnum,
    ScanCommandsExtraArguments,
    Scanner,
    ServerNetworkConfiguration,
    ServerNetworkLocation,
    ServerScanRequest,
    ServerScanStatusEnum,
)

from ..errors import TargetError

PROTOCOLS = {
    "SSL 2.0": "ssl_2_0_cipher_suites",
    "SSL 3.0": "ssl_3_0_cipher_suites",
    "TLS 1.0": "tls_1_0_cipher_suites",
    "TLS 1.1": "tls_1_1_cipher_suites",
    "TLS 1.2": "tls_1_2_cipher_suites",
    "TLS 1.3": "tls_1_3_cipher_suites",
}
COMMANDS = {ScanCommand.CERTIFICATE_INFO, *(ScanCommand(attribute) for attribute in PROTOCOLS.values())}
SYSTEM_STORE = "Mozilla"
CONFIGURED_STORE = "Supplied CA file"


@dataclass(frozen=True)
class TlsScan:
    """What one HTTPS endpoint serves: its chain and whether it validates, and its protocols."""

    endpoint: str  # host:port
    chain: tuple[x509.Certificate, ...]
    validation_error: str | None  # None when the chain validates for the host against the trusted roots
    protocols: frozenset[str]  # the protocol versions the server accepts


def endpoint_of(url: str) -> tuple[str, int]:
    """The host and port of an https URL."""
    parts = urlsplit(url)
    return parts.hostname or "", parts.port or 443


def scan(
    urls: list[str], ca_bundle: Path | None, scanned: Callable[[str], None] = lambda endpoint: None
) -> dict[tuple[str, int], TlsScan | TargetError]:
    """Scan every distinct endpoint of ``urls`` at once; per endpoint, its scan or the error that stopped it.

    ``scanned`` is told each ``host:port`` as its scan ends.
    """
    extra = ScanCommandsExtraArguments(
        certificate_info=CertificateInfoExtraArgument(custom_ca_file=Path(ca_bundle)) if ca_bundle else None
    )
    requests = {}
    for host, port in dict.fromkeys(endpoint_of(url) for url in urls):
        location = ServerNetworkLocation(hostname=host, port=port)
        requests[host, port] = ServerScanRequest(
            server_location=location,
            network_configuration=ServerNetworkConfiguration.default_for_server_location(location),
            scan_commands=COMMANDS,
            scan_commands_extra_arguments=extra,
        )
    scanner = Scanner()
    scanner.queue_scans(list(requests.values()))
    found: dict[tuple[str, int], TlsScan | TargetError] = {}
    for result in scanner.get_results():
        key = (result.server_location.hostname, result.server_location.port)
        found[key] = _read(f"{key[0]}:{key[1]}", result, CONFIGURED_STORE if ca_bundle else SYSTEM_STORE)
        scanned(f"{key[0]}:{key[1]}")
    return found


def _read(endpoint: str, result, store: str) -> TlsScan | TargetError:
    if result.scan_status != ServerScanStatusEnum.COMPLETED:
        trace = result.connectivity_error_trace
        reason = str(trace).strip().splitlines()[-1] if trace else result.scan_status.name
        return TargetError(f"cannot open a TLS connection to {endpoint}: {reason}")
    attempts = result.scan_result
    certificate = attempts.certificate_info
    if certificate.status != ScanCommandAttemptStatusEnum.COMPLETED:
        return TargetError(f"cannot read the certificate of {endpoint}: {certificate.error_reason}")
    deployment = certificate.result.certificate_deployments[0]
    validation = next(v for v in deployment.path_validation_results if v.trust_store.name == store)
    protocols = frozenset(
        name
        for name, attribute in PROTOCOLS.items()
        if getattr(attempts, attribute).status == ScanCommandAttemptStatusEnum.COMPLETED
        and getattr(attempts, attribute).result.accepted_cipher_suites
    )
    return TlsScan(
        endpoint=endpoint,
        chain=tuple(deployment.received_certificate_chain),
        validation_error=None if validation.was_validation_successful else str(validation.validation_error),
        protocols=protocols,
    )
