"""The stack's settings: fresh secrets for every start, and the runbook's environment variables built from them.

The env-layer faults act here: ``weak-secrets`` (a short NEXTAUTH_SECRET equal to JWT_SECRET),
``email-provider-optional`` (no provider key, EMAIL_REQUIRE_PROVIDER false) and ``plain-http``
(the public endpoints without TLS); ``backup-drops-trigger`` gives DATABASE_URL its read-only account.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import quote

from woc_gate.checks.secrets import weaknesses
from woc_gate.sandbox.context import SandboxContext

EMAIL_FROM = "WorkOnClock <no-reply@workonclock.test>"
CONTACT_TO = "contact@workonclock.test"
WEAK_SECRET = "changeme"
BACKUP_SUFFIX = "_backup"  # the read-only account backup-drops-trigger makes beside the application's


@dataclass(frozen=True)
class Secrets:
    """The secrets and email settings of one start."""

    nextauth_secret: str
    jwt_secret: str
    cron_secret: str
    resend_api_key: str
    email_require_provider: bool
    resend_read_key: str  # the gate's own full-access key at the Resend stand-in


def random_secret(nbytes: int) -> str:
    """A random URL-safe secret that the gate's strength rules accept.

    About one random token in ten thousand holds a run such as ``abcde``, which the env-inventory
    check rightly flags; drawing again keeps the clean stack clean on every start.
    """
    while weaknesses(secret := secrets.token_urlsafe(nbytes)):
        pass
    return secret


def make_secrets(faults: frozenset[str]) -> Secrets:
    """Strong random secrets, unless a fault weakens them."""
    weak = "weak-secrets" in faults
    optional_email = "email-provider-optional" in faults
    return Secrets(
        nextauth_secret=WEAK_SECRET if weak else random_secret(48),
        jwt_secret=WEAK_SECRET if weak else random_secret(48),
        cron_secret=random_secret(32),
        resend_api_key="" if optional_email else "re_" + secrets.token_urlsafe(24),
        email_require_provider=not optional_email,
        resend_read_key="re_" + secrets.token_urlsafe(24),
    )


def public_endpoints_use_tls(tls: bool, faults: frozenset[str]) -> bool:
    """Whether the web and API endpoints are served over HTTPS."""
    return tls and "plain-http" not in faults


def database_user(ctx: SandboxContext) -> str:
    """The account DATABASE_URL names: the application's, or with ``backup-drops-trigger`` a read-only one."""
    return ctx.db.user + BACKUP_SUFFIX if ctx.has("backup-drops-trigger") else ctx.db.user


def runbook_env(ctx: SandboxContext) -> dict[str, str]:
    """The runbook §2 variables for the stack, under their own names."""
    db = ctx.db
    credentials = f"{quote(database_user(ctx))}:{quote(db.password, safe='')}"
    return {
        "DATABASE_URL": f"mysql://{credentials}@{db.host}:{db.port}/{db.name}",
        "DB_HOST": db.host,
        "DB_PORT": str(db.port),
        "DB_USER": db.user,
        "DB_PASSWORD": db.password,
        "DB_NAME": db.name,
        "NEXTAUTH_URL": ctx.web_base_url,
        "NEXTAUTH_SECRET": ctx.nextauth_secret,
        "JWT_SECRET": ctx.jwt_secret,
        "RESEND_API_KEY": ctx.resend_api_key,
        "EMAIL_FROM": ctx.email_from,
        "CONTACT_TO": ctx.contact_to,
        "EMAIL_REQUIRE_PROVIDER": "true" if ctx.email_require_provider else "false",
        "CRON_SECRET": ctx.cron_secret,
        "API_BASE_URL": ctx.api_base_url,
        "WOC_API_URL": ctx.api_base_url,
    }
