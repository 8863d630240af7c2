"""Prebuilt database templates: a datadir and its screenshot storage, migrated and seeded once, copied per stack.

A template is keyed by everything that shapes it (the migrations, the shared package, the seed file,
scale, seed number, the seed's day, the server and this code), built under a lock so parallel
workers build it once, and published by renaming a finished build. Its server was shut down cleanly
before publishing, so copies start without recovery.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from woc_gate.sandbox import instances, provision, seed
from woc_gate.sandbox.seed import SeedProgress
from woc_gate.sandbox.seedfile import SEED_PATH
from woc_gate.sources.prisma import list_migrations
from woc_gate.target import migrate, scratch_server, template_cache
from woc_gate.target.scratch_server import SANDBOX_TUNING, LocalServer, ServerProgram, initialize_datadir
from woc_gate.target.template_cache import cache_root, cached, copy_tree

FORMAT = 1
TEMPLATES_DIR = "sandbox-templates"
BUILDER_MODULES = ("provision", "seed", "seeddata", "seedfile", "bulkload", "images", "objects", "template")
# A build at --scale loads millions of rows: a pool that holds the indexes, a redo log that does not
# force a checkpoint every few chunks, no durability (a failed build is thrown away). Its redo log is
# shrunk back to the stacks' before the server stops, so every copy stays small; that takes seconds,
# which a build without scale (the seed file alone) does not win back. Later flags win.
BUILD_TUNING = (
    *SANDBOX_TUNING,
    "--innodb-buffer-pool-size=1G",
    "--innodb-flush-log-at-trx-commit=0",
    "--innodb-doublewrite=0",
    "--innodb-log-buffer-size=8M",
    "--innodb-log-file-size=256M",
)
STACK_REDO_LOG_BYTES = 8 * 1024 * 1024  # as FLAVOR_FLAGS["mariadb"] starts the stacks
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
        for module in (scratch_server, migrate, template_cache):
            digest.update(Path(module.__file__).read_bytes())
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
        """Organization ids by slug, row counts by table, objects and their bytes, as seeded."""
        return json.loads((self.path / "summary.json").read_text())

    def copy_to(self, datadir: Path, storage: Path, on_step: Callable[[str], None] | None = None) -> None:
        """Copy the datadir, and the storage as hard links (the stack replaces or removes objects, never edits one).

        ``on_step(label)`` is told which of the two is being copied.
        """
        os.utime(self.path)
        for label, source, target, link in (
            ("copying the database", self.datadir, datadir, False),
            ("copying the objects", self.storage, storage, True),
        ):
            if on_step is not None:
                on_step(label)
            copy_tree(source, target, link=link)


def ensure_template(program: ServerProgram, inputs: TemplateInputs, progress: SeedProgress = None) -> Template:
    """The template for these inputs, built now when it is not cached yet (``progress``: see ``seed_database``)."""
    return Template(
        cached(
            cache_root(TEMPLATES_DIR),
            inputs.key(program),
            lambda building: _build(program, inputs, building, progress),
        )
    )


def _build(program: ServerProgram, inputs: TemplateInputs, building: Path, progress: SeedProgress) -> None:
    run_dir = instances.create_owned_dir("build-")
    at_scale = inputs.scale > 0
    server = LocalServer(program, building / "datadir", run_dir, tuning=BUILD_TUNING if at_scale else SANDBOX_TUNING)
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
            summary = seed.seed_database(db, plan, building / "storage", run_dir, progress)
            if at_scale and program.flavor == "mariadb":  # MySQL's redo log is sized at start only
                with db.cursor() as cursor:
                    cursor.execute(f"SET GLOBAL innodb_log_file_size = {STACK_REDO_LOG_BYTES}")
        server.stop()
        (building / "summary.json").write_text(json.dumps(asdict(summary), indent=1))
    finally:
        server.stop()
        shutil.rmtree(run_dir, ignore_errors=True)


def _source_files(directory: Path):
    for path in directory.rglob("*"):
        if path.is_file() and "node_modules" not in path.parts:
            yield path
