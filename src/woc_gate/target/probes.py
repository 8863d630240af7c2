"""Quick looks at a deployment for ``woc-gate doctor`` and ``woc-gate init``: short timeouts, all at once.

A probe is a function of no arguments that returns what it saw as one line, or raises a ``WocGateError``
(already one line). ``run_all`` runs every probe in a daemon thread and waits no longer than its deadline: a
probe still waiting then is reported as silent, and its thread ends with the process, not before the answer.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import queue
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ..attestations import load as load_attestations
from ..config import Settings
from ..errors import TargetAnswerError, WocGateError
from ..gate import ITEMS
from ..redaction import mask_url
from . import clients, db, s3

PROBE_TIMEOUT = 3.0  # seconds one connection or answer may take; several probes share the doctor's 10 s
LOGIN_TIMEOUT = 6.0  # a login hashes a password: several at once on a busy server take longer than a health route
BACKUP_PRIVILEGES = ("SELECT", "SHOW VIEW", "TRIGGER", "EVENT")  # what the runbook's dump reads (README: Backup)
OWN_PRIVILEGES = """
    SELECT PRIVILEGE_TYPE AS privilege FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = %s
    UNION SELECT PRIVILEGE_TYPE FROM information_schema.SCHEMA_PRIVILEGES
    WHERE GRANTEE = %s AND TABLE_SCHEMA = DATABASE()
"""


@dataclass(frozen=True)
class Outcome:
    """What one probe found: ``ok`` True (fine), False (broken) or None (no answer before the deadline)."""

    name: str
    ok: bool | None
    text: str


def run_all(probes: Mapping[str, Callable[[], str]], deadline: float) -> list[Outcome]:
    """Run every probe at once; their outcomes in the probes' order, each within ``deadline`` seconds of the start."""
    answers: queue.Queue[Outcome] = queue.Queue()
    for name, probe in probes.items():
        threading.Thread(target=_answer, args=(name, probe, answers), daemon=True, name=f"probe {name}").start()
    found: dict[str, Outcome] = {}
    end = time.monotonic() + deadline
    while len(found) < len(probes) and (left := end - time.monotonic()) > 0:
        try:
            outcome = answers.get(timeout=left)
        except queue.Empty:
            break
        found[outcome.name] = outcome
    silent = f"no answer within {deadline:g} s"
    return [found.get(name) or Outcome(name, None, silent) for name in probes]


def _answer(name: str, probe: Callable[[], str], answers: queue.Queue[Outcome]) -> None:
    try:
        answers.put(Outcome(name, True, probe()))
    except WocGateError as error:
        answers.put(Outcome(name, False, str(error)))


def quick(settings: Settings) -> Settings:
    """The settings with every timeout cut to ``PROBE_TIMEOUT`` and no connection retried."""
    return dataclasses.replace(
        settings,
        http_timeout=min(settings.http_timeout, PROBE_TIMEOUT),
        connect_retries=0,
        db_timeout=min(settings.db_timeout, PROBE_TIMEOUT),
        db_read_timeout=min(settings.db_read_timeout, PROBE_TIMEOUT),
    )


def http_answer(settings: Settings, variable: str, path: str) -> str:
    """GET ``path`` on the URL of ``variable``; it must answer 200."""
    url = settings.var(variable)
    with clients.anonymous(settings, url, variable) as client:
        response = clients.request(client, "GET", path, setting=variable)
    if response.status_code != 200:
        raise TargetAnswerError(f"{variable} {mask_url(url)} answered GET {path} with HTTP {response.status_code}")
    return f"{variable} {mask_url(url)} answers GET {path}"


def smoke_login(settings: Settings, tenant: str, role: str) -> str:
    """Log in to the runtime API as one smoke account."""
    account = settings.smoke[tenant].accounts[role]
    patient = dataclasses.replace(settings, http_timeout=LOGIN_TIMEOUT)
    clients.api_login(patient, account).close()
    return f"smoke account {role} of tenant {tenant} ({account.email}) signs in to the API"


def database(settings: Settings, url: str, setting: str, privileges: tuple[str, ...] = ()) -> str:
    """A read-only session on ``url``; with ``privileges``, the account must hold each on its database."""
    session = _session(settings, url, setting)
    try:
        granted = _own_privileges(session) if privileges else set()
        missing = [grant for grant in privileges if grant not in granted]
    finally:
        session.close()
    if missing:
        raise WocGateError(
            f"{setting} {session.dsn} lacks {', '.join(missing)} on {session.dsn.database}: the backup of"
            f" backup-restore needs {', '.join(privileges)} (GRANT {', '.join(missing)} ON {session.dsn.database}.*)"
        )
    return f"{setting} {session.dsn} accepts a read-only session" + (" with the backup's grants" if privileges else "")


def _session(settings: Settings, url: str, setting: str) -> db.Session:
    connect_args = {"connect_timeout": settings.db_timeout, "read_timeout": settings.db_read_timeout}
    return db.connect_readonly(url, setting=setting, connect_args=connect_args)


def _own_privileges(session: db.Session) -> set[str]:
    me = db.query(session, "SELECT CURRENT_USER() AS me")[0]["me"]
    user, _, host = me.rpartition("@")
    grantee = f"'{user}'@'{host}'"
    rows = db.query(session, OWN_PRIVILEGES, (grantee, grantee))
    return {row["privilege"] for row in rows}


def ledger(settings: Settings) -> str:
    """The target's ``_prisma_migrations`` can be read (the migration checks and the backup need it)."""
    session = _session(settings, settings.database_url, "DATABASE_URL")
    try:
        rows = db.query(session, "SELECT COUNT(*) AS applied FROM _prisma_migrations")
    finally:
        session.close()
    return f"DATABASE_URL's _prisma_migrations is readable ({rows[0]['applied']} rows)"


def resend(settings: Settings) -> str:
    """The gate's own Resend key can read (``GET /domains``)."""
    from .resend import Resend

    client = Resend(settings)
    try:
        domains = client.domains()
    finally:
        client.close()
    return f"resend_read_key reads {mask_url(settings.resend_api_url)} ({len(domains)} sending domains)"


def bucket(settings: Settings) -> str:
    """The screenshot bucket answers the gate's credentials."""
    found = s3.bucket_of(settings)
    s3.read(s3.client(settings, found), found, "get_bucket_versioning")
    return f"screenshot_storage s3://{found.name}/{found.prefix} answers the gate's credentials"


def storage_dir(settings: Settings) -> str:
    """``screenshot_storage_dir`` is a folder the gate can read."""
    folder = Path(settings.screenshot_storage_dir)
    if not folder.is_dir() or not os.access(folder, os.R_OK | os.X_OK):
        raise WocGateError(f"screenshot_storage_dir {folder} is not a folder the gate can read")
    return f"screenshot_storage_dir {folder} is readable"


def installers(settings: Settings) -> str:
    """The installers manifest reads, and every artifact it lists on disk is there."""
    import tomllib

    manifest = Path(settings.installers_manifest)
    try:
        artifacts = tomllib.loads(manifest.read_text(encoding="utf-8")).get("artifact", [])
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise WocGateError(f"installers_manifest {manifest} cannot be read: {error}") from None
    paths = [str(entry.get("path", "")) for entry in artifacts if isinstance(entry, dict)]
    absent = [path for path in paths if "://" not in path and not (manifest.parent / path).is_file()]
    if not paths or absent:
        what = f"{', '.join(absent)} not found beside it" if absent else "no [[artifact]]"
        raise WocGateError(f"installers_manifest {manifest} lists {what}")
    return f"installers_manifest {manifest} lists {len(paths)} artifacts, each present"


def attestations(settings: Settings) -> str:
    """Every item that needs an attestation has one that counts."""
    found = load_attestations(
        Path(settings.attestations), today=dt.date.today(), max_age_days=settings.attestation_max_age_days
    )
    valid = {attestation.item for attestation in found if attestation.valid}
    lacking = [item.id for item in ITEMS if item.attestation_required and item.id not in valid]
    if lacking:
        raise WocGateError(
            f"attestations {settings.attestations} hold no valid attestation for {', '.join(lacking)}:"
            " it cannot be proven until one is signed"
        )
    return f"attestations {settings.attestations} cover {', '.join(sorted(valid))}"
