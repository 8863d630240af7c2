"""Checks that secrets are strong and distinct; a failure names the variable and the rule, never the value."""

from __future__ import annotations

import hashlib
import re
import string
from collections.abc import Mapping

from zxcvbn import zxcvbn

from . import CheckFailure

MIN_LENGTH = 32
MIN_DISTINCT_CHARACTERS = 12
MIN_ZXCVBN_SCORE = 3
ZXCVBN_MAX_LENGTH = 256
PLACEHOLDERS = re.compile(
    r"change.?me|secret|example|passw(or|0)d|placeholder|default|dummy|sample|replace.?me|your.?(key|secret|token)"
    r"|qwerty|letmein|not.?set",
    re.IGNORECASE,
)
REPEATED = re.compile(r"(.)\1{4,}")  # five or more of one character in a row
SEQUENCE_RUN = 5  # five or more consecutive characters of an alphabet (abcde, 12345, edcba)
ALPHABETS = (string.ascii_lowercase, string.ascii_uppercase, string.digits)


def weaknesses(value: str) -> list[str]:
    """What makes a secret weak, as rules (never quoting the value); empty when it is strong."""
    found = []
    if len(value) < MIN_LENGTH:
        found.append(f"{len(value)} characters, fewer than {MIN_LENGTH}")
    if len(set(value)) < MIN_DISTINCT_CHARACTERS:
        found.append(f"{len(set(value))} distinct characters, fewer than {MIN_DISTINCT_CHARACTERS}")
    if sum(any(c in alphabet for c in value) for alphabet in (*ALPHABETS, string.punctuation)) < 2:
        found.append("a single character class")
    if PLACEHOLDERS.search(value):
        found.append("a placeholder word")
    if REPEATED.search(value):
        found.append("a character repeated five or more times")
    if _has_sequence(value):
        found.append(f"a run of {SEQUENCE_RUN} or more consecutive characters")
    if not found:  # zxcvbn is one signal, asked only when the rules above find nothing
        score = zxcvbn(value, max_length=ZXCVBN_MAX_LENGTH)["score"]
        if score < MIN_ZXCVBN_SCORE:
            found.append(f"zxcvbn score {score} of 4")
    return found


def _has_sequence(value: str) -> bool:
    lowered = value.lower()
    for alphabet in (string.ascii_lowercase, string.digits, "qwertyuiop", "asdfghjkl", "zxcvbnm"):
        for pattern in (alphabet, alphabet[::-1]):
            for start in range(len(pattern) - SEQUENCE_RUN + 1):
                if pattern[start : start + SEQUENCE_RUN] in lowered:
                    return True
    return False


def secret_is_set_and_strong(name: str, value: str | None) -> None:
    """``name`` is set and strong."""
    __tracebackhide__ = True
    if not value:
        raise CheckFailure(f"{name} is not set", "a strong random secret", "nothing")
    found = weaknesses(value)
    if found:
        raise CheckFailure(
            f"{name} is weak",
            f"at least {MIN_LENGTH} random characters of two or more classes, no placeholder, run or repetition",
            "; ".join(found),
        )


def secrets_are_distinct(values: Mapping[str, str | None]) -> None:
    """No two of the set secrets are equal (compared by SHA-256 digest)."""
    __tracebackhide__ = True
    by_digest: dict[str, list[str]] = {}
    for name, value in values.items():
        if value:
            by_digest.setdefault(hashlib.sha256(value.encode()).hexdigest(), []).append(name)
    shared = [" = ".join(names) for names in by_digest.values() if len(names) > 1]
    if shared:
        raise CheckFailure("secrets are reused", "every secret distinct", "; ".join(shared))
