"""Copies of the reference tree for the checkout target: with node modules that run its seed here, and seed faults.

Prisma's own client cannot run on the test machines (its query engine is downloaded at install, which
fails), so ``install_seed_runtime`` gives a copy the node modules ``npm ci`` would lay out, with two
stand-ins (``tests/data/prisma_stand_in``): ``@prisma/client`` answering the seed's model calls through
the ``mariadb`` client, and ``tsx`` bundling the TypeScript with esbuild. The seed itself, the shared
package (linked as npm workspaces link it) and the database are the tree's and the real server's.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from woc_gate.sources.nodetools import NODE_DIR
from woc_gate.sources.prisma import load_datamodel
from woc_gate.suite import REFERENCE_TREE

STAND_IN = Path(__file__).parent / "data" / "prisma_stand_in"
SEED = "apps/web/prisma/seed.ts"
PERMISSIONS = "packages/shared/src/permissions.ts"

# The seed grants roles from a mapping of its own that lost one of the shared defaults.
OWN_GRANTS = """
const GRANTS = {
  ...ROLE_DEFAULT_PERMISSIONS,
  MANAGER: ROLE_DEFAULT_PERMISSIONS.MANAGER.filter((key) => key !== 'time.approve'),
};
"""


def copy_tree(destination: Path) -> Path:
    """A copy of the reference tree at ``destination``."""
    shutil.copytree(REFERENCE_TREE, destination)
    return destination


def install_seed_runtime(tree: Path) -> Path:
    """Lay out node modules in ``tree`` that run its ``prisma.seed`` command here; the tree."""
    modules = tree / "node_modules"
    client = modules / "@prisma" / "client"
    client.mkdir(parents=True)
    (client / "package.json").write_text(json.dumps({"name": "@prisma/client", "main": "index.cjs"}))
    shutil.copy(STAND_IN / "client.cjs", client / "index.cjs")
    (client / "datamodel.json").write_text(json.dumps(_stand_in_datamodel(tree)))
    (modules / "@workonclock").mkdir()
    (modules / "@workonclock" / "shared").symlink_to(tree / "packages" / "shared")
    (modules / ".bin").mkdir()
    tsx = modules / ".bin" / "tsx"
    esbuild_from = json.dumps(str(NODE_DIR / "package.json"))
    tsx.write_text((STAND_IN / "tsx.mjs").read_text().replace("process.env.WOC_GATE_ESBUILD_FROM", esbuild_from))
    tsx.chmod(0o755)
    return tree


def seed_grants_without_a_default(tree: Path) -> Path:
    """The seed grants MANAGER its defaults but ``time.approve``, from an object of its own."""
    return _edit(
        tree,
        SEED,
        ("const prisma = new PrismaClient();\n", "const prisma = new PrismaClient();\n" + OWN_GRANTS),
        ("ROLE_DEFAULT_PERMISSIONS[roleKey].map(", "GRANTS[roleKey].map("),
    )


def shared_permission_renamed(tree: Path) -> Path:
    """The shared list renames ``time.approve`` to ``time.approval``; the role defaults still grant the old key."""
    return _edit(tree, PERMISSIONS, ("  'time.approve',\n", "  'time.approval',\n"))


def seed_skips_an_organization(tree: Path) -> Path:
    """The seed grants roles and settings only to ACTIVE organizations, leaving a suspended one without them."""
    return _edit(tree, SEED, ("{ where: { status: { not: 'DELETED' } } }", "{ where: { status: 'ACTIVE' } }"))


def _edit(tree: Path, relative: str, *replacements: tuple[str, str]) -> Path:
    path = tree / relative
    text = path.read_text()
    for old, new in replacements:
        assert old in text, f"the reference {relative} changed: update tests/seed_checkout.py"
        text = text.replace(old, new, 1)
    path.write_text(text)
    return tree


def _stand_in_datamodel(tree: Path) -> dict:
    datamodel = load_datamodel(tree / "apps/web/prisma/schema.prisma")
    models = []
    for model in datamodel.models:
        scalars = [field for field in model.fields if field.column is not None and field.kind in ("scalar", "enum")]
        generated = next((f.name for f in scalars if f.is_id and f.has_default and f.type == "String"), None)
        models.append(
            {
                "name": model.name,
                "table": model.table,
                "columns": {field.name: field.column for field in scalars},
                "generatedId": generated,
                "updatedAt": [field.name for field in scalars if field.is_updated_at],
            }
        )
    return {"models": models, "enums": [{"name": e.name, "values": list(e.values)} for e in datamodel.enums]}
