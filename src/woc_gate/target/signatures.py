"""Installer signatures as lief (Authenticode) and gnupg (detached signatures) read them: the one place that calls them.

The checks get plain values: an ``Authenticode`` per Windows installer, a ``GpgVerdict`` per Linux
one, and the trusted ``Roots`` of the manifest. lief answers a file it cannot read with nothing and a
log line, gnupg a bad signature with a warning; both logs are quieted so that such a file shows as its
check's finding, not as library output.
A problem with the manifest's own files (roots, public key) or with gpg itself is a ``ConfigError``.
"""

from __future__ import annotations

import datetime
import logging
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gnupg
import lief
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, pkcs7

from ..errors import ConfigError
from .processes import run

COUNTERSIGNATURES = ("MS_COUNTER_SIGN", "PKCS9_COUNTER_SIGNATURE")
GPG_HINT = "run scripts/setup to install it"

lief.logging.disable()
logging.getLogger("gnupg").setLevel(logging.ERROR)


@dataclass(frozen=True)
class Roots:
    """The trusted roots of a PEM bundle, as lief certificates."""

    path: str
    certificates: list = field(repr=False)


def read_roots(path: str) -> Roots:
    """The trusted roots of the PEM bundle at ``path``; a ``ConfigError`` when it holds none."""
    try:
        certificates = x509.load_pem_x509_certificates(Path(path).read_bytes())
    except (OSError, ValueError):
        certificates = []
    if not certificates:
        raise ConfigError(f"the Windows roots {path} of the release manifest hold no PEM certificate")
    # lief 1.0 sets up its crypto library only once it has parsed a PKCS #7 blob; before that its x509.parse
    # fails on every certificate (mbedtls -0x3B00). A certificates-only PKCS #7 of the bundle sets it up.
    lief.PE.Signature.parse(list(pkcs7.serialize_certificates(certificates, Encoding.DER)))
    return Roots(path, lief.PE.x509.parse(path))


@dataclass(frozen=True)
class Authenticode:
    """An installer's Authenticode signature: whether it matches the file, its signer, its timestamp."""

    signed: bool
    problem: str | None = None  # None when the signature matches the file's digest, else lief's flags
    subject: str = ""  # the signing certificate's subject
    valid_from: datetime.datetime | None = None
    valid_to: datetime.datetime | None = None
    stamped: bool = False  # a timestamp countersignature is present
    stamped_at: datetime.datetime | None = None  # the time it vouches for
    _certificate: Any = field(default=None, repr=False, compare=False)
    _tsa_certificate: Any = field(default=None, repr=False, compare=False)

    def chain_problem(self, roots: Roots) -> str | None:
        """None when the signing certificate chains to ``roots``, else lief's flags."""
        return _trust_problem(self._certificate, roots)

    def timestamp_problem(self, roots: Roots) -> str | None:
        """None when the timestamp's TSA certificate chains to ``roots``, else why not."""
        if self._tsa_certificate is None:
            return "no TSA certificate"
        return _trust_problem(self._tsa_certificate, roots)


def read_authenticode(path: Path) -> Authenticode | None:
    """The Authenticode signature of the PE file at ``path``; None when it is no PE file."""
    binary = lief.PE.parse(str(path)) if path.is_file() else None
    if binary is None:
        return None
    if not binary.has_signatures:
        return Authenticode(signed=False)
    verdict = binary.verify_signature()
    signer = binary.signatures[0].signers[0]
    stamp = next((a for a in signer.unauthenticated_attributes if a.type.name in COUNTERSIGNATURES), None)
    tsa = stamp.signers[0] if stamp is not None and stamp.signers else None
    return Authenticode(
        signed=True,
        problem=None if verdict == lief.PE.Signature.VERIFICATION_FLAGS.OK else str(verdict),
        subject=signer.cert.subject,
        valid_from=_time(signer.cert.valid_from),
        valid_to=_time(signer.cert.valid_to),
        stamped=stamp is not None,
        stamped_at=_signing_time(tsa) if tsa is not None else None,
        _certificate=signer.cert,
        _tsa_certificate=_tsa_certificate(stamp, tsa) if tsa is not None else None,
    )


def _tsa_certificate(stamp, tsa):
    return next((c for c in stamp.certificates if c.serial_number == tsa.serial_number), None)


def _trust_problem(certificate, roots: Roots) -> str | None:
    verdict = certificate.is_trusted_by(roots.certificates)
    return None if verdict == lief.PE.x509.VERIFICATION_FLAGS.OK else str(verdict)


def _signing_time(tsa) -> datetime.datetime | None:
    attribute = next((a for a in tsa.authenticated_attributes if a.type.name == "PKCS9_SIGNING_TIME"), None)
    return _time(attribute.time) if attribute is not None else None


def _time(parts: list[int]) -> datetime.datetime:
    return datetime.datetime(*parts, tzinfo=datetime.UTC)


@dataclass(frozen=True)
class GpgVerdict:
    """What gpg says of a detached signature: whether it is good, by which key, in gpg's words."""

    valid: bool
    fingerprints: frozenset[str]  # the signing (sub)key's and its primary key's, upper case
    status: str


def verify_detached(path: Path, signature: Path, public_key: str) -> GpgVerdict:
    """gpg's verdict on ``signature`` over ``path``, in a keyring holding only the key at ``public_key``."""
    key = _read_public_key(public_key)
    with tempfile.TemporaryDirectory(prefix="wocgpg-") as home:
        try:
            gpg = gnupg.GPG(gnupghome=home)
        except (OSError, ValueError) as error:
            raise ConfigError(f"gpg cannot run: {error}; {GPG_HINT}") from error
        try:
            gpg.import_keys(key)
            with open(signature, "rb") as handle:
                verified = gpg.verify_file(handle, str(path))
        finally:
            # the agent gpg started for this keyring would outlive it
            kill = ["gpgconf", "--homedir", home, "--kill", "all"]
            run(kill, what="gpgconf", advice=GPG_HINT, error=ConfigError, capture_output=True)
    keys = frozenset(found.upper() for found in (verified.pubkey_fingerprint, verified.fingerprint) if found)
    return GpgVerdict(bool(verified.valid), keys, verified.status or "")


def _read_public_key(path: str) -> str:
    try:
        return Path(path).read_text()
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(
            f"cannot read the gpg_public_key {path} of the release manifest ({error}); give it an armored public key"
        ) from error
