"""Signed-off attestations for the gate items no test can prove (legal/privacy, installers).

The file is TOML, one ``[[attestation]]`` table each::

    [[attestation]]
    item = "legal-privacy"
    approver = "Dana Reyes"
    role = "privacy/security owner"
    date = 2026-11-20
    evidence = "https://tickets.example.com/LEGAL-42"

On a ``migration-runbook`` attestation by the technical owner, ``migration = "NAME"`` approves
maintenance mode for that pending migration (runbook §3: destructive or long-running), and
``runtime_sql = "FILE:LINE"`` vouches for a runtime SQL statement built at run time, which the gate
cannot prepare (the path as the gate reports it, relative to the checkout).

A malformed file is an ``AttestationError`` naming the line. An attestation by a role not allowed
for its item, undated, dated in the future or older than the window is kept but does not count.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from .errors import AttestationError
from .gate import ITEMS_BY_ID, ROLES, TECHNICAL_OWNER, known_ids

_HEADER = re.compile(r"^\s*\[\[\s*attestation\s*\]\]")
_REQUIRED = ("item", "approver", "role", "evidence")
MIGRATION_ITEM = "migration-runbook"
_MIGRATION_KEYS = {"migration": "a migration's folder name", "runtime_sql": "a runtime statement's file:line"}


@dataclass(frozen=True)
class Attestation:
    """One sign-off, and whether it counts."""

    item: str
    approver: str
    role: str
    date: dt.date | None
    evidence: str
    valid: bool
    reason: str = ""
    migration: str | None = None  # for migration-runbook: the migration whose maintenance mode it approves
    runtime_sql: str | None = None  # for migration-runbook: "file:line" of a runtime statement built at run time


def load(path: Path, *, today: dt.date, max_age_days: int) -> list[Attestation]:
    """Read and judge every attestation in the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise AttestationError(f"cannot read attestations file {path}: {error.strerror}") from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise AttestationError(f"attestations file {path} is not valid TOML: {error}") from None
    entries = document.get("attestation", [])
    unknown = sorted(set(document) - {"attestation"})
    if unknown or not isinstance(entries, list):
        raise AttestationError(
            f"attestations file {path}: unexpected key {(unknown or ['attestation'])[0]!r}; "
            "write one [[attestation]] table per sign-off"
        )
    lines = _header_lines(text)
    return [
        _parse(entry, f"{path}:{line}", today=today, max_age_days=max_age_days)
        for entry, line in zip(entries, lines, strict=False)
    ]


def attested_items(attestations: list[Attestation]) -> set[str]:
    """The items at least one valid attestation covers."""
    return {attestation.item for attestation in attestations if attestation.valid}


def refusals(attestations: list[Attestation]) -> dict[str, str]:
    """Why each item's attestations do not count (the first reason per item), for items with none that does."""
    counted = attested_items(attestations)
    reasons: dict[str, str] = {}
    for attestation in attestations:
        if attestation.item not in counted:
            reasons.setdefault(attestation.item, f"attestation by {attestation.approver}: {attestation.reason}")
    return reasons


def maintenance_approved(attestations: list[Attestation]) -> set[str]:
    """The migrations whose maintenance mode a valid attestation by the technical owner approves."""
    return {attestation.migration for attestation in _technical_owners(attestations) if attestation.migration}


def runtime_sql_vouched(attestations: list[Attestation]) -> set[str]:
    """``file:line`` of the runtime statements built at run time that the technical owner vouches for."""
    return {attestation.runtime_sql for attestation in _technical_owners(attestations) if attestation.runtime_sql}


def _technical_owners(attestations: list[Attestation]) -> list[Attestation]:
    return [a for a in attestations if a.valid and a.role == TECHNICAL_OWNER and a.item == MIGRATION_ITEM]


def _header_lines(text: str) -> list[int]:
    return [number for number, line in enumerate(text.splitlines(), 1) if _HEADER.match(line)]


def _parse(entry: dict, where: str, *, today: dt.date, max_age_days: int) -> Attestation:
    for key in _REQUIRED:
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise AttestationError(f"{where}: attestation needs {key!r} (a non-empty string)")
    extra = sorted(set(entry) - set(_REQUIRED) - {"date", *_MIGRATION_KEYS})
    if extra:
        raise AttestationError(f"{where}: unknown key {extra[0]!r} in attestation")
    for key, what in _MIGRATION_KEYS.items():
        if key in entry and (entry["item"] != MIGRATION_ITEM or not isinstance(entry[key], str)):
            raise AttestationError(f"{where}: {key!r} ({what}) belongs to {MIGRATION_ITEM} only")
    if entry["item"] not in ITEMS_BY_ID:
        raise AttestationError(f"{where}: unknown release-gate item {entry['item']!r}; {known_ids()}")
    if entry["role"] not in ROLES:
        roles = ", ".join(repr(role) for role in ROLES)
        raise AttestationError(f"{where}: role {entry['role']!r} is not one of {roles}")
    if not _is_link(entry["evidence"]):
        raise AttestationError(f"{where}: evidence {entry['evidence']!r} is not an http(s) link")
    date = entry.get("date")
    if date is not None and (isinstance(date, dt.datetime) or not isinstance(date, dt.date)):
        raise AttestationError(f"{where}: date must be a TOML date such as 2026-11-20")
    reason = _why_it_does_not_count(entry["item"], entry["role"], date, today, max_age_days)
    return Attestation(
        item=entry["item"],
        approver=entry["approver"],
        role=entry["role"],
        date=date,
        evidence=entry["evidence"],
        valid=not reason,
        reason=reason,
        migration=entry.get("migration"),
        runtime_sql=entry.get("runtime_sql"),
    )


def _why_it_does_not_count(item_id: str, role: str, date: dt.date | None, today: dt.date, max_age_days: int) -> str:
    allowed = ITEMS_BY_ID[item_id].roles
    if role not in allowed:
        return f"role {role!r} may not attest {item_id} (allowed: {', '.join(allowed)})"
    if date is None:
        return "undated"
    if date > today:
        return f"dated {date.isoformat()}, in the future"
    age = (today - date).days
    if age > max_age_days:
        return f"dated {date.isoformat()}, {age} days old (older than {max_age_days} days)"
    return ""


def _is_link(text: str) -> bool:
    parts = urlsplit(text)
    return parts.scheme in ("http", "https") and bool(parts.netloc)
