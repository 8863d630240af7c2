"""The fault catalogue: named defects the reference stack can be started with (DESIGN §6)."""

from __future__ import annotations

from dataclasses import dataclass

from woc_gate.errors import SandboxError
from woc_gate.sandbox.variants import INJECTORS as VARIANT_INJECTORS
from woc_gate.sandbox.variants import VARIANTS

APP_LAYERS = ("api", "web", "mail")  # the apps consult these per request: a running stack can switch them
# These live in the apps too, but also add an optional TrackingPolicy field to the tree and the database at start.
OPTIONAL_FIELD_NAMES = ("settings-omitted-field-kept", "policy-omits-defaults")


@dataclass(frozen=True)
class Fault:
    """One named defect, the gate item it must turn to FAIL, and where it lives in the stack."""

    name: str
    defect: str
    item: str
    layer: str  # "api", "web", "db", "tree", "storage", "env", "mail" or "release"


FAULTS: dict[str, Fault] = {
    fault.name: fault
    for fault in (
        Fault(
            "policy-field-renamed",
            "the API's policy output calls screenshotIntervalMinutes screenshotInterval",
            "schema-contracts",
            "api",
        ),
        Fault(
            "web-settings-not-persisted",
            "PUT /api/settings answers 200 but drops blurScreenshots",
            "schema-contracts",
            "web",
        ),
        Fault(
            "screenshot-event-bad-shape",
            "screenshot responses lack previewUrl and give capturedAt as epoch seconds",
            "schema-contracts",
            "api",
        ),
        Fault("stale-role-seed", "one tenant's MANAGER role misses a default permission row", "schema-contracts", "db"),
        Fault(
            "unknown-permission-row",
            "the DB holds a permission key the shared list does not know",
            "schema-contracts",
            "db",
        ),
        Fault(
            "prisma-enum-drift",
            "the Prisma RoleKey enum gains a value the shared type lacks",
            "schema-contracts",
            "tree",
        ),
        Fault(
            "missing-settings-row",
            "an active organization has no woc_organization_settings row",
            "backup-restore",
            "db",
        ),
        Fault(
            "legacy-table",
            "an old non-prefixed table (users) still holds rows and is written to",
            "backup-restore",
            "db",
        ),
        Fault(
            "orphan-screenshot-object",
            "a woc_screenshots.objectKey has no object in storage",
            "backup-restore",
            "storage",
        ),
        Fault(
            "failed-migration",
            "_prisma_migrations holds a started, never finished, never rolled-back row",
            "migration-runbook",
            "db",
        ),
        Fault(
            "edited-migration",
            "an applied migration.sql was changed afterwards (checksum differs)",
            "migration-runbook",
            "tree",
        ),
        Fault(
            "pending-destructive-migration",
            "a pending migration drops a column that holds data",
            "migration-runbook",
            "tree",
        ),
        Fault(
            "raw-sql-dropped-column",
            "a runtime-API SQL statement names a column the schema no longer has",
            "migration-runbook",
            "tree",
        ),
        Fault("login-broken", "web login rejects valid credentials", "migration-runbook", "web"),
        Fault(
            "tracking-stop-lost", "POST /tracking/stop answers 200 but the entry stays open", "desktop-runtime", "api"
        ),
        Fault(
            "upload-ignores-blur", "uploads are stored unblurred while the policy says blur", "desktop-runtime", "api"
        ),
        Fault(
            "tenant-leak-project-read", "GET /projects/:id returns another tenant's project", "tenant-isolation", "api"
        ),
        Fault("tenant-leak-list", "GET /time-entries ignores the tenant filter", "tenant-isolation", "api"),
        Fault("tenant-leak-web-user", "/admin/users/:id shows another tenant's user", "tenant-isolation", "web"),
        Fault(
            "tenant-leak-screenshot-preview", "a preview is served to another tenant's token", "tenant-isolation", "api"
        ),
        Fault("cron-no-secret", "the retention endpoint runs without the secret", "cron-secret", "web"),
        Fault(
            "public-screenshots",
            "screenshot objects and previews are readable anonymously",
            "private-screenshot-storage",
            "storage",
        ),
        Fault(
            "email-provider-optional",
            "with EMAIL_REQUIRE_PROVIDER false a missing key silently drops mail",
            "email-provider",
            "env",
        ),
        Fault("invite-email-not-sent", "the invite flow succeeds but sends nothing", "email-provider", "web"),
        Fault("plain-http", "the public endpoints answer over plain HTTP", "env-inventory", "env"),
        Fault("weak-secrets", "NEXTAUTH_SECRET is short and equal to JWT_SECRET", "env-inventory", "env"),
        Fault(
            "tls-certificate-expiring",
            "the public endpoints' certificate expires within the warning window",
            "env-inventory",
            "env",
        ),
        Fault(
            "installer-unsigned",
            "the Windows installer of the release carries no Authenticode signature",
            "signed-installers",
            "release",
        ),
        Fault(
            "installer-tampered",
            "the Linux artifact's bytes no longer match its detached signature",
            "signed-installers",
            "release",
        ),
        Fault(
            "sender-domain-unverified",
            "the sender's domain is still pending at the email provider",
            "email-provider",
            "mail",
        ),
        Fault(
            "cron-secret-prefix",
            "the retention endpoint compares only the first 16 characters of the secret",
            "cron-secret",
            "web",
        ),
        Fault(
            "cron-refused-but-run",
            "the retention endpoint deletes expired screenshots before it checks the secret, then answers 401",
            "cron-secret",
            "web",
        ),
        Fault(
            "hsts-only-after-redirect",
            "a public page's first answer, a redirect, carries no HSTS nor nosniff; only the page it ends on does",
            "env-inventory",
            "web",
        ),
        Fault(
            "backup-drops-trigger",
            "the database account lacks the TRIGGER privilege, so the dump silently leaves out a migration's trigger",
            "backup-restore",
            "db",
        ),
        Fault(
            "runtime-sql-union-missing-table",
            "a runtime statement interpolates ${table} from a literal union, one member a table the schema lacks",
            "migration-runbook",
            "tree",
        ),
        # issue 14, contracts and desktop runtime: one record on every surface, omitted optional fields,
        # links, keys held once, both states of every policy switch
        Fault(
            "screenshot-list-dimensions-swapped",
            "GET /screenshots lists each screenshot with its width and height swapped",
            "schema-contracts",
            "api",
        ),
        Fault(
            "settings-omitted-field-kept",
            "the TrackingPolicy gains an optional screenshotQuality (default 80); PUT /api/settings keeps its old value"
            " when the body leaves it out",
            "schema-contracts",
            "web",
        ),
        Fault(
            "preview-url-not-served",
            "previewUrl points at /uploads/<objectKey>, which the API does not serve",
            "schema-contracts",
            "api",
        ),
        Fault(
            "duplicate-permission-key",
            "woc_permissions lost its unique index on key and holds users.read twice",
            "schema-contracts",
            "db",
        ),
        Fault(
            "screenshots-off-png-only",
            "with screenshots off only PNG uploads are refused; JPEG and WebP uploads are stored",
            "desktop-runtime",
            "api",
        ),
        Fault(
            "upload-ignores-blur-jpeg",
            "JPEG uploads are stored unblurred while the policy says blur",
            "desktop-runtime",
            "api",
        ),
        # issue 14, tenant isolation: ids in parameters, refused but applied, the tenant taken from the request,
        # tenant-bound tokens, authorization on cache hits
        Fault(
            "tenant-leak-org-filter",
            "GET /users?organizationId= lists that organization's users, whoever asks",
            "tenant-isolation",
            "api",
        ),
        Fault(
            "tenant-refused-write-applied",
            "PATCH /projects/:id on another tenant's project answers 404 but applies the change",
            "tenant-isolation",
            "api",
        ),
        Fault(
            "tenant-org-from-request",
            "admin pages take the organization from the request (an x-organization-id header, the settings"
            " form's organizationId field), membership unchecked",
            "tenant-isolation",
            "web",
        ),
        Fault(
            "tenant-invite-joins-session-org",
            "an invite accepted while signed in creates the user in the session's organization",
            "tenant-isolation",
            "web",
        ),
        Fault(
            "tenant-leak-preview-cache",
            "previews are cached by screenshot id alone: once read by the owner, any tenant's token gets them",
            "tenant-isolation",
            "api",
        ),
    )
}


def check_fault_names(names) -> frozenset[str]:
    """The names as a set, or a ``SandboxError`` naming the unknown ones and listing the known faults."""
    unknown = [name for name in names if name not in FAULTS and name not in VARIANTS]  # variants: the suite's own
    if unknown:
        raise SandboxError(f"unknown fault {', '.join(unknown)}; known faults: {', '.join(sorted(FAULTS))}")
    return frozenset(names)


def check_switchable(names) -> frozenset[str]:
    """The names as a set, or a ``SandboxError`` naming those a running stack cannot switch."""
    names = check_fault_names(names)
    fixed = sorted(name for name in names if not switchable(name))
    if fixed:
        raise SandboxError(
            f"fault {', '.join(fixed)} cannot be switched on a running stack: it is applied as the stack starts;"
            " start a stack with it"
        )
    return names


def switchable(name: str) -> bool:
    """True for a fault (or variant) only the apps consult, per request, so a running stack can switch it."""
    if name in OPTIONAL_FIELD_NAMES:
        return False
    if name in FAULTS:
        return FAULTS[name].layer in APP_LAYERS
    return name not in VARIANT_INJECTORS  # the variants that are not applied to the database at start
