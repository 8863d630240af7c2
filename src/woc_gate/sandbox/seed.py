"""Seed a migrated WorkOnClock database and its screenshot storage from the seed file and the shared package."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pymysql

from woc_gate.errors import SandboxError
from woc_gate.files import limits_reported
from woc_gate.sandbox.bulkload import load_rows
from woc_gate.sandbox.layout import FILESYSTEM_ADVICE
from woc_gate.sandbox.objects import ObjectWriter
from woc_gate.sandbox.seeddata import DAY, SeedPlan, SeedSummary, generate
from woc_gate.sandbox.seedfile import SEED_PATH, load_seed_file
from woc_gate.sources.shared import load_shared

POLICY_TYPE = "TrackingPolicy"
GENERATING = "generating rows and objects"
FINISHING = "storing the last rows and objects"
SEEDED = "seeded"
SeedProgress = Callable[[int, int, str], None] | None  # told (done, total, what now) of the scale organizations


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
    connection: pymysql.Connection, plan: SeedPlan, storage_dir: Path, scratch_dir: Path, progress: SeedProgress = None
) -> SeedSummary:
    """Write the plan's rows and its objects under ``storage_dir``; ``connection`` allows LOCAL INFILE.

    ``progress(done, total, label)`` is told each scale organization generated, then that the last rows
    and objects are being stored, then that all are.
    """
    report = progress or _silent

    def generated(done: int, total: int) -> None:
        report(done, total, GENERATING if done < total else FINISHING)

    with (
        limits_reported(SandboxError, "seeding the reference stack", FILESYSTEM_ADVICE),
        ObjectWriter(storage_dir) as objects,
    ):
        summary = load_rows(
            connection, plan.tables(), scratch_dir, lambda sinks: generate(plan, sinks, objects, generated)
        )
    summary.objects, summary.object_bytes = objects.count, objects.size
    report(plan.scale, plan.scale, SEEDED)
    return summary


def _silent(done: int, total: int, label: str) -> None:
    """No progress shown."""
