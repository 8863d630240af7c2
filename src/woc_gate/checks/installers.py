"""Checks of the signed desktop installers (runbook §7): each artifact is the released one, and signed.

Windows: Authenticode (lief) — digest, chain to the configured roots, publisher, RFC 3161 timestamp by a
trusted TSA while the signing certificate was valid. Linux: a detached GPG signature by the pinned key.
macOS: nothing on Linux can verify a code signature or notarization; the checks read the verification
record a macOS runner wrote (codesign --verify --deep --strict, spctl, stapler validate) and match it
to the artifact's SHA-256 and the Team ID. lief and gnupg are read through ``target/signatures``.
"""

from __future__ import annotations

import hashlib
import json

from ..target import signatures
from ..target.release import Artifact
from ..target.signatures import Authenticode, Roots
from . import CheckFailure

RECORD_RESULTS = {"codesign_verify": "passed", "spctl_assess": "accepted", "stapler_validate": "passed"}


def artifact_matches_manifest(artifact: Artifact) -> None:
    """The artifact's SHA-256 is the one the release manifest gives."""
    __tracebackhide__ = True
    if not artifact.path.is_file():
        raise CheckFailure(f"installer {artifact.name} is missing", f"a file at {artifact.path}", "none")
    digest = hashlib.sha256(artifact.path.read_bytes()).hexdigest()
    if digest != artifact.sha256:
        raise CheckFailure(f"installer {artifact.name} is not the released one", artifact.sha256, digest)


def authenticode_signer(artifact: Artifact) -> Authenticode:
    """The signature of a PE whose Authenticode signature is present and matches the file's digest."""
    __tracebackhide__ = True
    signature = signatures.read_authenticode(artifact.path)
    if signature is None:
        raise CheckFailure(f"installer {artifact.name} is not a PE file", "a Windows PE (.exe/.msi)", "unreadable")
    if not signature.signed:
        raise CheckFailure(
            f"installer {artifact.name} carries no Authenticode signature", "an Authenticode signature", "none"
        )
    if signature.problem is not None:
        raise CheckFailure(
            f"the Authenticode signature of installer {artifact.name} does not verify", "OK", signature.problem
        )
    return signature


def chain_reaches_roots(artifact: Artifact, signer: Authenticode, roots: Roots) -> None:
    """The signing certificate chains to one of the configured roots."""
    __tracebackhide__ = True
    problem = signer.chain_problem(roots)
    if problem is not None:
        raise CheckFailure(
            f"the signer of installer {artifact.name} does not chain to the configured roots",
            "a chain to windows_roots",
            f"{signer.subject}: {problem}",
        )


def publisher_is(artifact: Artifact, signer: Authenticode, publisher: str) -> None:
    """The signing certificate's subject names the configured publisher (its CN)."""
    __tracebackhide__ = True
    names = [part.strip() for part in signer.subject.split(",")]
    if f"CN={publisher}" not in names:
        raise CheckFailure(
            f"installer {artifact.name} is signed by another publisher", f"CN={publisher}", signer.subject
        )


def timestamped_while_valid(artifact: Artifact, signer: Authenticode, roots: Roots) -> None:
    """A timestamp countersignature by a trusted TSA is present, and the signing certificate was valid then."""
    __tracebackhide__ = True
    if not signer.stamped:
        raise CheckFailure(
            f"installer {artifact.name} has no timestamp countersignature", "an RFC 3161 timestamp", "none"
        )
    when = signer.stamped_at
    if when is None or signer.timestamp_problem(roots) is not None:
        raise CheckFailure(
            f"the timestamp of installer {artifact.name} cannot be trusted",
            "a timestamp time signed by a TSA that chains to windows_roots",
            "no time" if when is None else "an untrusted TSA",
        )
    if not signer.valid_from <= when <= signer.valid_to:
        raise CheckFailure(
            f"installer {artifact.name} was signed outside its certificate's validity",
            f"a timestamp between {signer.valid_from:%Y-%m-%d} and {signer.valid_to:%Y-%m-%d}",
            f"{when:%Y-%m-%d %H:%M} UTC",
        )


def gpg_signature_verifies(artifact: Artifact, public_key: str, fingerprint: str) -> None:
    """The artifact's detached signature verifies with the pinned key (checked by fingerprint, not only valid)."""
    __tracebackhide__ = True
    if artifact.signature is None or not artifact.signature.is_file():
        raise CheckFailure(f"installer {artifact.name} has no detached signature", "a .asc or .sig file", "none")
    wanted = fingerprint.replace(" ", "").upper()
    verdict = signatures.verify_detached(artifact.path, artifact.signature, public_key)
    if not verdict.valid or wanted not in verdict.fingerprints:
        raise CheckFailure(
            f"the signature of installer {artifact.name} does not verify with the pinned key",
            f"a good signature by {wanted}",
            verdict.status or "no signature found",
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
