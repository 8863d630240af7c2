"""The settings of one run, each declared once as a field of ``Settings``: adding a setting is one field.

A field's ``setting(...)`` or ``table(...)`` declares where the value may be given and what it must be
(see ``declaration``); ``OPTIONS`` and ``TABLES`` list the declarations for the loader, the profile
schema, the pytest options and the README table.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..errors import ConfigError, NoTarget
from ..gate import ITEMS
from ..redaction import Redactor, Secret, hidden_parts, reveal, shown, url_passwords
from . import variables
from .declaration import declared, setting, table
from .defaults import (
    DEFAULT_BROWSER,
    DEFAULT_ENDPOINTS,
    DEFAULT_ENVELOPES,
    DEFAULT_LAYOUT,
    DEFAULT_NAMES,
    DEFAULT_ROUTES,
    DEFAULT_UI,
)

TARGETS = ("configured", "sandbox", "checkout")
ENVIRONMENTS = ("dev", "staging", "production")
SMOKE_TENANTS = ("a", "b")
SMOKE_ROLES = ("owner", "admin", "member")
SMOKE_ITEMS = (  # the items whose tests log in as the smoke accounts
    "migration-runbook",
    "tenant-isolation",
    "desktop-runtime",
    "schema-contracts",
    "cron-secret",
    "email-provider",
)
SMOKE_ATTRIBUTES = ("organization", *(f"{role}_{part}" for role in SMOKE_ROLES for part in ("email", "password")))


@dataclass(frozen=True)
class SmokeAccount:
    """A smoke-tenant login the checks use."""

    email: str
    password: Secret


@dataclass(frozen=True)
class SmokeTenant:
    """One of the two smoke tenants: its organization slug and its accounts by role."""

    key: str
    organization: str
    accounts: Mapping[str, SmokeAccount]


def in_a_bucket(settings: Settings) -> bool:
    """Whether screenshots are kept in an S3 bucket (``screenshot_storage`` is ``s3://…``)."""
    return settings.screenshot_storage.startswith("s3://")


def smoke_held(key: str, value: Any) -> str | Secret:
    """A smoke attribute as the settings hold it: passwords wrapped."""
    return Secret(str(value)) if key.endswith("_password") else str(value)


def smoke_tenants(values: Mapping[str, Any]) -> dict[str, SmokeTenant]:
    """The smoke tenants from their attributes by ``tenant.attribute``; an account needs its email and password."""
    tenants = {}
    for key in SMOKE_TENANTS:
        picked = {name.partition(".")[2]: value for name, value in values.items() if name.startswith(f"{key}.")}
        accounts = {
            role: SmokeAccount(picked[f"{role}_email"], picked[f"{role}_password"])
            for role in SMOKE_ROLES
            if f"{role}_email" in picked and f"{role}_password" in picked
        }
        if "organization" in picked or accounts:
            tenants[key] = SmokeTenant(key, picked.get("organization", ""), accounts)
    return tenants


@dataclass(frozen=True)
class Settings:
    """Everything the run knows about its target; ``sources`` says where each value came from."""

    target: str = setting(
        "configured",
        "What to check: the configured deployment, a throwaway reference stack (sandbox),"
        " or a throwaway database built from the --woc-repo checkout (checkout)",
        flag="--woc-target",
        choices=TARGETS,
    )
    environment: str = setting(
        "production", "Environment of the target", flag="--woc-env", variable="WOC_GATE_ENV", choices=ENVIRONMENTS
    )
    repo: Path | None = setting(
        None,
        "Path of the WorkOnClock source checkout",
        flag="--woc-repo",
        needed_by=("schema-contracts", "migration-runbook"),
    )
    migrations: Path | None = setting(
        None,
        "Prisma migrations folder, if not the checkout's [layout] migrations",
        flag="--woc-migrations",
        shown_default="`[layout] migrations` of the checkout",
    )
    commit_sha: str | None = setting(
        None, "WorkOnClock commit SHA being released", flag="--woc-commit", needed_by=("backup-restore",)
    )
    operator: str | None = setting(None, "Who runs the gate", flag="--woc-operator", needed_by=("backup-restore",))
    ca_bundle: Path | None = setting(
        None, "CA bundle that signs the target's TLS certificates", flag="--woc-ca-bundle", shown_default="system CAs"
    )
    attestations: Path | None = setting(
        None,
        "Attestations file (default gate/attestations.toml beside the profile, else here, when present)",
        flag="--attestations",
        shown_default="`gate/attestations.toml` beside the profile, else in the current folder, when present",
        needed_by=tuple(item.id for item in ITEMS if item.attestation_required),
    )
    readonly: bool = setting(
        False,
        "Change nothing on the target: skip every test marked writes (their items stay UNVERIFIED)",
        flag="--woc-readonly",
    )
    attestation_max_age_days: int = setting(30, "Days an attestation counts after its date", minimum=1, unit="days")
    resend_api_url: str = setting(
        "https://api.resend.com", "Base URL of the Resend API", variable="WOC_GATE_RESEND_URL"
    )
    openapi_path: str = setting("", "Path of the runtime API's OpenAPI document; its contract test runs only when set")
    http_timeout: float = setting(
        8.0,
        "Seconds an HTTP request to the target may take, connecting included",
        flag="--woc-http-timeout",
        minimum=0.1,
        unit="seconds",
    )
    connect_retries: int = setting(
        1, "How often to retry a refused or failed HTTP connection", flag="--woc-connect-retries", minimum=0
    )
    tls_verify: bool = setting(True, "Verify the target's TLS certificates", flag="--woc-tls-verify")
    db_timeout: float = setting(
        5.0,
        "Seconds the database may take to accept a session",
        flag="--woc-db-timeout",
        minimum=0.1,
        unit="seconds",
    )
    db_read_timeout: float = setting(300.0, "Seconds a database query may take", minimum=0.1, unit="seconds")
    env_file: Path | None = setting(None, "The deployment's own env file (dotenv format)", flag="--env-file")
    tls_expiry_days: int = setting(
        21, "Days a public endpoint's certificate must still be valid", minimum=1, unit="days"
    )
    hsts_min_age: int = setting(31536000, "Least HSTS max-age of the public endpoints", minimum=1, unit="seconds")
    resend_read_key: Secret | None = setting(
        None,
        "A full-access Resend key of the gate's own (the deployment's sending-only key cannot read)",
        needed_by=("email-provider", "tenant-isolation"),
    )
    email_wait_seconds: int = setting(120, "Seconds an email may take to be delivered", minimum=1, unit="seconds")
    screenshot_storage: str = setting(
        "", "Where screenshots are stored: local, or s3://bucket/prefix", needed_by=("private-screenshot-storage",)
    )
    s3_endpoint: str = setting("", "The S3 endpoint of the screenshot bucket (empty for AWS itself)")
    s3_region: str = setting("us-east-1", "The S3 region of the screenshot bucket")
    s3_access_key_id: str | None = setting(None, "S3 access key of the gate", shown_default="boto3's own chain")
    s3_secret_access_key: Secret | None = setting(None, "S3 secret key of the gate", shown_default="boto3's own chain")
    s3_inventory: str = setting(
        "",
        "The screenshot bucket's S3 Inventory (s3://…/manifest.json, or the folder of its dated reports), whose"
        " newest report the restore drill reads instead of listing the bucket",
        shown_default="none (the drill lists the bucket)",
    )
    s3_inventory_max_age_hours: int = setting(
        48, "How much older than the backup the S3 Inventory report may be", minimum=1, unit="hours"
    )
    storage_sample: int = setting(
        50, "Screenshots whose objects are checked: this many newest and as many oldest", minimum=1
    )
    installers_manifest: Path | None = setting(
        None, "The release's installers manifest (TOML)", needed_by=("signed-installers",)
    )
    migration_scratch_url: str = setting(
        "",
        "Scratch database (on a server like the target's) where pending migrations are tried",
        flag="--woc-scratch-url",
    )
    migration_copy_rows: int = setting(
        100_000, "Rows above which a table copy with writes locked needs maintenance mode", minimum=0, unit="rows"
    )
    restore_scratch_url: str = setting("", "An account limited to workonclock_restore_check (for restore-drill --into)")
    screenshot_storage_dir: Path | None = setting(
        None,
        "Screenshot objects on disk, keyed by objectKey",
        needed_by=("backup-restore",),
        stood_in_by=in_a_bucket,  # the restore drill then reads the keys from the bucket
    )
    restore_drill_record: Path | None = setting(
        None, "A drilled backup whose recorded result the gate reads instead of drilling"
    )
    restore_drill_max_age_hours: int = setting(24, "How old that recorded drill may be", minimum=1, unit="hours")
    faults: tuple[str, ...] = setting(
        (),
        "Start the reference stack with this fault (repeatable; comma-separated in the variable)",
        flag="--woc-fault",
    )
    env: Mapping[str, str | Secret] = table(
        "The runbook's own variables (below), under their own names",
        keys=dict.fromkeys(variables.RUNBOOK_VARIABLES, (str, int, bool)),
        variables="{KEY}",
        held=variables.held,
    )
    smoke: Mapping[str, SmokeTenant] = table(
        "Smoke accounts: organization, owner_email, owner_password, admin_…, member_…",
        keys=dict.fromkeys(SMOKE_ATTRIBUTES, str),
        per=SMOKE_TENANTS,
        variables="WOC_GATE_SMOKE_{KEY}",
        held=smoke_held,
        build=smoke_tenants,
        needed_by=SMOKE_ITEMS,
    )
    plain_http: Mapping[str, str] = table(
        "Per public URL variable, its plain-HTTP URL that must redirect to https",
        keys=dict.fromkeys(variables.PUBLIC_URLS, str),
        variables="WOC_GATE_PLAIN_HTTP_{KEY}",
        shown_default="port 80 of the host",
    )
    restore_tolerance: Mapping[str, float] = table(
        "Per table, the share of rows a restore may differ by", keys={}, any_key=float, shown_default="exact"
    )
    endpoints: Mapping[str, str] = table("Endpoint paths of the API and the web/admin app", DEFAULT_ENDPOINTS)
    envelopes: Mapping[str, str] = table("Keys some API answers wrap their payload under", DEFAULT_ENVELOPES)
    ui: Mapping[str, str] = table("Labels the browser flows look for", DEFAULT_UI)
    layout: Mapping[str, str] = table("Where things are in a WorkOnClock checkout", DEFAULT_LAYOUT)
    names: Mapping[str, str] = table("Type, constant and model names the contracts look up", DEFAULT_NAMES)
    browser: Mapping[str, str] = table(
        "The browser: executable (Playwright's Chromium when empty)", DEFAULT_BROWSER, paths=("executable",)
    )
    routes: Mapping[str, Any] = table("The tenant-isolation route inventory", DEFAULT_ROUTES)
    sandbox: Mapping[str, Any] = table(
        "What a reference stack says about itself (written by the stack)",
        keys={"state_dir": str, "faults": list, "storage_dir": str, "pid": int},
    )
    sources: Mapping[str, str] = field(default_factory=dict)

    def var(self, name: str) -> str | None:
        """A runbook variable's plain value (secrets revealed), or None when unset."""
        value = self.env.get(name)
        return None if value is None else reveal(value)

    @property
    def web_url(self) -> str | None:
        """``NEXTAUTH_URL``: the public web/admin URL."""
        return self.var("NEXTAUTH_URL")

    @property
    def api_url(self) -> str | None:
        """``API_BASE_URL``: the public runtime API URL."""
        return self.var("API_BASE_URL")

    @property
    def desktop_api_url(self) -> str | None:
        """``WOC_API_URL``, which the desktop client uses; ``API_BASE_URL`` when unset."""
        return self.var("WOC_API_URL") or self.api_url

    @property
    def database_url(self) -> str | None:
        """``DATABASE_URL``, or one built from ``DB_HOST``/``DB_PORT``/``DB_USER``/``DB_PASSWORD``/``DB_NAME``."""
        if self.var("DATABASE_URL"):
            return self.var("DATABASE_URL")
        if not (self.var("DB_HOST") and self.var("DB_NAME")):
            return None
        credentials = quote(self.var("DB_USER") or "", safe="")
        if self.var("DB_PASSWORD"):
            credentials += ":" + quote(self.var("DB_PASSWORD"), safe="")
        port = f":{self.var('DB_PORT')}" if self.var("DB_PORT") else ""
        at = "@" if credentials else ""
        return f"mysql://{credentials}{at}{self.var('DB_HOST')}{port}/{self.var('DB_NAME')}"

    def repo_path(self, part: str) -> Path | None:
        """A part of the WorkOnClock checkout (``shared``, ``prisma_schema``, …), or None without a checkout."""
        return self.repo / self.layout[part] if self.repo else None

    def checkout_part(self, part: str, *, otherwise: str = "") -> Path:
        """A part of the checkout that must exist; a ``ConfigError`` naming ``[layout] part`` when it does not."""
        path = self.repo_path(part)
        if path is None or not path.exists():
            raise ConfigError(
                f"the checkout {self.repo} has no {self.layout[part]} ([layout] {part}): a layout other than"
                f" WorkOnClock's? set [layout] {part} in the profile to where it is{otherwise}"
            )
        return path

    @property
    def migrations_dir(self) -> Path:
        """The Prisma migrations folder: ``migrations`` when given, else the checkout's; a ``ConfigError`` if absent."""
        if self.migrations is None and self.repo is None:
            raise ConfigError(
                "no migrations folder: pass --woc-migrations PATH (or WOC_GATE_MIGRATIONS, or --woc-repo)"
            )
        if self.migrations is None:
            return self.checkout_part("migrations", otherwise=", or pass --woc-migrations PATH")
        if not self.migrations.is_dir():
            raise ConfigError(
                f"the migrations folder {self.migrations} ({self.sources.get('migrations', 'given')}) does not exist;"
                " pass --woc-migrations with a Prisma migrations folder"
            )
        return self.migrations

    def required_database_url(self) -> str:
        """The database URL; a ``NoTarget`` error saying how to configure one when there is none."""
        if not self.database_url:
            raise NoTarget(
                "no database configured: set DATABASE_URL (or DB_HOST, DB_NAME, …), write woc-gate.toml here,"
                " or pass --woc-config PATH"
            )
        return self.database_url

    @property
    def has_target(self) -> bool:
        """True when a deployment is described: a web URL, an API URL or a database."""
        return bool(self.web_url or self.api_url or self.database_url)

    def redactor(self) -> Redactor:
        """A redactor for every secret value these settings hold, and every password inside a URL."""
        values = [part for value in self._held_values() for part in hidden_parts(value)]
        return Redactor(values + url_passwords(self.database_url or ""))

    def described(self) -> list[str]:
        """The non-default settings as ``name=value (from source)`` lines, secrets masked."""
        return [
            f"{address}={self._shown(address)} ({source})"
            for address, source in self.sources.items()
            if source != "default"
        ]

    def summarized(self) -> list[str]:
        """The non-default settings as one ``from source: name, …`` line per source (table keys by table)."""
        by_source: dict[str, list[str]] = {}
        for address, source in self.sources.items():
            if source != "default":
                name = address.rpartition(".")[0] or address
                names = by_source.setdefault(source, [])
                if name not in names:
                    names.append(name)
        return [f"{source}: {', '.join(names)}" for source, names in by_source.items()]

    def _held_values(self) -> Iterator[Any]:
        yield from (getattr(self, option.name) for option in OPTIONS)
        yield from self.env.values()
        yield from (account.password for tenant in self.smoke.values() for account in tenant.accounts.values())

    def _shown(self, address: str) -> str:
        if address in self.env:
            value = self.env[address]
        elif "." not in address:
            value = getattr(self, address)
        elif address.startswith("smoke."):
            value = _smoke_value(self, address)
        else:
            name, _, key = address.partition(".")
            value = getattr(self, name)[key]
        return ", ".join(map(str, value)) if isinstance(value, list | tuple) else shown(value)


def _smoke_value(settings: Settings, address: str) -> str | Secret:
    _, key, attribute = address.split(".")
    tenant = settings.smoke.get(key)
    role, _, part = attribute.partition("_")
    if attribute == "organization":
        return tenant.organization
    account = tenant.accounts.get(role) if tenant else None
    return getattr(account, part) if account else f"(unused: {role}_email and {role}_password go together)"


OPTIONS, TABLES = declared(Settings)


def secret_variables() -> list[str]:
    """The environment variable of every secret setting (runbook secrets, smoke passwords, the gate's keys)."""
    names = [option.variable for option in OPTIONS if option.kind is Secret]
    for table_ in TABLES:
        if table_.variables:
            keys = table_.all_keys()
            names += [table_.variable(key) for key in keys if isinstance(table_.hold(key, "value"), Secret)]
    return names
