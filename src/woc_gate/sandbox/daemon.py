"""The stack's background process: database, faults, the three apps over HTTP, until SIGTERM or its owner dies.

Run as ``python -m woc_gate.sandbox.daemon`` by ``stack.start()``, which sends the ``StackOptions``
as JSON on stdin. Everything it makes is removed when it stops; a failure to start is written to the
state dir's ``error`` file as one line.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import shutil
import signal
import sys
import time
import traceback
from pathlib import Path
from urllib.parse import quote

from woc_gate.errors import SandboxError, WocGateError
from woc_gate.files import limits_reported
from woc_gate.sandbox import figures, instances, provision, seed, stack
from woc_gate.sandbox.api import create_api_app
from woc_gate.sandbox.context import Database, SandboxContext
from woc_gate.sandbox.dburl import ExternalDatabase, ExternalServer, drop_leftover, parse_server_url
from woc_gate.sandbox.environment import CONTACT_TO, EMAIL_FROM, make_secrets, public_endpoints_use_tls
from woc_gate.sandbox.fault_injection import FaultTarget, apply_faults
from woc_gate.sandbox.layout import FILESYSTEM_ADVICE
from woc_gate.sandbox.mail import create_mail_app
from woc_gate.sandbox.release import build_release
from woc_gate.sandbox.seedfile import load_seed_file
from woc_gate.sandbox.serve import Listener, Servers
from woc_gate.sandbox.target_profile import write_context, write_env, write_private, write_profile
from woc_gate.sandbox.template import MIGRATIONS, SHARED, TemplateInputs, ensure_template
from woc_gate.sandbox.tls import make_tls_files, redirect_to, with_security_headers
from woc_gate.sandbox.web import create_web_app
from woc_gate.sandbox.write_log import WriteLog
from woc_gate.sources.shared import load_shared
from woc_gate.target import migrate
from woc_gate.target.scratch_server import LocalServer, find_server_program

OWNER_POLL_SECONDS = 0.5
PROGRESS_SECONDS = 0.1  # the seed's progress is written at most this often
POLICY_TYPE = "TrackingPolicy"
SCREENSHOT_TYPE = "ScreenshotEvent"


class _Stopped(Exception):
    """SIGTERM or SIGINT arrived while the stack was being set up."""


class Daemon:
    """One stack, from start to stop."""

    def __init__(self, options: stack.StackOptions) -> None:
        self.options = options
        self.faults = frozenset(options.faults)
        self.state_dir = Path(options.state_dir)
        self.repo = Path(options.repo)
        self.tree = self.state_dir / stack.TREE_DIR
        self.storage = self.state_dir / stack.STORAGE_DIR
        self.seed_file = None
        self.instance_dir: Path | None = None
        self.server: LocalServer | ExternalServer | None = None
        self.external: ExternalDatabase | None = None
        self.scratch_url = ""  # scratch accounts on a local server only: an external one is the operator's
        self.restore_url = ""
        self.seeded: dict = {}  # the seed's summary: row counts, objects and their bytes
        self.database_bytes = 0
        self.figures: figures.Figures | None = None
        self._reported = 0.0  # when the start's progress was last written

    def run(self) -> int:
        """Set the stack up, serve until told to stop, clean up; the exit status."""
        for number in (signal.SIGTERM, signal.SIGINT):
            signal.signal(number, _raise_stopped)
        try:
            with limits_reported(SandboxError, "the sandbox cannot start", FILESYSTEM_ADVICE):
                database = self.prepare()
            asyncio.run(self.serve(database))
            return 0
        except _Stopped:
            return 0
        except WocGateError as error:
            self.fail(str(error))
        except Exception as error:  # reported as one line; the traceback goes to the log
            traceback.print_exc()
            self.fail(
                f"the sandbox failed unexpectedly: {type(error).__name__}: {error};"
                f" see {self.state_dir / stack.LOG_FILE}"
            )
        finally:
            self.cleanup()
        return 1

    def prepare(self) -> Database:
        """Start the database with its seed and faults, and the tree copy; the application account."""
        write_private(self.state_dir / stack.PID_FILE, instances.process_token(os.getpid()))
        self.seed_file = load_seed_file()
        instances.sweep_stale(drop_leftover)
        if self.options.ephemeral:
            instances.set_owner(self.state_dir, os.getpid())
        self.instance_dir = instances.create_owned_dir("stack-")
        shutil.copytree(self.repo, self.tree, symlinks=True, ignore=shutil.ignore_patterns("node_modules", ".git"))
        database = self.external_database() if self.options.db_url else self.local_database()
        with self.server.admin_connection(database.name, client_flag=migrate.MULTI_STATEMENTS) as connection:
            slugs = tuple(tenant.slug for tenant in self.seed_file.tenants)
            apply_faults(self.faults, FaultTarget(connection, self.tree, self.storage, slugs))
            self.database_bytes = figures.database_bytes(connection, database.name)
        return database

    def local_database(self) -> Database:
        program = find_server_program()
        inputs = TemplateInputs(self.repo, self.options.scale, self.options.seed, seed.today_anchor())
        template = ensure_template(program, inputs, self.report_seeding)
        datadir = self.instance_dir / "datadir"
        template.copy_to(datadir, self.storage, lambda label: self.report_seeding(inputs.scale, inputs.scale, label))
        self.seeded = template.summary
        self.server = LocalServer(program, datadir, self.instance_dir)
        self.server.start()
        with self.server.admin_connection() as admin:
            password = provision.create_app_account(admin, provision.APP_DATABASE)
            scratch_password = provision.create_scratch_account(admin)
            restore_password = provision.create_restore_account(admin)
        self.scratch_url = self._url(provision.SCRATCH_USER, scratch_password, provision.SCRATCH_DATABASE)
        self.restore_url = self._url(provision.RESTORE_USER, restore_password, provision.RESTORE_DATABASE)
        return Database(
            self.server.host, self.server.port, provision.APP_USER, password, provision.APP_DATABASE, self.server.socket
        )

    def _url(self, user: str, password: str, database: str) -> str:
        return f"mysql://{user}:{quote(password, safe='')}@{self.server.host}:{self.server.port}/{database}"

    def report_seeding(self, done: int, total: int, label: str) -> None:
        """Say how far the seed of the scale organizations is (see ``report``); nothing without them."""
        if self.options.scale:
            self.report(stack.Step(done, total, stack.SEED_UNIT, label))

    def report(self, step: stack.Step) -> None:
        """Say how far the start is, for ``stack.start`` to show while it waits (at most every tenth of a second)."""
        now = time.monotonic()
        if step.done < step.total and now - self._reported < PROGRESS_SECONDS:
            return
        self._reported = now
        write_private(self.state_dir / stack.PROGRESS_FILE, step.line())

    def report_bucket(self, done: int, total: int) -> None:
        """Say how many objects are in the bucket so far (see ``report``)."""
        if self.options.scale:
            self.report(stack.Step(done, total, stack.BUCKET_UNIT, "filling the bucket"))

    def external_database(self) -> Database:
        self.server = ExternalServer(parse_server_url(self.options.db_url))
        self.external = ExternalDatabase(self.server, self.instance_dir)
        password = self.external.create()
        options = {"client_flag": migrate.MULTI_STATEMENTS, "local_infile": True}
        with self.server.admin_connection(self.external.name, **options) as connection:
            migrate.deploy(connection, self.tree / MIGRATIONS)
            plan = seed.build_plan(self.repo / SHARED, scale=self.options.scale, seed=self.options.seed)
            summary = seed.seed_database(connection, plan, self.storage, self.instance_dir, self.report_seeding)
        self.seeded = dataclasses.asdict(summary)
        return Database(self.server.host, self.server.port, self.external.user, password, self.external.name)

    async def serve(self, database: Database) -> None:
        """Serve the apps until SIGTERM, SIGINT or the owner's death."""
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for number in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(number, stopping.set)
        tls = (
            make_tls_files(self.state_dir / stack.TLS_DIR, expiring="tls-certificate-expiring" in self.faults)
            if self.options.tls
            else None
        )
        public_tls = tls if public_endpoints_use_tls(self.options.tls, self.faults) else None
        listeners = {"api": Listener(public_tls), "web": Listener(public_tls), "mail": Listener(tls)}
        redirects = {name: Listener(None) for name in ("api", "web")} if public_tls else {}
        ctx = self.context(database, {name: listener.url for name, listener in listeners.items()}, tls)
        ctx = dataclasses.replace(
            ctx,
            plain_http_urls={name: r.url for name, r in redirects.items()},
            installers_manifest=str(build_release(self.state_dir / stack.RELEASE_DIR, self.faults)),
        )
        s3 = _s3_server() if self.options.s3 else None
        servers = Servers()
        try:
            if s3 is None:
                self.figures = figures.on_disk(self.seeded, self.storage, self.database_bytes)
            else:
                account = s3.start(
                    self.storage, public="public-screenshots" in self.faults, progress=self.report_bucket
                )
                self.figures = figures.in_bucket(self.seeded, account.bucket, *s3.filled, self.database_bytes)
                ctx = dataclasses.replace(
                    ctx,
                    s3_endpoint=account.endpoint,
                    s3_bucket=account.bucket,
                    s3_access_key_id=account.access_key_id,
                    s3_secret_access_key=account.secret_access_key,
                )
            writes = WriteLog(self.state_dir)
            for name, create_app in (("mail", create_mail_app), ("api", create_api_app), ("web", create_web_app)):
                app = writes.around(create_app(ctx), name)
                served = with_security_headers(app, ctx) if name in redirects else app
                await servers.start(name, served, listeners[name])
            for name, listener in redirects.items():
                await servers.start(f"{name} http redirect", redirect_to(listeners[name].url), listener)
            self.publish(ctx)
            await self.wait_for_stop(stopping)
        finally:
            await servers.stop()
            if s3 is not None:
                s3.stop()

    def context(self, database: Database, urls: dict[str, str], tls) -> SandboxContext:
        secrets = make_secrets(self.faults)
        shared = load_shared(self.tree / SHARED)  # the stack's own copy, as its faults left it
        return SandboxContext(
            db=database,
            repo=self.tree,
            storage_dir=self.storage,
            api_base_url=urls["api"],
            web_base_url=urls["web"],
            mail_base_url=urls["mail"],
            jwt_secret=secrets.jwt_secret,
            nextauth_secret=secrets.nextauth_secret,
            cron_secret=secrets.cron_secret,
            resend_api_key=secrets.resend_api_key,
            email_from=EMAIL_FROM,
            contact_to=CONTACT_TO,
            email_require_provider=secrets.email_require_provider,
            policy_schema=shared.schema(POLICY_TYPE),
            screenshot_schema=shared.schema(SCREENSHOT_TYPE),
            ca_bundle=str(tls.ca_bundle) if tls else None,
            policy_envelope=self.options.policy_envelope,
            faults=self.faults,
            resend_read_key=secrets.resend_read_key,
            scratch_url=self.scratch_url,
            restore_url=self.restore_url,
            fault_switch=str(self.state_dir / stack.FAULT_SWITCH_FILE) if self.options.fault_switch else "",
        )

    def publish(self, ctx: SandboxContext) -> None:
        """Write the context, the profile, the env file and the figures, then the ready marker."""
        write_context(self.state_dir / stack.CONTEXT_FILE, ctx)
        figures.write_figures(self.state_dir, self.figures)
        write_profile(self.state_dir / stack.PROFILE_FILE, ctx, self.seed_file, self.state_dir)
        write_env(self.state_dir / stack.ENV_FILE, ctx, self.seed_file, self.state_dir)
        (self.state_dir / stack.READY_FILE).touch()

    async def wait_for_stop(self, stopping: asyncio.Event) -> None:
        owner = instances.process_token(self.options.owner_pid) if self.options.owner_pid else None
        if self.options.owner_pid and owner is None:
            return  # the owner died while the stack started
        while not stopping.is_set():
            try:
                await asyncio.wait_for(stopping.wait(), OWNER_POLL_SECONDS)
            except TimeoutError:
                if owner is not None and not instances.is_alive(owner):
                    return

    def fail(self, message: str) -> None:
        """Leave the one-line reason for the caller."""
        write_private(self.state_dir / stack.ERROR_FILE, " ".join(message.split()) + "\n")

    def cleanup(self) -> None:
        """Stop the database and remove everything this stack made (the log and an error stay)."""
        for number in (signal.SIGTERM, signal.SIGINT):
            signal.signal(number, signal.SIG_IGN)
        if isinstance(self.server, LocalServer):
            self.server.stop()
        if self.external is not None:
            try:
                self.external.drop()
            except WocGateError as error:
                print(f"could not drop {self.external.name}: {error}", file=sys.stderr)
        if self.instance_dir is not None:
            shutil.rmtree(self.instance_dir, ignore_errors=True)
        stack.clear_runtime_entries(self.state_dir, keep=(stack.ERROR_FILE,))


def _raise_stopped(signum, frame) -> None:
    raise _Stopped


def _s3_server():
    from woc_gate.sandbox.s3 import S3Server  # boto3 and moto: a tenth of a second of every other stack's start

    return S3Server()


def main() -> int:
    """Run one stack with the options read from stdin."""
    options = stack.StackOptions(**json.loads(sys.stdin.read()))
    return Daemon(options).run()


if __name__ == "__main__":
    sys.exit(main())
