"""The seed's rows, generated deterministically: the same seed number gives the same ids and values.

Organizations, in order: the smoke tenants of the seed file (their accounts, projects and policy),
the ``[background]`` tenants, then ``scale`` more organizations shaped like a background tenant
whose users have ``SCALE_HISTORY`` times the history; only their newest entries keep screenshots,
as the retention job would leave them (about ``SCALE_SCREENSHOTS_PER_ENTRY`` of a screenshot per entry,
the product's ratio), each object one of a few distinct placeholder images. Every organization
gets the four roles with the shared role defaults and one settings row (the seed file's policy, else
the column defaults). Every time entry is closed. Times are spread over the days before ``anchor``
(midnight UTC of the build day).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from woc_gate.sandbox import images
from woc_gate.sandbox.bulkload import Table
from woc_gate.sandbox.passwords import hash_password
from woc_gate.sandbox.seedfile import SeedFile, Tenant

Progress = Callable[[int, int], None] | None  # told (done, total) scale organizations as the seed writes them

ROLE_NAMES = {"OWNER": "Owner", "ADMIN": "Administrator", "MANAGER": "Manager", "MEMBER": "Member"}
BACKGROUND_ROLES = ("OWNER", "ADMIN", "MANAGER", "MEMBER")  # users of a generated tenant take these in turn
SCALE_HISTORY = 50
SCALE_SCREENSHOTS_PER_ENTRY = 0.1  # about 500 k screenshots for 5 M time entries, as in production
DAY = 86400
ID_EPOCH_MS = 1_736_153_600_000  # 2025-01-06T09:00Z: generated ids read like cuids made from then on
FIRST_NAMES = ("Ada", "Ben", "Cleo", "Dev", "Eli", "Fay", "Gus", "Hal", "Ivy", "Jon", "Kai", "Lea")
LAST_NAMES = ("Stone", "Rivera", "Okafor", "Novak", "Lind", "Mori", "Quinn", "Shah", "Tan", "Vale")
_DT = frozenset({"createdAt", "updatedAt", "emailVerifiedAt", "startedAt", "endedAt", "capturedAt"})

ORGANIZATIONS = Table("woc_organizations", ("id", "name", "slug", "status", "createdAt", "updatedAt"), _DT)
PERMISSIONS = Table("woc_permissions", ("id", "key", "description"))
ROLES = Table("woc_roles", ("id", "organizationId", "key", "name"))
ROLE_PERMISSIONS = Table("woc_role_permissions", ("roleId", "permissionId"))
USERS = Table(
    "woc_users",
    ("id", "organizationId", "email", "name", "passwordHash", "status", "roleId", "emailVerifiedAt", "createdAt"),
    _DT,
)
PROJECTS = Table("woc_projects", ("id", "organizationId", "name", "archived", "createdAt"), _DT)
TIME_ENTRIES = Table(
    "woc_time_entries",
    ("id", "organizationId", "userId", "projectId", "startedAt", "endedAt", "source", "createdAt"),
    _DT,
)
SCREENSHOTS = Table(
    "woc_screenshots",
    (
        "id",
        "organizationId",
        "userId",
        "timeEntryId",
        "capturedAt",
        "objectKey",
        "blurred",
        "width",
        "height",
        "sizeBytes",
        "createdAt",
    ),
    _DT,
)
DEFAULT_SETTINGS = Table("woc_organization_settings", ("id", "organizationId", "updatedAt"), _DT)
DEFAULT_INTERVAL_MINUTES = 10


def settings_table(policy_fields: tuple[str, ...]) -> Table:
    """The settings table with a column per TrackingPolicy field the seed file gives."""
    return Table("woc_organization_settings", ("id", "organizationId", *policy_fields, "updatedAt"), _DT)


class Objects(Protocol):
    """Where screenshot objects go."""

    def write(self, key: str, data: bytes) -> None: ...

    def write_placeholder(self, key: str, variant: int) -> None: ...


@dataclass
class SeedPlan:
    """What to generate: the seed file, the shared permission lists, volume, seed number and clock."""

    seed_file: SeedFile
    permissions: list[str]
    role_defaults: dict[str, list[str]]
    scale: int = 0
    seed: int = 0
    anchor: int = 0  # epoch seconds of midnight UTC on the build day

    def tables(self) -> list[Table]:
        """Every table the plan writes to, parents first."""
        return [
            ORGANIZATIONS,
            PERMISSIONS,
            ROLES,
            ROLE_PERMISSIONS,
            USERS,
            PROJECTS,
            TIME_ENTRIES,
            SCREENSHOTS,
            DEFAULT_SETTINGS,
            *dict.fromkeys(settings_table(tuple(t.policy)) for t in self.seed_file.tenants),
        ]


@dataclass
class SeedSummary:
    """What was generated: organization ids by slug, row counts by table, objects and their bytes."""

    organizations: dict[str, str] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    objects: int = 0  # screenshot objects stored
    object_bytes: int = 0  # their bytes in all


class CuidFactory:
    """Deterministic cuid-shaped ids (``c`` + 24 base-36 digits: time, fingerprint, random), ascending as made."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._fingerprint = _base36(rng.getrandbits(20), 4)
        self._count = 0

    def __call__(self) -> str:
        self._count += 1
        # Hex digits are base-36 digits too, and formatting them is fast enough for millions of ids.
        return f"c{ID_EPOCH_MS + self._count:012x}{self._fingerprint}{self._rng.getrandbits(32):08x}"


def generate(plan: SeedPlan, sinks: dict[Table, object], objects: Objects, progress: Progress = None) -> SeedSummary:
    """Generate every row of the plan into ``sinks`` (one per table) and the objects into ``objects``.

    ``progress(done, total)`` is told each scale organization as it is written (``--scale``).
    """
    return _Generator(plan, sinks, objects, progress or _silent).run()


def _silent(done: int, total: int) -> None:
    """No progress shown."""


class _Generator:
    def __init__(self, plan: SeedPlan, sinks: dict, objects: Objects, progress: Callable[[int, int], None]) -> None:
        self.plan = plan
        self.progress = progress
        self.sinks = sinks
        self.objects = objects
        self.rng = random.Random(plan.seed)
        self.new_id = CuidFactory(self.rng)
        self.summary = SeedSummary()
        self.permission_ids: dict[str, str] = {}
        self.placeholders = [(*images.PLACEHOLDER_SIZE, len(data)) for data in images.placeholder_pngs()]
        self.placeholders_written = 0
        self.filler_hash = hash_password(_base36(self.rng.getrandbits(120), 24), salt=self.rng.randbytes(16))

    def run(self) -> SeedSummary:
        for key in self.plan.permissions:
            self.permission_ids[key] = self.new_id()
            self.add(PERMISSIONS, (self.permission_ids[key], key, _describe(key)))
        for tenant in self.plan.seed_file.tenants:
            self.smoke_tenant(tenant)
        background = self.plan.seed_file.background
        for number in range(1, background.tenants + 1):
            self.generated_tenant(f"Background Tenant {number}", f"background-{number:02d}", 1)
        for number in range(1, self.plan.scale + 1):
            self.generated_tenant(f"Scale Tenant {number}", f"scale-{number:05d}", SCALE_HISTORY)
            self.progress(number, self.plan.scale)
        return self.summary

    def add(self, table: Table, row: tuple) -> None:
        self.sinks[table].add(row)
        self.summary.counts[table.name] = self.summary.counts.get(table.name, 0) + 1

    def organization(self, name: str, slug: str) -> tuple[str, dict[str, str], int]:
        org_id, created = self.new_id(), self.plan.anchor - 400 * DAY
        self.add(ORGANIZATIONS, (org_id, name, slug, "ACTIVE", created, created))
        self.summary.organizations[slug] = org_id
        role_ids = {}
        for key, role_name in ROLE_NAMES.items():
            role_ids[key] = self.new_id()
            self.add(ROLES, (role_ids[key], org_id, key, role_name))
            for permission in self.plan.role_defaults.get(key, ()):
                self.add(ROLE_PERMISSIONS, (role_ids[key], self.permission_ids[permission]))
        return org_id, role_ids, created

    def smoke_tenant(self, tenant: Tenant) -> None:
        org_id, role_ids, created = self.organization(tenant.name, tenant.slug)
        policy_values = (int(value) for value in tenant.policy.values())
        self.add(settings_table(tuple(tenant.policy)), (self.new_id(), org_id, *policy_values, created))
        projects = self.projects(org_id, tenant.projects, created)
        for account in tenant.accounts:
            password_hash = hash_password(account.password, salt=self.rng.randbytes(16))
            user_id = self.user(org_id, account.email, account.name, password_hash, role_ids[account.role], created)
            self.smoke_history(tenant.policy, f"{tenant.name} - {account.name}", org_id, user_id, projects)

    def smoke_history(self, policy: dict, caption: str, org_id: str, user_id: str, projects: list[str]) -> None:
        """A smoke user's closed entries, with real screenshots taken as the tenant's policy says."""
        background = self.plan.seed_file.background
        shots = background.screenshots_per_time_entry if policy.get("screenshotsEnabled", True) else 0
        interval = policy.get("screenshotIntervalMinutes", DEFAULT_INTERVAL_MINUTES)
        blurred = bool(policy.get("blurScreenshots", False))
        entries = self.time_entries(org_id, user_id, projects, background.time_entries_per_user, shots, interval)
        for entry_id, started in entries:
            for number in range(shots):
                data = images.screenshot_png(caption, self.rng.getrandbits(30), blurred=blurred)
                captured = started + (number + 1) * interval * 60
                shape = (*images.SCREENSHOT_SIZE, len(data))
                self.objects.write(self.screenshot(org_id, user_id, entry_id, captured, blurred, shape), data)

    def generated_tenant(self, name: str, slug: str, history: int) -> None:
        background = self.plan.seed_file.background
        org_id, role_ids, created = self.organization(name, slug)
        self.add(DEFAULT_SETTINGS, (self.new_id(), org_id, created))
        projects = self.projects(
            org_id, [f"Project {n}" for n in range(1, background.projects_per_tenant + 1)], created
        )
        for number in range(background.users_per_tenant):
            role = BACKGROUND_ROLES[number % len(BACKGROUND_ROLES)]
            person = f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}"
            user_id = self.user(
                org_id, f"user{number + 1}@{slug}.test", person, self.filler_hash, role_ids[role], created
            )
            entries = list(
                self.time_entries(
                    org_id,
                    user_id,
                    projects,
                    background.time_entries_per_user * history,
                    background.screenshots_per_time_entry,
                )
            )
            for entry_id, started in entries[len(entries) - self.entries_with_screenshots(len(entries)) :]:
                for shot in range(background.screenshots_per_time_entry):
                    captured = started + (shot + 1) * DEFAULT_INTERVAL_MINUTES * 60
                    self.placeholder_screenshot(org_id, user_id, entry_id, captured)

    def entries_with_screenshots(self, entries: int) -> int:
        """How many of a generated user's newest entries keep their screenshots."""
        background = self.plan.seed_file.background
        if entries <= background.time_entries_per_user or not background.screenshots_per_time_entry:
            return entries  # a background tenant's short history keeps them all
        return math.ceil(entries * SCALE_SCREENSHOTS_PER_ENTRY / background.screenshots_per_time_entry)

    def placeholder_screenshot(self, org_id: str, user_id: str, entry_id: str, captured: int) -> None:
        """A screenshot row whose object is the next of the placeholder images, in turn."""
        variant = self.placeholders_written % len(self.placeholders)
        self.placeholders_written += 1
        key = self.screenshot(org_id, user_id, entry_id, captured, False, self.placeholders[variant])
        self.objects.write_placeholder(key, variant)

    def projects(self, org_id: str, names, created: int) -> list[str]:
        ids = []
        for name in names:
            ids.append(self.new_id())
            self.add(PROJECTS, (ids[-1], org_id, name, 0, created))
        return ids

    def user(self, org_id: str, email: str, name: str, password_hash: str, role_id: str, created: int) -> str:
        user_id = self.new_id()
        self.add(USERS, (user_id, org_id, email, name, password_hash, "ACTIVE", role_id, created, created))
        return user_id

    def time_entries(
        self,
        org_id: str,
        user_id: str,
        projects: list[str],
        count: int,
        shots: int,
        interval: int = DEFAULT_INTERVAL_MINUTES,
    ):
        """Closed entries, one a day on the ``count`` days before the anchor, oldest first: (id, start)."""
        draw, anchor = self.rng.random, self.plan.anchor  # random() scaled: randrange is too slow for millions
        shortest = (shots + 1) * interval * 60
        for days_ago in range(count, 0, -1):
            entry_id = self.new_id()
            started = anchor - days_ago * DAY + 8 * 3600 + int(draw() * 4 * 3600)
            ended = started + max((45 + int(draw() * 195)) * 60, shortest)
            project = projects[int(draw() * len(projects))] if projects else None
            source = "DESKTOP" if draw() < 0.8 else ("WEB" if draw() < 0.75 else "ADHOC")
            self.add(TIME_ENTRIES, (entry_id, org_id, user_id, project, started, ended, source, started))
            yield entry_id, started

    def screenshot(self, org_id: str, user_id: str, entry_id: str, captured: int, blurred: bool, shape: tuple) -> str:
        shot_id = self.new_id()
        key = f"screenshots/{org_id}/{user_id}/{shot_id}.png"
        self.add(SCREENSHOTS, (shot_id, org_id, user_id, entry_id, captured, key, int(blurred), *shape, captured))
        return key


def _describe(key: str) -> str:
    """The description seed.ts gives a permission: ``users.read_all`` -> ``read all users``."""
    area, _, action = key.partition(".")
    return f"{action.replace('_', ' ', 1)} {area}"


_PAIRS = [a + b for a in "0123456789abcdefghijklmnopqrstuvwxyz" for b in "0123456789abcdefghijklmnopqrstuvwxyz"]


def _base36(number: int, width: int) -> str:
    """``number`` in lowercase base 36, the last ``width`` digits, zero-padded (``width`` even or odd)."""
    digits = []
    for _ in range((width + 1) // 2):
        number, pair = divmod(number, 1296)
        digits.append(_PAIRS[pair])
    return "".join(reversed(digits))[-width:]
