"""A second WorkOnClock tree whose contracts differ from the reference in harmless ways.

The TrackingPolicy gains an optional ``screenshotQuality`` (with its column and migration) and lists
its fields in another order; the stack built from it serves the policy without an envelope.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from woc_gate.sandbox.stack import REFERENCE_TREE

EXTRA_FIELD = """  /**
   * JPEG quality of uploaded screenshots; the client's default when absent.
   *
   * @minimum 10
   * @maximum 100
   * @asType integer
   */
  screenshotQuality?: number;"""
EXTRA_MIGRATION = (
    "-- AlterTable\nALTER TABLE `woc_organization_settings` ADD COLUMN `screenshotQuality` INTEGER NULL;\n"
)


def make_variant_tree(destination: Path) -> Path:
    """Copy the reference tree to ``destination`` and make the harmless changes."""
    shutil.copytree(REFERENCE_TREE, destination)
    policy = destination / "packages/shared/src/policy.ts"
    head, body = policy.read_text().split("export interface TrackingPolicy {\n")
    fields, tail = body.rsplit("\n}", 1)
    reordered = "\n\n".join([EXTRA_FIELD, *reversed(fields.split("\n\n"))])
    policy.write_text(f"{head}export interface TrackingPolicy {{\n{reordered}\n}}{tail}")
    schema = destination / "apps/web/prisma/schema.prisma"
    text = schema.read_text()
    anchor = "  allowManualTime           Boolean  @default(false)\n"
    assert anchor in text, "the reference schema changed: update tests/variant_tree.py"
    schema.write_text(text.replace(anchor, anchor + "  screenshotQuality         Int?\n", 1))
    migration = destination / "apps/web/prisma/migrations/20250401090000_screenshot_quality"
    migration.mkdir()
    (migration / "migration.sql").write_text(EXTRA_MIGRATION)
    return destination
