"""A throwaway desktop release, signed at build time as a real one is: the installers and their manifest.

- Windows: a PE (pip's own ``t64.exe`` launcher stands in for the installer) signed with osslsigncode by
  a code-signing certificate of a throwaway CA, timestamped (RFC 3161) by a throwaway local TSA.
- Linux: an AppImage stand-in with a detached ASCII-armoured GPG signature by a throwaway key.
- macOS: a ``.dmg`` stand-in and the verification record a macOS runner would write for it.

``manifest.toml`` lists them with their SHA-256, the roots, publisher, key fingerprint and Team ID.
Faults: ``installer-unsigned`` ships the PE unsigned; ``installer-tampered`` changes the AppImage after
it was signed (the manifest lists the changed bytes, so only the signature gives it away).
"""

from __future__ import annotations

import datetime
import hashlib
import importlib.util
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import tomli_w
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from woc_gate.errors import SandboxError

VERSION = "1.0.0"
PUBLISHER = "WorkOnClock Sandbox Publisher"
TEAM_ID = "WOCSANDBOX"
WINDOWS = f"WorkOnClock-Setup-{VERSION}.exe"
LINUX = f"WorkOnClock-{VERSION}.AppImage"
MACOS = f"WorkOnClock-{VERSION}.dmg"
RELEASE_KEY_USER = "WorkOnClock Sandbox Release <release@workonclock.test>"


def build_release(directory: Path, faults: frozenset[str]) -> Path:
    """Build and sign the release under ``directory``; the path of its manifest."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    keys = directory / "keys"
    keys.mkdir(mode=0o700, exist_ok=True)
    roots = _sign_windows(directory, keys, signed="installer-unsigned" not in faults)
    fingerprint = _sign_linux(directory, keys, tampered="installer-tampered" in faults)
    (directory / MACOS).write_bytes(b"WorkOnClock macOS disk image stand-in " + VERSION.encode())
    record = {
        "artifact": MACOS,
        "sha256": _sha256(directory / MACOS),
        "team_id": TEAM_ID,
        "codesign_verify": "passed",
        "spctl_assess": "accepted",
        "stapler_validate": "passed",
        "runner": "sandbox (stands in for a macOS runner)",
    }
    (directory / f"{MACOS}.verification.json").write_text(json.dumps(record, indent=1))
    manifest = {
        "windows_roots": str(roots),
        "windows_publisher": PUBLISHER,
        "gpg_public_key": str(directory / "release-key.asc"),
        "gpg_fingerprint": fingerprint,
        "macos_team_id": TEAM_ID,
        "artifact": [
            {"path": WINDOWS, "platform": "windows", "sha256": _sha256(directory / WINDOWS)},
            {"path": LINUX, "platform": "linux", "sha256": _sha256(directory / LINUX), "signature": f"{LINUX}.asc"},
            {
                "path": MACOS,
                "platform": "macos",
                "sha256": _sha256(directory / MACOS),
                "verification_record": f"{MACOS}.verification.json",
            },
        ],
    }
    path = directory / "manifest.toml"
    path.write_text(tomli_w.dumps(manifest))
    return path


def _sign_windows(directory: Path, keys: Path, signed: bool) -> Path:
    unsigned = keys / "unsigned.exe"
    shutil.copyfile(_launcher(), unsigned)
    root_key, root = _certificate("WorkOnClock Sandbox Root CA", None, None, ca=True)
    signer_key, signer = _certificate(PUBLISHER, root_key, root, usage=ExtendedKeyUsageOID.CODE_SIGNING)
    tsa_root_key, tsa_root = _certificate("WorkOnClock Sandbox TSA Root", None, None, ca=True)
    tsa_key, tsa = _certificate(
        "WorkOnClock Sandbox TSA", tsa_root_key, tsa_root, usage=ExtendedKeyUsageOID.TIME_STAMPING
    )
    roots = directory / "windows-roots.pem"
    roots.write_bytes(_pem(root) + _pem(tsa_root))
    (keys / "signer.pem").write_bytes(_pem(signer) + _pem(root))
    (keys / "tsa.pem").write_bytes(_pem(tsa) + _pem(tsa_root))
    _write_key(keys / "signer.key", signer_key)
    _write_key(keys / "tsa.key", tsa_key)
    if not signed:
        shutil.copyfile(unsigned, directory / WINDOWS)
        return roots
    _run(
        "osslsigncode", "sign", "-certs", str(keys / "signer.pem"), "-key", str(keys / "signer.key"),
        "-n", "WorkOnClock", "-h", "sha256",
        "-TSA-certs", str(keys / "tsa.pem"), "-TSA-key", str(keys / "tsa.key"), "-TSA-time", str(int(time.time())),
        "-in", str(unsigned), "-out", str(directory / WINDOWS),
    )  # fmt: skip
    return roots


def _sign_linux(directory: Path, keys: Path, tampered: bool) -> str:
    artifact = directory / LINUX
    artifact.write_bytes(b"\x7fELF WorkOnClock AppImage stand-in " + VERSION.encode())
    # a short home: gpg-agent's socket path must fit in 108 bytes, which a deep state dir can exceed
    with tempfile.TemporaryDirectory(prefix="wocgpg-") as home:
        gpg = ("gpg", "--homedir", home, "--batch", "--pinentry-mode", "loopback", "--passphrase", "")
        try:
            _run(*gpg, "--quick-generate-key", RELEASE_KEY_USER, "ed25519", "sign", "1y")
            listing = _run(*gpg, "--with-colons", "--list-secret-keys")
            fingerprint = next(line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:"))
            _run(*gpg, "--armor", "--output", str(directory / "release-key.asc"), "--export", fingerprint)
            _run(*gpg, "--armor", "--detach-sign", "--output", f"{artifact}.asc", str(artifact))
        finally:
            subprocess.run(("gpgconf", "--homedir", home, "--kill", "all"), capture_output=True, check=False)
    if tampered:
        artifact.write_bytes(artifact.read_bytes() + b" tampered")
    return fingerprint


def _launcher() -> Path:
    spec = importlib.util.find_spec("pip")
    launcher = Path(spec.origin).parent / "_vendor" / "distlib" / "t64.exe" if spec and spec.origin else None
    if launcher is None or not launcher.is_file():
        raise SandboxError("the sandbox release needs a PE file to sign: pip's distlib t64.exe was not found")
    return launcher


def _certificate(name: str, issuer_key, issuer, *, ca: bool = False, usage=None):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "WorkOnClock Sandbox"),
        ]
    )
    now = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if usage is not None:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([usage]), critical=usage == ExtendedKeyUsageOID.TIME_STAMPING
        )
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
        )
    return key, builder.sign(issuer_key or key, hashes.SHA256())


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def _write_key(path: Path, key) -> None:
    path.touch(mode=0o600)
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )


def _run(*command: str) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        raise SandboxError(f"the sandbox release needs {command[0]}; run scripts/setup to install it") from None
    if done.returncode != 0:
        raise SandboxError(
            f"{command[0]} {command[1]} failed while building the sandbox release: {done.stderr.strip()[-300:]}"
        )
    return done.stdout


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
