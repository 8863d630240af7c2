"""Checks of the signed desktop installers (runbook §7): each artifact is the released one, and signed.

Windows: Authenticode (lief) — digest, chain to the configured roots, publisher, RFC 3161 timestamp by a
trusted TSA while the signing certificate was valid. Linux: a detached GPG signature by the pinned key.
macOS: nothing on Linux can verify a code signature or notarization; the checks read the verification
record a macOS runner wrote (codesign --verify --deep --strict, spctl, stapler validate) and match it
to the artifact's SHA-256 and the Team ID.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import subprocess
import tempfile
from pathlib import Path

import gnupg
import lief
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, pkcs7

from ..errors import ConfigError
from ..target.release import Artifact
from . import CheckFailure

COUNTERSIGNATURES = ("MS_COUNTER_SIGN", "PKCS9_COUNTER_SIGNATURE")
RECORD_RESULTS = {"codesign_verify": "passed", "spctl_assess": "accepted", "stapler_validate": "passed"}


def artifact_matches_manifest(artifact: Artifact) -> None:
    """The artifact's SHA-256 is the one the release manifest gives."""
    __tracebackhide__ = True
    if not artifact.path.is_file():
        raise CheckFailure(f"installer {artifact.name} is missing", f"a file at {artifact.path}", "none")
    digest = hashlib.sha256(artifact.path.read_bytes()).hexdigest()
    if digest != artifact.sha256:
        raise CheckFailure(f"installer {artifact.name} is not the released one", artifact.sha256, digest)


def authenticode_signer(artifact: Artifact):
    """The signer of a PE whose Authenticode signature is present and matches the file's digest."""
    __tracebackhide__ = True
    binary = lief.PE.parse(str(artifact.path)) if artifact.path.is_file() else None
    if binary is None:
        raise CheckFailure(f"installer {artifact.name} is not a PE file", "a Windows PE (.exe/.msi)", "unreadable")
    if not binary.has_signatures:
        raise CheckFailure(
            f"installer {artifact.name} carries no Authenticode signature", "an Authenticode signature", "none"
        )
    verdict = binary.verify_signature()
    if verdict != lief.PE.Signature.VERIFICATION_FLAGS.OK:
        raise CheckFailure(
            f"the Authenticode signature of installer {artifact.name} does not verify", "OK", str(verdict)
        )
    return binary.signatures[0].signers[0]


def read_roots(path: str) -> list:
    """The trusted roots of a PEM bundle, as lief certificates."""
    try:
        certificates = x509.load_pem_x509_certificates(Path(path).read_bytes())
    except (OSError, ValueError):
        certificates = []
    if not certificates:
        raise ConfigError(f"the Windows roots {path} of the release manifest hold no PEM certificate")
    # lief 1.0 sets up its crypto library only once it has parsed a PKCS #7 blob; before that its x509.parse
    # fails on every certificate (mbedtls -0x3B00). A certificates-only PKCS #7 of the bundle sets it up.
    lief.PE.Signature.parse(list(pkcs7.serialize_certificates(certificates, Encoding.DER)))
    return lief.PE.x509.parse(path)


def chain_reaches_roots(artifact: Artifact, signer, roots: list) -> None:
    """The signing certificate chains to one of the configured roots."""
    __tracebackhide__ = True
    verdict = signer.cert.is_trusted_by(roots)
    if verdict != lief.PE.x509.VERIFICATION_FLAGS.OK:
        raise CheckFailure(
            f"the signer of installer {artifact.name} does not chain to the configured roots",
            "a chain to windows_roots",
            f"{signer.cert.subject}: {verdict}",
        )


def publisher_is(artifact: Artifact, signer, publisher: str) -> None:
    """The signing certificate's subject names the configured publisher (its CN)."""
    __tracebackhide__ = True
    names = [part.strip() for part in signer.cert.subject.split(",")]
    if f"CN={publisher}" not in names:
        raise CheckFailure(
            f"installer {artifact.name} is signed by another publisher", f"CN={publisher}", signer.cert.subject
        )


def timestamped_while_valid(artifact: Artifact, signer, roots: list) -> None:
    """A timestamp countersignature by a trusted TSA is present, and the signing certificate was valid then."""
    __tracebackhide__ = True
    stamp = next((a for a in signer.unauthenticated_attributes if a.type.name in COUNTERSIGNATURES), None)
    if stamp is None:
        raise CheckFailure(
            f"installer {artifact.name} has no timestamp countersignature", "an RFC 3161 timestamp", "none"
        )
    tsa = stamp.signers[0] if stamp.signers else None
    when = _signing_time(tsa) if tsa is not None else None
    tsa_cert = next((c for c in stamp.certificates if tsa and c.serial_number == tsa.serial_number), None)
    if when is None or tsa_cert is None or tsa_cert.is_trusted_by(roots) != lief.PE.x509.VERIFICATION_FLAGS.OK:
        raise CheckFailure(
            f"the timestamp of installer {artifact.name} cannot be trusted",
            "a timestamp time signed by a TSA that chains to windows_roots",
            "no time" if when is None else "an untrusted TSA",
        )
    valid_from, valid_to = (_time(signer.cert.valid_from), _time(signer.cert.valid_to))
    if not valid_from <= when <= valid_to:
        raise CheckFailure(
            f"installer {artifact.name} was signed outside its certificate's validity",
            f"a timestamp between {valid_from:%Y-%m-%d} and {valid_to:%Y-%m-%d}",
            f"{when:%Y-%m-%d %H:%M} UTC",
        )


def _signing_time(tsa) -> datetime.datetime | None:
    attribute = next((a for a in tsa.authenticated_attributes if a.type.name == "PKCS9_SIGNING_TIME"), None)
    return _time(attribute.time) if attribute is not None else None


def _time(parts: list[int]) -> datetime.datetime:
    return datetime.datetime(*parts, tzinfo=datetime.UTC)


def gpg_signature_verifies(artifact: Artifact, public_key: str, fingerprint: str) -> None:
    """The artifact's detached signature verifies with the pinned key (checked by fingerprint, not only valid)."""
    __tracebackhide__ = True
    if artifact.signature is None or not artifact.signature.is_file():
        raise CheckFailure(f"installer {artifact.name} has no detached signature", "a .asc or .sig file", "none")
    wanted = fingerprint.replace(" ", "").upper()
    with tempfile.TemporaryDirectory(prefix="wocgpg-") as home:
        try:
            gpg = gnupg.GPG(gnupghome=home)
        except (OSError, ValueError) as error:
            raise ConfigError(f"gpg cannot run: {error}; run scripts/setup to install it") from None
        try:
            gpg.import_keys(Path(public_key).read_text())
            with open(artifact.signature, "rb") as signature:
                verified = gpg.verify_file(signature, str(artifact.path))
        finally:
            subprocess.run(("gpgconf", "--homedir", home, "--kill", "all"), capture_output=True, check=False)
    signer = (verified.pubkey_fingerprint or verified.fingerprint or "").upper()
    if not verified.valid or wanted not in (signer, (verified.fingerprint or "").upper()):
        raise CheckFailure(
            f"the signature of installer {artifact.name} does not verify with the pinned key",
            f"a good signature by {wanted}",
            verified.status or "no signature found",
        )


def macos_record_matches(artifact: Artifact, team_id: str) -> None:
    """The macOS runner's verification record is for these bytes, this Team ID, and every check passed."""
    __tracebackhide__ = True
    path = artifact.verification_record
    if path is None or not path.is_file():
        raise CheckFailure(
            f"installer {artifact.name} has no macOS verification record", "a JSON record from a macOS runner", "none"
        )
    try:
        record = json.loads(path.read_text())
    except ValueError:
        raise CheckFailure(f"the macOS verification record {path.name} is not JSON", "a JSON object", "") from None
    digest = hashlib.sha256(artifact.path.read_bytes()).hexdigest()
    wrong = [f"{key} {record.get(key)}" for key, ok in RECORD_RESULTS.items() if record.get(key) != ok]
    if record.get("sha256") != digest:
        wrong.insert(0, "sha256 of other bytes")
    if record.get("team_id") != team_id:
        wrong.append(f"team_id {record.get('team_id')}")
    if wrong:
        raise CheckFailure(
            f"the macOS verification record of installer {artifact.name} does not vouch for it",
            f"sha256 of the artifact, team_id {team_id}, codesign passed, spctl accepted, stapler passed",
            "; ".join(wrong),
        )
