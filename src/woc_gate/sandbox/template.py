"""Prebuilt database templates: a datadir and its screenshot storage, migrated and seeded once, copied per stack.

A template is keyed by everything that shapes it (the migrations, the shared package, the seed file,
scale, seed number, the seed's day, the server and this code), built under a lock so parallel
workers build it once, and published by renaming a finished build. Its server was shut down cleanly
before publishing, so copies start without recovery.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from woc_gate.errors import SandboxError
from woc_gate.sandbox import instances, migrate, provision, seed
from woc_gate.sandbox.seeddata import DAY
from woc_gate.sandbox.seedfile import SEED_PATH
from woc_gate.sources.nodetools import default_cache_dir
from woc_gate.sources.prisma import list_migrations
from woc_gate.target import scratch_server
from woc_gate.target.scratch_server import LocalServer, ServerProgram, initialize_datadir

FORMAT = 1
TEMPLATES_DIR = "sandbox-templates"
UNUSED_DAYS = 2  # templates not used for this long are pruned (they are keyed by day)
BUILDER_MODULES = ("provision", "migrate", "seed", "seeddata", "seedfile", "bulkload", "images", "template")
MIGRATIONS = Path("apps/web/prisma/migrations")
SHARED = Path("packages/shared")


@dataclass(frozen=True)
class TemplateInputs:
    """What a template is built from."""

    repo: Path
    scale: int
    seed: int
    anchor: int
    seed_path: Path = SEED_PATH

    def key(self, program: ServerProgram) -> str:
        """The content hash naming the template."""
        digest = hashlib.sha256(f"{FORMAT}|{program.version}|{self.scale}|{self.seed}|{self.anchor}".encode())
        for name in BUILDER_MODULES:
            digest.update((Path(__file__).parent / f"{name}.py").read_bytes())
        digest.update(Path(scratch_server.__file__).read_bytes())
        for migration in list_migrations(self.repo / MIGRATIONS):
            digest.update(f"{migration.name}:{migration.checksum}".encode())
        for path in sorted(_source_files(self.repo / SHARED)):
            digest.update(path.relative_to(self.repo).as_posix().encode() + b"\0" + path.read_bytes())
        digest.update(Path(self.seed_path).read_bytes())
        return digest.hexdigest()[:32]


@dataclass(frozen=True)
class Template:
    """A published template: its datadir, its storage and what the seed made."""

    path: Path

    @property
    def datadir(self) -> Path:
        """The database server's data directory, cleanly shut down."""
        return self.path / "datadir"

    @property
    def storage(self) -> Path:
        """The screenshot objects, by objectKey."""
        return self.path / "storage"

    @property
    def summary(self) -> dict:
        """Organization ids by slug and row counts by table, as seeded."""
        return json.loads((self.path / "summary.json").read_text())

    def copy_to(self, datadir: Path, storage: Path) -> None:
        """Copy the datadir and the storage (hard links kept) to new places."""
        os.utime(self.path)
        for source, target in ((self.datadir, datadir), (self.storage, storage)):
            done = subprocess.run(
                ["cp", "-a", "--reflink=auto", str(source), str(target)], capture_output=True, text=True
            )
            if done.returncode != 0:
                raise SandboxError(f"cannot copy the database template {source} to {target}: {done.stderr.strip()}")


def templates_root() -> Path:
    """Where templates are cached: ``$WOC_GATE_CACHE_DIR/sandbox-templates``, else ``~/.cache/woc-gate/…``."""
    root = default_cache_dir() / TEMPLATES_DIR
    root.mkdir(parents=True, exist_ok=True)
    return root


def ensure_template(program: ServerProgram, inputs: TemplateInputs) -> Template:
    """The template for these inputs, built now when it is not cached yet."""
    root = templates_root()
    key = inputs.key(program)
    template = Template(root / key)
    with _locked(root / f"{key}.lock"):
        if not (template.path / "summary.json").is_file():
            _build(program, inputs, template)
            _prune(root, keep=template.path)
    return template


def _build(program: ServerProgram, inputs: TemplateInputs, template: Template) -> None:
    building = template.path.with_name(template.path.name + ".building")
    shutil.rmtree(building, ignore_errors=True)  # a build killed earlier; the lock says none runs now
    building.mkdir()
    run_dir = instances.create_owned_dir("build-")
    server = LocalServer(program, building / "datadir", run_dir)
    try:
        initialize_datadir(program, server.datadir, run_dir / "install.log")
        server.start()
        with server.admin_connection() as admin:
            provision.restrict_root_to_socket(admin)
            provision.create_database(admin, provision.APP_DATABASE)
        with server.admin_connection(
            provision.APP_DATABASE, client_flag=migrate.MULTI_STATEMENTS, local_infile=True
        ) as db:
            migrate.deploy(db, inputs.repo / MIGRATIONS)
            plan = seed.build_plan(
                inputs.repo / SHARED,
                scale=inputs.scale,
                seed=inputs.seed,
                anchor=inputs.anchor,
                seed_path=inputs.seed_path,
            )
            summary = seed.seed_database(db, plan, building / "storage", run_dir)
        server.stop()
        (building / "summary.json").write_text(json.dumps(asdict(summary), indent=1))
        building.rename(template.path)
    finally:
        server.stop()
        shutil.rmtree(run_dir, ignore_errors=True)
        shutil.rmtree(building, ignore_errors=True)


def _prune(root: Path, keep: Path) -> None:
    cutoff = time.time() - UNUSED_DAYS * DAY
    for path in root.iterdir():
        if path == keep or path.name.endswith(".building") or path.stat().st_mtime >= cutoff:
            continue
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        elif path.suffix == ".lock" and not path.with_suffix("").exists():
            path.unlink(missing_ok=True)  # the lock of a template that was pruned or never built


@contextmanager
def _locked(path: Path):
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _source_files(directory: Path):
    for path in directory.rglob("*"):
        if path.is_file() and "node_modules" not in path.parts:
            yield path
