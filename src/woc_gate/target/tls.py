"""TLS scans of the target's public endpoints with sslyze: what each endpoint serves, read once per run.

sslyze's results are turned into a plain ``TlsScan`` here, and a server that cannot be reached into a
``TargetError`` naming the endpoint; the checks judge the scans. An endpoint whose origin already failed
(``breaker.SURFACES``) is not scanned again. Before its scan, each endpoint must complete one TLS handshake
within the HTTP timeout: sslyze would wait out every protocol probe of a silent server (about a minute), and one
that does not answer trips its breaker, so the tests of that origin that follow fail at once.
"""

from __future__ import annotations

import math
import socket
import ssl
from collections.abc import Callable, Iterator
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

from ..errors import TargetError, TargetTimeout, TargetUnreachable
from .breaker import SURFACES

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
    urls: list[str],
    ca_bundle: Path | None,
    *,
    timeout: float,
    retries: int,
    scanned: Callable[[str], None] = lambda endpoint: None,
) -> dict[tuple[str, int], TlsScan | TargetError]:
    """Scan every distinct endpoint of ``urls`` at once, connecting within ``timeout`` seconds in at most ``retries``
    more tries; per endpoint, its scan or the error that stopped it. ``scanned`` is told each ``host:port`` as its
    scan ends (or is found impossible)."""
    extra = ScanCommandsExtraArguments(
        certificate_info=CertificateInfoExtraArgument(custom_ca_file=Path(ca_bundle)) if ca_bundle else None
    )
    found: dict[tuple[str, int], TlsScan | TargetError] = {}
    requests = []
    for host, port in dict.fromkeys(endpoint_of(url) for url in urls):
        silent = _silence(host, port, timeout)
        if silent is not None:
            found[host, port] = silent
            scanned(f"{host}:{port}")
            continue
        network = ServerNetworkConfiguration(
            tls_server_name_indication=host, network_timeout=math.ceil(timeout), network_max_retries=retries
        )
        requests.append(
            ServerScanRequest(
                server_location=ServerNetworkLocation(hostname=host, port=port),
                network_configuration=network,
                scan_commands=COMMANDS,
                scan_commands_extra_arguments=extra,
            )
        )
    store = CONFIGURED_STORE if ca_bundle else SYSTEM_STORE
    for result in _results(requests):
        host, port = result.server_location.hostname, result.server_location.port
        found[host, port] = _read(f"{host}:{port}", result, store)
        scanned(f"{host}:{port}")
    return found


def _silence(host: str, port: int, timeout: float) -> TargetError | None:
    """Why an endpoint cannot be scanned: down or silent, as earlier calls found or one handshake finds; else None."""
    breaker = SURFACES.of(f"https://{host}:{port}")
    if isinstance(breaker.failure, TargetTimeout | TargetUnreachable):
        return type(breaker.failure)(str(breaker.failure))
    try:
        handshake(host, port, timeout)
    except TargetTimeout as silent:
        breaker.trip(silent)
        return silent
    return None


def handshake(host: str, port: int, timeout: float) -> None:
    """Complete one TLS handshake with the endpoint (its certificate unchecked); a ``TargetTimeout`` if it is silent.

    Any other failure is left to the scan, which names it.
    """
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    try:
        with (
            socket.create_connection((host, port), timeout=timeout) as connection,
            context.wrap_socket(connection, server_hostname=host),
        ):
            return
    except TimeoutError:
        raise TargetTimeout(
            f"https://{host}:{port} did not complete a TLS handshake within {timeout:g} s;"
            " check the URL, or raise --woc-http-timeout for a slow target"
        ) from None
    except OSError:
        return


def _results(requests: list[ServerScanRequest]) -> Iterator:
    if not requests:
        return iter(())
    scanner = Scanner()
    scanner.queue_scans(requests)
    return scanner.get_results()


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
