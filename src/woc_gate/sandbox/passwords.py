"""Password hashes as the reference web app stores them: scrypt, a real KDF from the standard library."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

# A real KDF at a stand-in's cost: every gate run signs the smoke accounts in dozens of times, and at N=2**14 the
# hashing alone was a fifth of the stack's work in a tenant run. The stored form carries N, so any cost verifies.
_N, _R, _P = 2**12, 8, 1


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """Hash a password into the stored form ``scrypt$N$r$p$salt$hash`` (base64 parts)."""
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return "$".join(("scrypt", str(_N), str(_R), str(_P), _b64(salt), _b64(digest)))


def verify_password(password: str, stored: str) -> bool:
    """True when the password matches a hash made by ``hash_password``."""
    try:
        scheme, n, r, p, salt, expected = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    digest = hashlib.scrypt(password.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p), dklen=32)
    return hmac.compare_digest(digest, _unb64(expected))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text)
