"""Seed a migrated WorkOnClock database and its screenshot storage from the seed file and the shared package."""

from __future__ import annotations

import time
from pathlib import Path

import jsonschema
import pymysql

from woc_gate.errors import SandboxError
from woc_gate.sandbox import images
from woc_gate.sandbox.bulkload import load_rows
from woc_gate.sandbox.seeddata import DAY, Progress, SeedPlan, SeedSummary, generate
from woc_gate.sandbox.seedfile import SEED_PATH, load_seed_file
from woc_gate.sources.shared import load_shared

POLICY_TYPE = "TrackingPolicy"


def today_anchor() -> int:
    """Midnight UTC of today, in epoch seconds: the seed's clock."""
    now = int(time.time())
    return now - now % DAY


def build_plan(
    shared_dir: Path, *, scale: int = 0, seed: int = 0, anchor: int | None = None, seed_path: Path = SEED_PATH
) -> SeedPlan:
    """The seed plan: the seed file checked against the shared TrackingPolicy, the shared permission lists."""
    shared = load_shared(shared_dir)
    seed_file = load_seed_file(seed_path)
    validator = jsonschema.Draft7Validator(shared.schema(POLICY_TYPE))
    for tenant in seed_file.tenants:
        problem = next(iter(validator.iter_errors(tenant.policy)), None)
        if problem is not None:
            raise SandboxError(
                f"seed file {seed_path}: tenant {tenant.key} policy does not match the shared {POLICY_TYPE}:"
                f" {problem.message}"
            )
    return SeedPlan(
        seed_file=seed_file,
        permissions=list(shared.constant("PERMISSIONS")),
        role_defaults={role: list(keys) for role, keys in shared.constant("ROLE_DEFAULT_PERMISSIONS").items()},
        scale=scale,
        seed=seed,
        anchor=today_anchor() if anchor is None else anchor,
    )


def seed_database(
    connection: pymysql.Connection, plan: SeedPlan, storage_dir: Path, scratch_dir: Path, progress: Progress = None
) -> SeedSummary:
    """Write the plan's rows and its objects under ``storage_dir``; ``connection`` allows LOCAL INFILE.

    ``progress`` is told each scale organization written (see ``seeddata.generate``).
    """
    objects = ObjectWriter(storage_dir)
    return load_rows(connection, plan.tables(), scratch_dir, lambda sinks: generate(plan, sinks, objects, progress))


class ObjectWriter:
    """Screenshot objects on disk at ``root/objectKey``: bulk objects are copies of a few placeholder images."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._made_dirs: set[Path] = set()
        self._placeholders = images.placeholder_pngs()

    def write(self, key: str, data: bytes) -> None:
        """Store one object's bytes."""
        self._path(key).write_bytes(data)

    def write_placeholder(self, key: str, variant: int) -> None:
        """Store placeholder image number ``variant`` under ``key``."""
        self.write(key, self._placeholders[variant])

    def _path(self, key: str) -> Path:
        path = self.root / key
        if path.parent not in self._made_dirs:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._made_dirs.add(path.parent)
        return path
