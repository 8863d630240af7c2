"""Which Chromium the browser flows launch, and how: the launch options pytest-playwright passes on.

The executable is, in order: ``WOC_GATE_BROWSER``, ``[browser] executable`` in the profile,
Playwright's own Chromium when it is installed, Debian's ``/usr/lib/chromium/chromium``.

The browser trusts exactly what the HTTP clients trust. Before launch, the web app's chain is verified in
Python against the CA bundle (with the host name), as every client does; a chain that does not verify
fails the browser tests with the HTTP clients' finding. Chromium is then given the SHA-256 of the served
certificate's public key in ``--ignore-certificate-errors-spki-list``, which lets it accept that one key
(with any certificate error) and nothing else. The CA's own key is not pinned: Chromium matches the keys
of every certificate the server *presents* without checking that they signed the leaf, so anyone could
append the (public) CA certificate to a chain of their own; the leaf's key is only usable by whoever holds
its private key. ``ignore_https_errors`` is left for ``--woc-tls-verify=false`` alone.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .config import Settings
from .errors import ConfigError

BROWSER_VARIABLE = "WOC_GATE_BROWSER"
DEBIAN_CHROMIUM = Path("/usr/lib/chromium/chromium")  # /usr/bin/chromium is a wrapper script
QUIET_ARGS = ("--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run")


def browser_executable(settings: Settings, playwright_own: str | None, environ: Mapping[str, str] = os.environ) -> Path:
    """The Chromium to launch; a ``ConfigError`` naming what was tried when none is there."""
    configured = environ.get(BROWSER_VARIABLE) or settings.browser.get("executable")
    if configured:
        path = Path(configured)
        if not os.access(path, os.X_OK):
            where = BROWSER_VARIABLE if environ.get(BROWSER_VARIABLE) else "[browser] executable"
            raise ConfigError(f"the browser {path} ({where}) is not an executable file")
        return path
    for candidate in (playwright_own, DEBIAN_CHROMIUM):
        if candidate and os.access(candidate, os.X_OK):
            return Path(candidate)
    raise ConfigError(
        f"no Chromium found: install Debian's chromium ({DEBIAN_CHROMIUM}), or set {BROWSER_VARIABLE} "
        "or [browser] executable in the profile"
    )


def spki_pin(certificate: bytes) -> str:
    """The SHA-256 of a DER certificate's public key (its SubjectPublicKeyInfo) in base64, as Chromium takes it."""
    from cryptography import x509  # loads with the first browser test over https, not with the plugin
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    key = x509.load_der_x509_certificate(certificate).public_key()
    digest = hashlib.sha256(key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)).digest()
    return base64.b64encode(digest).decode()


def launch_args(
    executable: Path, profile_dir: Path, *, trusted: tuple[bytes, ...] = (), as_root: bool | None = None
) -> dict[str, Any]:
    """Playwright launch options: the executable, quiet flags, Chromium's files kept in ``profile_dir``.

    ``trusted``: DER certificates whose keys Chromium accepts (each verified against the CA bundle before).
    """
    as_root = os.geteuid() == 0 if as_root is None else as_root
    args = [*QUIET_ARGS, *(["--no-sandbox"] if as_root else [])]  # Chromium refuses to sandbox as root
    if trusted:
        args.append("--ignore-certificate-errors-spki-list=" + ",".join(spki_pin(der) for der in trusted))
    env = {**os.environ, "XDG_CONFIG_HOME": str(profile_dir / "config"), "XDG_CACHE_HOME": str(profile_dir / "cache")}
    return {"executable_path": str(executable), "args": args, "env": env}
