"""The runbook's own variables (§2), declared once: meaning, form of the value, whether it is secret.

The settings hold them under ``[env]`` (and read them from the environment under their own names);
the env-inventory checks judge them by their form; the sandbox prints them masked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..redaction import Secret

URL = "an http(s) URL"
ADDRESS = "an email address"
BOOLEAN = "true or false"
MYSQL_URL = "a mysql:// URL"
PORT = "a port number"
TEXT = "text"


@dataclass(frozen=True)
class Variable:
    """A runbook variable: what it is for, the form of its value, and how env-inventory judges it."""

    name: str
    meaning: str
    form: str = TEXT
    secret: bool = False
    strong: bool = False  # a random secret whose strength env-inventory judges
    required: bool = True  # env-inventory requires it (the database: DATABASE_URL or every database part)
    database_part: bool = False  # one of the parts DATABASE_URL is built from when it is unset
    needed_by: tuple[str, ...] = ()  # the gate items besides env-inventory whose tests need it
    stood_in_by: Callable[[Any], bool] | None = None  # true of the settings when other variables do its part


def database_from_parts(settings: Any) -> bool:
    """Whether the ``DB_*`` parts describe the database (``DATABASE_URL`` is then built from them)."""
    return bool(settings.database_url)


WEB = ("migration-runbook", "tenant-isolation", "schema-contracts", "cron-secret", "email-provider")
API = ("migration-runbook", "tenant-isolation", "schema-contracts", "desktop-runtime", "private-screenshot-storage")
DATABASE = ("schema-contracts", "backup-restore", "migration-runbook", "private-screenshot-storage", "cron-secret")


VARIABLES = (
    Variable(
        "DATABASE_URL",
        "MySQL connection string (else built from the DB_* parts)",
        MYSQL_URL,
        secret=True,
        required=False,
        needed_by=DATABASE,
        stood_in_by=database_from_parts,
    ),
    Variable("DB_HOST", "Runtime API database host", required=False, database_part=True),
    Variable("DB_PORT", "Runtime API database port", PORT, required=False, database_part=True),
    Variable("DB_USER", "Runtime API database user", required=False, database_part=True),
    Variable("DB_PASSWORD", "Runtime API database password", secret=True, required=False, database_part=True),
    Variable("DB_NAME", "Runtime API database name", required=False, database_part=True),
    Variable("NEXTAUTH_URL", "Public web/admin URL", URL, needed_by=WEB),
    Variable("NEXTAUTH_SECRET", "Session secret of the web/admin app", secret=True, strong=True),
    Variable("JWT_SECRET", "Secret of the runtime API's tokens", secret=True, strong=True),
    Variable(
        "RESEND_API_KEY",
        "Email provider key (checked by email-provider)",
        secret=True,
        required=False,
        needed_by=("email-provider",),
    ),
    Variable("EMAIL_FROM", "Verified sender address", ADDRESS, needed_by=("email-provider",)),
    Variable("CONTACT_TO", "Where contact form submissions go", ADDRESS),
    Variable(
        "EMAIL_REQUIRE_PROVIDER",
        "Fail loudly without provider credentials (true outside dev)",
        BOOLEAN,
        needed_by=("email-provider",),
    ),
    Variable(
        "CRON_SECRET",
        "Secret of the scheduled screenshot retention",
        secret=True,
        strong=True,
        needed_by=("cron-secret",),
    ),
    Variable("API_BASE_URL", "Public runtime API URL (screenshot preview URLs are built on it)", URL, needed_by=API),
    Variable("WOC_API_URL", "Runtime API URL of the packaged desktop builds", URL),
)
BY_NAME = {variable.name: variable for variable in VARIABLES}
RUNBOOK_VARIABLES = tuple(BY_NAME)
SECRET_VARIABLES = frozenset(variable.name for variable in VARIABLES if variable.secret)
PUBLIC_URLS = tuple(variable.name for variable in VARIABLES if variable.form == URL)
STRONG_SECRETS = tuple(variable.name for variable in VARIABLES if variable.strong)
REQUIRED = tuple(variable.name for variable in VARIABLES if variable.required)
DB_PARTS = tuple(variable.name for variable in VARIABLES if variable.database_part)


def held(name: str, value: Any) -> str | Secret:
    """A runbook variable's value as the settings hold it: text (``true``/``false`` for a truth), secrets wrapped."""
    text = str(value).lower() if isinstance(value, bool) else str(value)
    return Secret(text) if name in SECRET_VARIABLES else text
