"""A throwaway database built from a WorkOnClock checkout, for the contracts on a developer's machine.

The server is the restore drill's throwaway one (``scratch_server``). A template datadir holding the
checkout's migrations, applied in order exactly as ``prisma migrate deploy`` records them, is cached by
the migrations' names and checksums (and the server's version and this code), so a warm start copies it
and starts a server on the copy. The seed of WorkOnClock grants the roles of the organizations it finds,
so one stand-in organization per live status (every value of the status enum but ``DELETED``) is added
first; then the checkout's own seed runs (the ``prisma.seed`` command, with ``DATABASE_URL`` pointing
here) when its node modules are installed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from urllib.parse import quote

from ..errors import TargetError
from ..sources.nodetools import crash_summary
from ..sources.prisma import Datamodel, Model, list_migrations
from ..sources.seed import SeedCommand
from . import migrate, scratch_server, template_cache
from .db import execute
from .processes import run
from .scratch_server import LocalServer, ServerProgram, find_server_program, initialize_datadir

DATABASE = "workonclock"
TEMPLATES_DIR = "checkout-templates"
SEED_TIMEOUT = 300  # seconds: a seed on a cold machine, with room to spare
RETIRED_STATUSES = ("DELETED",)  # organizations the seed leaves alone by design
STAND_IN_TEXT = "woc-gate-scratch"


class SeedFailed(TargetError):
    """The checkout's seed ended with an error: its command, exit status and last error line."""


def template_key(program: ServerProgram, migrations_dir: Path) -> str:
    """The content hash of a migrated template: the server, this code and every migration's name and checksum."""
    digest = hashlib.sha256(program.version.encode())
    for module in (__file__, migrate.__file__, scratch_server.__file__):
        digest.update(Path(module).read_bytes())
    for migration in list_migrations(migrations_dir):
        digest.update(f"{migration.name}:{migration.checksum}\n".encode())
    return digest.hexdigest()[:32]


class CheckoutDatabase:
    """A server on a copy of the checkout's migrated template, with stand-in organizations and the seed's rows."""

    def __init__(self, migrations_dir: Path, datamodel: Datamodel, organization_model: str) -> None:
        self.migrations_dir = Path(migrations_dir)
        self.datamodel = datamodel
        self.organization = datamodel.model(organization_model)
        self.work: Path | None = None
        self.server: LocalServer | None = None

    @property
    def url(self) -> str:
        """The scratch database, as root over the server's socket (Prisma reads ``?socket=`` as well)."""
        return f"mysql://root@localhost:{self.server.port}/{DATABASE}?socket={quote(self.server.socket)}"

    def start(self) -> str:
        """Copy the template (built now when not cached), start a server on it, add the organizations; its URL."""
        program = find_server_program()
        root = template_cache.cache_root(TEMPLATES_DIR)
        template = template_cache.cached(
            root, template_key(program, self.migrations_dir), lambda folder: self._build(program, folder)
        )
        self.work = Path(tempfile.mkdtemp(prefix="woc-gate-checkout-"))
        template_cache.copy_tree(template / "datadir", self.work / "datadir")
        self.server = LocalServer(program, self.work / "datadir", self.work)
        self.server.start()
        with self.server.admin_connection(DATABASE) as session:
            for status in self._live_statuses():
                execute(session, *_organization_insert(self.organization, status))
        return self.url

    def seed(self, command: SeedCommand) -> None:
        """Run the checkout's seed command in its package folder, as ``prisma db seed`` does, against this database."""
        path = os.pathsep.join([*(str(folder / ".bin") for folder in command.node_modules), os.environ.get("PATH", "")])
        done = run(
            ["/bin/sh", "-c", command.command],
            what=f"the checkout's seed ({command.command})",
            advice="install Node.js 20 or later",
            cwd=command.package_dir,
            env={**os.environ, "DATABASE_URL": self.url, "PATH": path},
            capture_output=True,
            text=True,
            timeout=SEED_TIMEOUT,
        )
        if done.returncode != 0:
            raise SeedFailed(
                f"the checkout's seed (`{command.command}` in {command.package_dir}) failed (exit {done.returncode}):"
                f" {crash_summary(done.stderr or done.stdout)}"
            )

    def stop(self) -> None:
        """Stop the server and remove the copy."""
        if self.server is not None:
            self.server.stop()
        if self.work is not None:
            shutil.rmtree(self.work, ignore_errors=True)

    def _build(self, program: ServerProgram, folder: Path) -> None:
        run_dir = Path(tempfile.mkdtemp(prefix="woc-gate-checkout-build-"))
        server = LocalServer(program, folder / "datadir", run_dir)
        try:
            initialize_datadir(program, server.datadir, run_dir / "install.log")
            server.start()
            with server.admin_connection() as admin:
                execute(admin, f"CREATE DATABASE `{DATABASE}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
            with server.admin_connection(DATABASE, client_flag=migrate.MULTI_STATEMENTS) as session:
                migrate.deploy(session, self.migrations_dir)
        finally:
            server.stop()
            shutil.rmtree(run_dir, ignore_errors=True)

    def _live_statuses(self) -> list[str | None]:
        enums = {enum.name: enum for enum in self.datamodel.enums}
        status = next((field for field in self.organization.fields if field.kind == "enum"), None)
        if status is None:
            return [None]
        return [value for value in enums[status.type].values if value not in RETIRED_STATUSES] or [None]


def _organization_insert(model: Model, status: str | None) -> tuple[str, tuple]:
    """An INSERT of a stand-in organization: a value for every required column, the status enum set to ``status``."""
    label = f"{STAND_IN_TEXT}-{(status or 'org').lower()}"
    values = {}
    for field in model.fields:
        if field.column is None or field.kind not in ("scalar", "enum") or field.is_list:
            continue
        if field.kind == "enum":
            values[field.column] = status
        elif field.is_required or field.is_id:
            values[field.column] = _stand_in_value(field.type, label)
    values = {column: value for column, value in values.items() if value is not None}
    columns = ", ".join(f"`{column}`" for column in values)
    marks = ", ".join(["%s"] * len(values))
    return f"INSERT INTO `{model.table}` ({columns}) VALUES ({marks})", tuple(values.values())


def _stand_in_value(prisma_type: str, label: str):
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    return {"String": label, "DateTime": now, "Boolean": False, "Json": "{}"}.get(prisma_type, 0)
