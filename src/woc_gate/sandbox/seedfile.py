"""The seed file (``fixtures/data/seed.toml``): smoke tenants, their accounts and policies, background volume."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from woc_gate.errors import SandboxError
from woc_gate.suite import SEED_PATH

SMOKE_ROLES = ("OWNER", "ADMIN", "MEMBER")
BACKGROUND_COUNTS = (
    "tenants",
    "users_per_tenant",
    "projects_per_tenant",
    "time_entries_per_user",
    "screenshots_per_time_entry",
)


@dataclass(frozen=True)
class Account:
    """A smoke account: its role, name, email and (sandbox-only) password."""

    role: str
    name: str
    email: str
    password: str


@dataclass(frozen=True)
class Tenant:
    """A smoke tenant: its key ("a", "b"), organization, projects, tracking policy and accounts."""

    key: str
    name: str
    slug: str
    projects: tuple[str, ...]
    policy: dict[str, Any]
    accounts: tuple[Account, ...]

    def account(self, role: str) -> Account:
        """The account with this role."""
        return next(account for account in self.accounts if account.role == role)


@dataclass(frozen=True)
class Background:
    """Generated filler tenants: how many, and the volume of each."""

    tenants: int
    users_per_tenant: int
    projects_per_tenant: int
    time_entries_per_user: int
    screenshots_per_time_entry: int


@dataclass(frozen=True)
class SeedFile:
    """The whole seed file."""

    path: Path
    tenants: tuple[Tenant, ...]
    background: Background


def load_seed_file(path: Path = SEED_PATH) -> SeedFile:
    """Read and check the seed file; a ``SandboxError`` naming the file and the entry when it is malformed."""
    try:
        data = tomllib.loads(Path(path).read_text())
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise SandboxError(f"seed file {path} cannot be read: {error}") from None
    reader = _Reader(path)
    tenants = tuple(reader.tenant(entry, index) for index, entry in enumerate(reader.items(data, "tenant"), 1))
    if len({tenant.key for tenant in tenants}) != len(tenants) or len(tenants) < 2:
        raise SandboxError(f"seed file {path}: needs at least two [[tenant]] entries with distinct keys")
    background = data.get("background", {})
    counts = {name: reader.value(background, name, int, "[background]") for name in BACKGROUND_COUNTS}
    return SeedFile(path=Path(path), tenants=tenants, background=Background(**counts))


class _Reader:
    def __init__(self, path: Path) -> None:
        self.path = path

    def tenant(self, entry: dict, index: int) -> Tenant:
        where = f"[[tenant]] {index}"
        accounts = tuple(
            self.account(item, f"{where} account {n}") for n, item in enumerate(self.items(entry, "account"), 1)
        )
        missing = [role for role in SMOKE_ROLES if role not in {account.role for account in accounts}]
        if missing:
            raise SandboxError(f"seed file {self.path}: {where} has no {', '.join(missing)} account; add one")
        return Tenant(
            key=self.value(entry, "key", str, where),
            name=self.value(entry, "name", str, where),
            slug=self.value(entry, "slug", str, where),
            projects=tuple(self.text(name, f"{where} projects") for name in self.value(entry, "projects", list, where)),
            policy=dict(self.value(entry, "policy", dict, where)),
            accounts=accounts,
        )

    def account(self, entry: dict, where: str) -> Account:
        return Account(**{name: self.value(entry, name, str, where) for name in ("role", "name", "email", "password")})

    def items(self, table: dict, key: str) -> list[dict]:
        items = table.get(key, [])
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise SandboxError(f"seed file {self.path}: {key} must be an array of tables ([[{key}]])")
        return items

    def value(self, table: dict, key: str, kind: type, where: str) -> Any:
        value = table.get(key)
        if not isinstance(value, kind) or isinstance(value, bool) and kind is int:
            raise SandboxError(f"seed file {self.path}: {where} needs {key} as {kind.__name__}; got {value!r}")
        if kind is int and value < 0:
            raise SandboxError(f"seed file {self.path}: {where} {key} must not be negative; got {value}")
        return self.text(value, f"{where} {key}") if kind is str else value

    def text(self, value: Any, where: str) -> str:
        # Loaded through tab-separated files: keep the texts to plain characters.
        if not isinstance(value, str) or any(char in value for char in "\t\n\r\\") or not value:
            raise SandboxError(
                f"seed file {self.path}: {where} must be a non-empty text without tabs, newlines or backslashes"
            )
        return value
