"""The checkout's own seed: the command ``prisma db seed`` runs, where it runs, and whether it can run here.

Prisma reads the command from ``prisma.seed`` in the ``package.json`` of the package that holds the
schema (``apps/web`` in WorkOnClock) and runs it in a shell there, with the package's node modules on
the path. Without those modules (no ``npm ci`` yet) the seed cannot run; its script is then read instead
(``seed_role_mapping``).
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from pathlib import Path

from ..errors import SourceError
from .nodetools import NodeTools

SCRIPT_SUFFIXES = (".ts", ".mts", ".cts", ".js", ".mjs", ".cjs")


@dataclass(frozen=True)
class SeedCommand:
    """``prisma.seed`` of a package: the command, the folder it runs in, and the node module folders it sees."""

    command: str
    package_dir: Path
    repo: Path

    @property
    def node_modules(self) -> list[Path]:
        """The node module folders from the package up to the checkout's root (npm workspaces hoist them)."""
        folders = [self.package_dir, *self.package_dir.parents]
        within = folders[: folders.index(self.repo) + 1] if self.repo in folders else folders[:1]
        return [folder / "node_modules" for folder in within if (folder / "node_modules").is_dir()]

    @property
    def installed(self) -> bool:
        """Whether the checkout's node modules are installed, so the seed can run."""
        return bool(self.node_modules)

    @property
    def script(self) -> Path | None:
        """The seed's script: the command's first argument that names a JavaScript or TypeScript file."""
        for word in shlex.split(self.command):
            if word.endswith(SCRIPT_SUFFIXES):
                return (self.package_dir / word).resolve()
        return None

    @property
    def how_to_install(self) -> str:
        """The one line that says how to get the seed contracts."""
        return f"the checkout's node modules are not installed: run `npm ci` in {self.repo} to run its seed"


def seed_command(schema_path: Path, repo: Path) -> SeedCommand | None:
    """``prisma.seed`` of the nearest ``package.json`` above the Prisma schema (up to the checkout); None if none."""
    repo = Path(repo).resolve()
    for folder in Path(schema_path).resolve().parents:
        manifest = folder / "package.json"
        if manifest.is_file():
            command = _prisma_seed(manifest)
            if command:
                return SeedCommand(command, folder, repo)
        if folder == repo:
            break
    return None


def seed_role_mapping(script: Path, shared_dir: Path, role_keys: list[str], *, cache_dir: Path | None = None) -> dict:
    """What the seed's TypeScript says each role is granted, read with the compiler API (nothing is run).

    ``{"mappings": [{kind, name, line, roles}]}``: ``kind`` is ``shared`` when the seed indexes a constant of
    the shared package by role key, ``literal`` (``roles`` role → keys) for an object literal of its own,
    ``computed`` (``text``) for a mapping the reader cannot evaluate.
    """
    if not script.is_file():
        raise SourceError(f"{script} not found: the seed command names a script that does not exist")
    request = {"file": str(script), "shared": str(Path(shared_dir).resolve()), "roleKeys": role_keys}
    return NodeTools.configured(cache_dir).call("seed.mjs", request)


def _prisma_seed(manifest: Path) -> str | None:
    try:
        data = json.loads(manifest.read_text())
    except (OSError, ValueError) as error:
        raise SourceError(f"{manifest} cannot be read as JSON ({error}); fix the file") from None
    prisma = data.get("prisma") if isinstance(data, dict) else None
    seed = prisma.get("seed") if isinstance(prisma, dict) else None
    return seed if isinstance(seed, str) and seed.strip() else None
