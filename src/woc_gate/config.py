"""The settings of one run, and where each came from.

Precedence, highest first: command-line option, the reference stack (when ``--woc-target=sandbox``
started one), environment variable, target profile file (``woc-gate.toml`` or ``--woc-config``),
default. The runbook's variables keep their own names (``NEXTAUTH_URL``, ``CRON_SECRET``, …); the
suite's own start with ``WOC_GATE_``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .errors import ConfigError
from .redaction import Redactor, Secret, mask_url, reveal

TARGETS = ("configured", "sandbox")
ENVIRONMENTS = ("dev", "staging", "production")
PROFILE_NAME = "woc-gate.toml"
DEFAULT_ATTESTATIONS = Path("gate") / "attestations.toml"

RUNBOOK_VARIABLES = (
    "DATABASE_URL",
    "DB_HOST",
    "DB_PORT",
    "DB_USER",
    "DB_PASSWORD",
    "DB_NAME",
    "NEXTAUTH_URL",
    "NEXTAUTH_SECRET",
    "JWT_SECRET",
    "RESEND_API_KEY",
    "EMAIL_FROM",
    "CONTACT_TO",
    "EMAIL_REQUIRE_PROVIDER",
    "CRON_SECRET",
    "API_BASE_URL",
    "WOC_API_URL",
)
SECRET_VARIABLES = frozenset(
    {"DATABASE_URL", "DB_PASSWORD", "NEXTAUTH_SECRET", "JWT_SECRET", "RESEND_API_KEY", "CRON_SECRET"}
)
SMOKE_TENANTS = ("a", "b")
SMOKE_ROLES = ("owner", "admin", "member")

DEFAULT_ENDPOINTS = {
    "api_login": "/auth/login",
    "api_health": "/health",
    "policy": "/tracking/policy",
    "tracking_start": "/tracking/start",
    "tracking_stop": "/tracking/stop",
    "screenshots": "/screenshots",
    "screenshot": "/screenshots/{id}",
    "screenshot_preview": "/screenshots/{id}/preview",
    "users": "/users",
    "user": "/users/{id}",
    "projects": "/projects",
    "project": "/projects/{id}",
    "time_entries": "/time-entries",
    "time_entry": "/time-entries/{id}",
    "web_login": "/login",
    "web_health": "/api/health",
    "web_settings": "/api/settings",
    "cron_retention": "/api/cron/screenshot-retention",
    "admin": "/admin",
    "admin_users": "/admin/users",
    "admin_user": "/admin/users/{id}",
    "admin_projects": "/admin/projects",
    "admin_settings": "/admin/settings",
    "admin_screenshot": "/admin/screenshots/{id}",
    "admin_adhoc": "/admin/adhoc",
    "admin_invites": "/admin/invites",
    "register": "/register",
    "forgot_password": "/forgot-password",
    "contact": "/contact",
}
DEFAULT_ENVELOPES = {"policy": "data", "screenshot": "", "list": "", "web_settings": "", "time_entry": ""}
DEFAULT_UI = {"email": "Email", "password": "Password", "sign_in": "Sign in", "save": "Save"}
DEFAULT_LAYOUT = {  # where things are in a WorkOnClock checkout
    "shared": "packages/shared",
    "prisma_schema": "apps/web/prisma/schema.prisma",
    "migrations": "apps/web/prisma/migrations",
    "api_src": "apps/api/src",
    "runtime_sql": "apps/api/src/**/*.ts",  # comma-separated globs of the runtime API's SQL sources
}
DEFAULT_NAMES = {  # the names the contracts look up in the shared package and the Prisma schema
    "policy_type": "TrackingPolicy",
    "screenshot_type": "ScreenshotEvent",
    "role_key_type": "RoleKey",
    "permissions": "PERMISSIONS",
    "role_defaults": "ROLE_DEFAULT_PERMISSIONS",
    "role_enum": "RoleKey",
    "settings_model": "OrganizationSettings",
    "organization_model": "Organization",
    "role_model": "Role",
    "permission_model": "Permission",
    "role_permission_model": "RolePermission",
    "screenshot_model": "Screenshot",
    "sql_methods": "query,execute",  # the runtime API's methods that take a SQL statement first
}


@dataclass(frozen=True)
class Option:
    """One of the suite's own settings: its command-line flag, variable and profile key."""

    name: str
    flag: str | None
    variable: str
    default: Any = None
    help: str = ""
    boolean: bool = False


OPTIONS = (
    Option(
        "target",
        "--woc-target",
        "WOC_GATE_TARGET",
        "configured",
        "What to check: the configured deployment, or a throwaway reference stack (sandbox)",
    ),
    Option(
        "environment",
        "--woc-env",
        "WOC_GATE_ENV",
        "production",
        "Environment of the target: dev, staging or production",
    ),
    Option("repo", "--woc-repo", "WOC_GATE_REPO", None, "Path of the WorkOnClock source checkout"),
    Option("commit_sha", "--woc-commit", "WOC_GATE_COMMIT_SHA", None, "WorkOnClock commit SHA being released"),
    Option("operator", "--woc-operator", "WOC_GATE_OPERATOR", None, "Who runs the gate"),
    Option(
        "ca_bundle", "--woc-ca-bundle", "WOC_GATE_CA_BUNDLE", None, "CA bundle that signs the target's TLS certificates"
    ),
    Option(
        "attestations",
        "--attestations",
        "WOC_GATE_ATTESTATIONS",
        None,
        "Attestations file (default gate/attestations.toml when present)",
    ),
    Option(
        "readonly",
        "--woc-readonly",
        "WOC_GATE_READONLY",
        False,
        "Change nothing on the target: skip every test marked writes (their items stay UNVERIFIED)",
        boolean=True,
    ),
    Option("attestation_max_age_days", None, "WOC_GATE_ATTESTATION_MAX_AGE_DAYS", 30),
    Option("resend_api_url", None, "WOC_GATE_RESEND_URL", "https://api.resend.com"),
    Option("openapi_path", None, "WOC_GATE_OPENAPI_PATH", ""),
    Option("migration_scratch_url", None, "WOC_GATE_MIGRATION_SCRATCH_URL", ""),  # where pending ALTERs are tried
    Option("restore_scratch_url", None, "WOC_GATE_RESTORE_SCRATCH_URL", ""),  # an account limited to the scratch db
    Option("screenshot_storage_dir", None, "WOC_GATE_SCREENSHOT_STORAGE_DIR", ""),  # objects keyed by objectKey
    Option("restore_drill_record", None, "WOC_GATE_RESTORE_DRILL_RECORD", ""),  # a drilled backup's manifest
    Option("restore_drill_max_age_hours", None, "WOC_GATE_RESTORE_DRILL_MAX_AGE_HOURS", 24),
)
URL_SETTINGS = ("migration_scratch_url", "restore_scratch_url")  # settings whose URLs carry a password


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


@dataclass(frozen=True)
class Settings:
    """Everything the run knows about its target; ``sources`` says where each value came from."""

    target: str = "configured"
    environment: str = "production"
    repo: Path | None = None
    commit_sha: str | None = None
    operator: str | None = None
    ca_bundle: Path | None = None
    attestations: Path | None = None
    readonly: bool = False
    attestation_max_age_days: int = 30
    resend_api_url: str = "https://api.resend.com"
    openapi_path: str = ""
    migration_scratch_url: str = ""
    restore_scratch_url: str = ""
    screenshot_storage_dir: str = ""
    restore_drill_record: str = ""
    restore_drill_max_age_hours: int = 24
    restore_tolerance: Mapping[str, str] = field(default_factory=dict)  # table -> allowed share of rows, e.g. 0.01
    faults: tuple[str, ...] = ()
    env: Mapping[str, str | Secret] = field(default_factory=dict)
    smoke: Mapping[str, SmokeTenant] = field(default_factory=dict)
    endpoints: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_ENDPOINTS))
    envelopes: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_ENVELOPES))
    ui: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_UI))
    layout: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_LAYOUT))
    names: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_NAMES))
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
        credentials = self.var("DB_USER") or ""
        if self.var("DB_PASSWORD"):
            credentials += ":" + self.var("DB_PASSWORD")
        port = f":{self.var('DB_PORT')}" if self.var("DB_PORT") else ""
        at = "@" if credentials else ""
        return f"mysql://{credentials}{at}{self.var('DB_HOST')}{port}/{self.var('DB_NAME')}"

    def repo_path(self, part: str) -> Path | None:
        """A part of the WorkOnClock checkout (``shared``, ``prisma_schema``, …), or None without a checkout."""
        return self.repo / self.layout[part] if self.repo else None

    @property
    def has_target(self) -> bool:
        """True when a deployment is described: a web URL, an API URL or a database."""
        return bool(self.web_url or self.api_url or self.database_url)

    def redactor(self) -> Redactor:
        """A redactor for every secret value these settings hold."""
        values = [reveal(v) for k, v in self.env.items() if isinstance(v, Secret) and k != "DATABASE_URL"]
        if self.database_url:
            values.append(urlsplit(self.database_url).password or "")
        values += [a.password.reveal() for t in self.smoke.values() for a in t.accounts.values()]
        values += [urlsplit(getattr(self, name)).password or "" for name in URL_SETTINGS if getattr(self, name)]
        return Redactor(values)

    def described(self) -> list[str]:
        """The non-default settings as ``name=value (from source)`` lines, secrets masked."""
        lines = []
        for name, source in self.sources.items():
            if source == "default":
                continue
            lines.append(f"{name}={self._shown(name)} ({source})")
        return lines

    def summarized(self) -> list[str]:
        """The non-default settings as one ``from source: name, …`` line per source (smoke accounts by tenant)."""
        by_source: dict[str, list[str]] = {}
        for name, source in self.sources.items():
            if source != "default":
                shown = "smoke." + name.split(".")[1] if name.startswith("smoke.") else name
                names = by_source.setdefault(source, [])
                if shown not in names:
                    names.append(shown)
        return [f"{source}: {', '.join(names)}" for source, names in by_source.items()]

    def _shown(self, name: str) -> str:
        if name in self.env:
            value = self.env[name]
            return str(value) if name != "DATABASE_URL" else mask_url(reveal(value))
        if name in URL_SETTINGS:
            return mask_url(getattr(self, name))
        if name.startswith("smoke."):
            return "****" if name.endswith("_password") else str(_smoke_value(self, name))
        return str(getattr(self, name))


def _smoke_value(settings: Settings, dotted: str) -> str:
    _, key, attribute = dotted.split(".")
    tenant = settings.smoke[key]
    if attribute == "organization":
        return tenant.organization
    role, _, part = attribute.partition("_")
    return getattr(tenant.accounts[role], part)


@dataclass
class _Layers:
    """The raw values of each source, highest precedence first."""

    layers: list[tuple[str, Mapping[str, Any]]]

    def pick(self, key: str, default: Any) -> tuple[Any, str]:
        for source, values in self.layers:
            if values.get(key) not in (None, ""):
                return values[key], source
        return default, "default"


def load(
    *,
    options: Mapping[str, Any],
    environ: Mapping[str, str],
    rootdir: Path,
    sandbox_profile: Path | None = None,
) -> Settings:
    """Build the settings of one run from the command line, the reference stack, the environment and the profile."""
    profile_path = _profile_path(options, environ, rootdir)
    profile = _read_profile(profile_path) if profile_path else {}
    sandbox = _read_profile(sandbox_profile) if sandbox_profile else {}
    profile_source = f"from {profile_path.name}" if profile_path else "from profile"
    layers = _Layers(
        [
            ("from command line", {o.name: options.get(o.name) for o in OPTIONS}),
            ("from sandbox", _flat(sandbox)),
            (
                "from env",
                {o.name: environ.get(o.variable) for o in OPTIONS}
                | {name: environ.get(name) for name in RUNBOOK_VARIABLES}
                | _smoke_env(environ),
            ),
            (profile_source, _flat(profile)),
        ]
    )
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for option in OPTIONS:
        values[option.name], sources[option.name] = layers.pick(option.name, option.default)
    env: dict[str, str | Secret] = {}
    for name in RUNBOOK_VARIABLES:
        value, source = layers.pick(name, None)
        if value is not None:
            env[name] = Secret(str(value)) if name in SECRET_VARIABLES else str(value)
            sources[name] = source
    smoke = _smoke(layers, sources)
    faults = tuple(options.get("faults") or ()) or _split(environ.get("WOC_GATE_FAULTS", ""))
    return Settings(
        target=_choice("target", values["target"], TARGETS, sources),
        environment=_choice("environment", values["environment"], ENVIRONMENTS, sources),
        repo=_path(values["repo"]),
        commit_sha=values["commit_sha"],
        operator=values["operator"],
        ca_bundle=_path(values["ca_bundle"]),
        attestations=_attestations_path(values["attestations"], rootdir),
        readonly=_boolean("readonly", values["readonly"], sources),
        attestation_max_age_days=_positive_int("attestation_max_age_days", values["attestation_max_age_days"], sources),
        resend_api_url=values["resend_api_url"],
        openapi_path=values["openapi_path"],
        migration_scratch_url=values["migration_scratch_url"],
        restore_scratch_url=values["restore_scratch_url"],
        screenshot_storage_dir=values["screenshot_storage_dir"],
        restore_drill_record=values["restore_drill_record"],
        restore_drill_max_age_hours=_positive_int(
            "restore_drill_max_age_hours", values["restore_drill_max_age_hours"], sources
        ),
        restore_tolerance=_table(profile, "restore_tolerance"),
        faults=faults,
        env=env,
        smoke=smoke,
        endpoints=DEFAULT_ENDPOINTS | _table(profile, "endpoints") | _table(sandbox, "endpoints"),
        envelopes=DEFAULT_ENVELOPES | _table(profile, "envelopes") | _table(sandbox, "envelopes"),
        ui=DEFAULT_UI | _table(profile, "ui") | _table(sandbox, "ui"),
        layout=DEFAULT_LAYOUT | _table(profile, "layout") | _table(sandbox, "layout"),
        names=DEFAULT_NAMES | _table(profile, "names") | _table(sandbox, "names"),
        sources=sources,
    )


def _profile_path(options: Mapping[str, Any], environ: Mapping[str, str], rootdir: Path) -> Path | None:
    explicit = options.get("config") or environ.get("WOC_GATE_CONFIG")
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(
                f"target profile {explicit} does not exist; pass --woc-config with the path of a woc-gate.toml"
            )
        return path
    default = rootdir / PROFILE_NAME
    return default if default.is_file() else None


def _read_profile(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"target profile {path} is not valid TOML: {error}") from None
    except OSError as error:
        raise ConfigError(f"cannot read target profile {path}: {error.strerror}") from None


def _flat(profile: Mapping[str, Any]) -> dict[str, Any]:
    """A profile's settings under the names ``load`` picks by: top-level keys, ``[env]``, ``[smoke.*]``."""
    flat = {k: v for k, v in profile.items() if not isinstance(v, dict)}
    flat |= {k: v for k, v in profile.get("env", {}).items() if k in RUNBOOK_VARIABLES}
    for key, tenant in profile.get("smoke", {}).items():
        flat |= {f"smoke.{key}.{attribute}": value for attribute, value in tenant.items()}
    return flat


def _smoke_attributes() -> list[str]:
    return ["organization"] + [f"{role}_{part}" for role in SMOKE_ROLES for part in ("email", "password")]


def _smoke_env(environ: Mapping[str, str]) -> dict[str, str | None]:
    return {
        f"smoke.{key}.{attribute}": environ.get(f"WOC_GATE_SMOKE_{key.upper()}_{attribute.upper()}")
        for key in SMOKE_TENANTS
        for attribute in _smoke_attributes()
    }


def _smoke(layers: _Layers, sources: dict[str, str]) -> dict[str, SmokeTenant]:
    tenants = {}
    for key in SMOKE_TENANTS:
        picked = {}
        for attribute in _smoke_attributes():
            name = f"smoke.{key}.{attribute}"
            value, source = layers.pick(name, None)
            if value is not None:
                picked[attribute] = str(value)
                sources[name] = source
        accounts = {
            role: SmokeAccount(picked[f"{role}_email"], Secret(picked[f"{role}_password"]))
            for role in SMOKE_ROLES
            if f"{role}_email" in picked and f"{role}_password" in picked
        }
        if "organization" in picked or accounts:
            tenants[key] = SmokeTenant(key, picked.get("organization", ""), accounts)
    return tenants


def _table(profile: Mapping[str, Any], name: str) -> dict[str, str]:
    return {k: str(v) for k, v in profile.get(name, {}).items()}


def _choice(name: str, value: Any, choices: tuple[str, ...], sources: Mapping[str, str]) -> str:
    if value not in choices:
        raise ConfigError(f"{name} {value!r} ({sources[name]}) is not one of {', '.join(choices)}")
    return value


def _positive_int(name: str, value: Any, sources: Mapping[str, str]) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if number < 1:
        raise ConfigError(f"{name} {value!r} ({sources[name]}) must be a whole number of at least 1")
    return number


def _boolean(name: str, value: Any, sources: Mapping[str, str]) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} {value!r} ({sources[name]}) must be true or false")


def _path(value: Any) -> Path | None:
    return Path(value) if value else None


def _attestations_path(value: Any, rootdir: Path) -> Path | None:
    if value:
        return Path(value)
    default = rootdir / DEFAULT_ATTESTATIONS
    return default if default.is_file() else None


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())
