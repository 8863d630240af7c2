"""The settings of one run, and where each came from.

Precedence, highest first: command-line option, the reference stack (when ``--woc-target=sandbox``
started one), environment variable, target profile file (``woc-gate.toml`` or ``--woc-config``),
default. The runbook's variables keep their own names (``NEXTAUTH_URL``, ``CRON_SECRET``, …); the
suite's own start with ``WOC_GATE_``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from . import profile as profile_file
from .defaults import (  # noqa: F401 - part of config's API
    DEFAULT_BROWSER,
    DEFAULT_ENDPOINTS,
    DEFAULT_ENVELOPES,
    DEFAULT_LAYOUT,
    DEFAULT_NAMES,
    DEFAULT_ROUTES,
    DEFAULT_UI,
)
from .errors import ConfigError
from .profile import Section
from .redaction import Redactor, Secret, mask_url, reveal, url_passwords

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
SMOKE_ATTRIBUTES = ("organization", *(f"{role}_{part}" for role in SMOKE_ROLES for part in ("email", "password")))
TRUTHS = {"true": True, "1": True, "yes": True, "on": True, "false": False, "0": False, "no": False, "off": False}

# The tables of a target profile and the types of their keys, checked when the profile is read.
# Adding a section ([restore], [browser], …) is one line here: its name and Section({key: type}).
PROFILE_SECTIONS = {
    "env": Section(dict.fromkeys(RUNBOOK_VARIABLES, (str, int, bool))),
    "smoke": Section(dict.fromkeys(SMOKE_ATTRIBUTES, str), per=SMOKE_TENANTS),
    "endpoints": Section(dict.fromkeys(DEFAULT_ENDPOINTS, str)),
    "envelopes": Section(dict.fromkeys(DEFAULT_ENVELOPES, str)),
    "ui": Section(dict.fromkeys(DEFAULT_UI, str)),
    "layout": Section(dict.fromkeys(DEFAULT_LAYOUT, str)),
    "names": Section(dict.fromkeys(DEFAULT_NAMES, str)),
    "browser": Section(dict.fromkeys(DEFAULT_BROWSER, str)),
    "routes": Section(dict.fromkeys(DEFAULT_ROUTES, list)),
    "restore_tolerance": Section({}, any_key=float),  # table name -> allowed share of rows
    "plain_http": Section(dict.fromkeys(("NEXTAUTH_URL", "API_BASE_URL", "WOC_API_URL"), str)),
    "sandbox": Section({"state_dir": str, "faults": list, "storage_dir": str, "pid": int}),  # written by the stack
}


@dataclass(frozen=True)
class Option:
    """One of the suite's own settings: its command-line flag, variable and profile key."""

    name: str
    flag: str | None
    variable: str
    default: Any = None
    help: str = ""
    kind: type = str  # what the value is; options, variables and profile values are converted to it


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
        bool,
    ),
    Option("attestation_max_age_days", None, "WOC_GATE_ATTESTATION_MAX_AGE_DAYS", 30, kind=int),
    Option("resend_api_url", None, "WOC_GATE_RESEND_URL", "https://api.resend.com"),
    Option("openapi_path", None, "WOC_GATE_OPENAPI_PATH", ""),
    # reaching a real deployment: timeouts, retries, TLS (tests/test_target_errors.py)
    Option(
        "http_timeout",
        "--woc-http-timeout",
        "WOC_GATE_HTTP_TIMEOUT",
        8.0,
        "Seconds an HTTP request to the target may take, connecting included",
        float,
    ),
    Option(
        "connect_retries",
        "--woc-connect-retries",
        "WOC_GATE_CONNECT_RETRIES",
        1,
        "How often to retry a refused or failed HTTP connection",
        int,
    ),
    Option("tls_verify", "--woc-tls-verify", "WOC_GATE_TLS_VERIFY", True, "Verify the target's TLS certificates", bool),
    Option(
        "db_timeout",
        "--woc-db-timeout",
        "WOC_GATE_DB_TIMEOUT",
        5.0,
        "Seconds the database may take to accept a session",
        float,
    ),
    Option("db_read_timeout", None, "WOC_GATE_DB_READ_TIMEOUT", 300.0, kind=float),
    # readiness (env-inventory, email-provider, storage, installers)
    Option("env_file", "--env-file", "WOC_GATE_ENV_FILE", None, "The deployment's own env file (dotenv format)"),
    Option("tls_expiry_days", None, "WOC_GATE_TLS_EXPIRY_DAYS", 21, kind=int),
    Option("hsts_min_age", None, "WOC_GATE_HSTS_MIN_AGE", 31536000, kind=int),
    Option("resend_read_key", None, "WOC_GATE_RESEND_READ_KEY", None),  # the gate's own full-access key
    Option("email_wait_seconds", None, "WOC_GATE_EMAIL_WAIT_SECONDS", 120, kind=int),
    Option("screenshot_storage", None, "WOC_GATE_SCREENSHOT_STORAGE", ""),  # "local" or s3://bucket/prefix
    Option("s3_endpoint", None, "WOC_GATE_S3_ENDPOINT", ""),  # empty for AWS itself
    Option("s3_region", None, "WOC_GATE_S3_REGION", "us-east-1"),
    Option("s3_access_key_id", None, "WOC_GATE_S3_ACCESS_KEY_ID", None),
    Option("s3_secret_access_key", None, "WOC_GATE_S3_SECRET_ACCESS_KEY", None),
    Option("storage_sample", None, "WOC_GATE_STORAGE_SAMPLE", 50, kind=int),
    Option("installers_manifest", None, "WOC_GATE_INSTALLERS_MANIFEST", None),  # the release's manifest (TOML)
    Option("migration_scratch_url", None, "WOC_GATE_MIGRATION_SCRATCH_URL", ""),  # where pending ALTERs are tried
    Option("restore_scratch_url", None, "WOC_GATE_RESTORE_SCRATCH_URL", ""),  # an account limited to the scratch db
    Option("screenshot_storage_dir", None, "WOC_GATE_SCREENSHOT_STORAGE_DIR", ""),  # objects keyed by objectKey
    Option("restore_drill_record", None, "WOC_GATE_RESTORE_DRILL_RECORD", ""),  # a drilled backup's manifest
    Option("restore_drill_max_age_hours", None, "WOC_GATE_RESTORE_DRILL_MAX_AGE_HOURS", 24, kind=int),
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
    http_timeout: float = 8.0
    connect_retries: int = 1
    tls_verify: bool = True
    db_timeout: float = 5.0
    db_read_timeout: float = 300.0
    env_file: Path | None = None
    tls_expiry_days: int = 21
    hsts_min_age: int = 31536000
    plain_http: Mapping[str, str] = field(default_factory=dict)  # variable -> its plain-HTTP URL that must redirect
    resend_read_key: Secret | None = None
    email_wait_seconds: int = 120
    screenshot_storage: str = ""
    s3_endpoint: str = ""
    s3_region: str = "us-east-1"
    s3_access_key_id: str | None = None
    s3_secret_access_key: Secret | None = None
    storage_sample: int = 50
    installers_manifest: Path | None = None
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
    browser: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_BROWSER))
    routes: Mapping[str, Any] = field(default_factory=lambda: dict(DEFAULT_ROUTES))
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

    @property
    def has_target(self) -> bool:
        """True when a deployment is described: a web URL, an API URL or a database."""
        return bool(self.web_url or self.api_url or self.database_url)

    def redactor(self) -> Redactor:
        """A redactor for every secret value these settings hold."""
        values = [reveal(v) for k, v in self.env.items() if isinstance(v, Secret) and k != "DATABASE_URL"]
        for url in (*(reveal(v) for v in self.env.values()), self.database_url or "", self.resend_api_url):
            values += url_passwords(url)
        values += [a.password.reveal() for t in self.smoke.values() for a in t.accounts.values()]
        values += [key.reveal() for key in (self.resend_read_key, self.s3_secret_access_key) if key]
        for name in URL_SETTINGS:
            values += url_passwords(getattr(self, name))
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
            return mask_url(reveal(value)) if name == "DATABASE_URL" else mask_url(str(value))
        if name == "resend_api_url" or name in URL_SETTINGS:
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
            text = str(value).lower() if isinstance(value, bool) else str(value)
            env[name] = Secret(text) if name in SECRET_VARIABLES else text
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
        readonly=_typed(values, sources, "readonly", bool),
        attestation_max_age_days=_positive_int("attestation_max_age_days", values["attestation_max_age_days"], sources),
        resend_api_url=values["resend_api_url"],
        openapi_path=values["openapi_path"],
        http_timeout=_typed(values, sources, "http_timeout", float, minimum=0.1),
        connect_retries=_typed(values, sources, "connect_retries", int, minimum=0),
        tls_verify=_typed(values, sources, "tls_verify", bool),
        db_timeout=_typed(values, sources, "db_timeout", float, minimum=0.1),
        db_read_timeout=_typed(values, sources, "db_read_timeout", float, minimum=0.1),
        env_file=_path(values["env_file"]),
        tls_expiry_days=_positive_int("tls_expiry_days", values["tls_expiry_days"], sources),
        hsts_min_age=_positive_int("hsts_min_age", values["hsts_min_age"], sources),
        plain_http=_table(profile, "plain_http") | _table(sandbox, "plain_http"),
        resend_read_key=Secret(str(values["resend_read_key"])) if values["resend_read_key"] else None,
        email_wait_seconds=_positive_int("email_wait_seconds", values["email_wait_seconds"], sources),
        screenshot_storage=str(values["screenshot_storage"]),
        s3_endpoint=str(values["s3_endpoint"]),
        s3_region=str(values["s3_region"]),
        s3_access_key_id=values["s3_access_key_id"],
        s3_secret_access_key=Secret(str(values["s3_secret_access_key"])) if values["s3_secret_access_key"] else None,
        storage_sample=_positive_int("storage_sample", values["storage_sample"], sources),
        installers_manifest=_path(values["installers_manifest"]),
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
        browser=DEFAULT_BROWSER | _table(profile, "browser") | _table(sandbox, "browser"),
        routes=DEFAULT_ROUTES | profile.get("routes", {}) | sandbox.get("routes", {}),
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
    top = {option.name: option.kind for option in OPTIONS}
    return profile_file.read(path, top, PROFILE_SECTIONS)


def _flat(profile: Mapping[str, Any]) -> dict[str, Any]:
    """A profile's settings under the names ``load`` picks by: top-level keys, ``[env]``, ``[smoke.*]``."""
    flat = {k: v for k, v in profile.items() if not isinstance(v, dict)}
    flat |= {k: v for k, v in profile.get("env", {}).items() if k in RUNBOOK_VARIABLES}
    for key, tenant in profile.get("smoke", {}).items():
        flat |= {f"smoke.{key}.{attribute}": value for attribute, value in tenant.items()}
    return flat


def _smoke_env(environ: Mapping[str, str]) -> dict[str, str | None]:
    return {
        f"smoke.{key}.{attribute}": environ.get(f"WOC_GATE_SMOKE_{key.upper()}_{attribute.upper()}")
        for key in SMOKE_TENANTS
        for attribute in SMOKE_ATTRIBUTES
    }


def _smoke(layers: _Layers, sources: dict[str, str]) -> dict[str, SmokeTenant]:
    tenants = {}
    for key in SMOKE_TENANTS:
        picked = {}
        for attribute in SMOKE_ATTRIBUTES:
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


def _typed(values: Mapping[str, Any], sources: Mapping[str, str], name: str, kind: type, minimum: float = 0) -> Any:
    """A setting converted to its kind: text from an option or variable becomes a number or a truth value."""
    value = values[name]
    if kind is bool:
        if isinstance(value, bool):
            return value
        if str(value).strip().lower() in TRUTHS:
            return TRUTHS[str(value).strip().lower()]
        raise ConfigError(f"{name} {value!r} ({sources[name]}) must be true or false")
    try:
        number = kind(value)
    except (TypeError, ValueError):
        number = None
    if number is None or isinstance(value, bool) or number < minimum:
        what = "a whole number" if kind is int else "a number of seconds"
        raise ConfigError(f"{name} {value!r} ({sources[name]}) must be {what} of at least {minimum:g}")
    return number


def _path(value: Any) -> Path | None:
    return Path(value) if value else None


def _attestations_path(value: Any, rootdir: Path) -> Path | None:
    if value:
        return Path(value)
    default = rootdir / DEFAULT_ATTESTATIONS
    return default if default.is_file() else None


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())
