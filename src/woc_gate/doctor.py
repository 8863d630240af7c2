"""``woc-gate doctor``: the profile checked before a run, one line per finding, in under 10 s.

Each setting must be well-formed (a profile reference must name a variable that is set, a runbook variable must
have its form), each surface the settings name must answer (web, API, database with the backup's grants, the
gate's Resend key, screenshot storage, the installers manifest, the attestations, every smoke login), and each
unset setting is named with what it costs (``without `screenshot_storage_dir`, backup-restore cannot be
proven``). The surfaces are probed at once with short timeouts; one that stays silent costs the deadline, no
more. Exit 1 when something is broken, 0 otherwise (an unset setting is a cost, not a fault); no secret shows.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .checks.inventory import malformation
from .config import RUNBOOK_VARIABLES, Settings, load, read_profile
from .config.load import profile_path
from .config.needs import unset_costs
from .config.profile import references
from .errors import WocGateError
from .target import probes, s3

DEADLINE = 8.0  # seconds the probes may take together; loading the settings and printing fit in the rest of 10 s
BROKEN, MISSING, FINE = "broken", "missing", "ok"
CHECKOUT_PARTS = ("shared", "prisma_schema", "migrations")
FORM_ONLY = "dev"  # judge the variables' form alone: whether the environment demands https is env-inventory's call


@dataclass(frozen=True)
class Finding:
    """One line of the doctor's answer: ``ok``, ``broken`` or ``missing``, and what it is about."""

    kind: str
    text: str

    def __str__(self) -> str:
        return f"{self.kind:<8}{self.text}"


def diagnose(options: Mapping[str, object], environ: Mapping[str, str], rootdir: Path) -> list[Finding]:
    """Every finding about the settings a run with these options, this environment and this folder would use."""
    settings = load(options=options, environ=environ, rootdir=rootdir)
    found = [*_unset_references(options, environ, rootdir), *_malformed(settings), *_no_target(settings)]
    found += [_finding(outcome) for outcome in probes.run_all(_probes(probes.quick(settings)), DEADLINE)]
    found += [Finding(MISSING, str(cost)) for cost in unset_costs(settings)]
    redact = settings.redactor()
    return [Finding(finding.kind, redact(finding.text)) for finding in found]


def render(findings: list[Finding], seconds: float) -> list[str]:
    """The findings one per line, then a summary line."""
    counts = {kind: sum(finding.kind == kind for finding in findings) for kind in (BROKEN, MISSING, FINE)}
    summary = f"doctor: {counts[BROKEN]} broken, {counts[MISSING]} unset, {counts[FINE]} fine ({seconds:.1f} s)"
    return [*map(str, findings), summary]


def run(options: Mapping[str, object], environ: Mapping[str, str], rootdir: Path) -> tuple[list[str], int]:
    """The doctor's lines and exit status (1 when something is broken)."""
    started = time.monotonic()
    findings = diagnose(options, environ, rootdir)
    broken = any(finding.kind == BROKEN for finding in findings)
    return render(findings, time.monotonic() - started), 1 if broken else 0


def _unset_references(options: Mapping[str, object], environ: Mapping[str, str], rootdir: Path) -> list[Finding]:
    path = profile_path(options, environ, rootdir)
    if path is None:
        return []
    return [
        Finding(BROKEN, f"{key} in {path} refers to ${name}, which is not set in the environment")
        for key, name in references(read_profile(path))
        if not environ.get(name)
    ]


def _no_target(settings: Settings) -> list[Finding]:
    if settings.has_target:
        return []
    return [Finding(BROKEN, "no target: set NEXTAUTH_URL, API_BASE_URL or DATABASE_URL (woc-gate init writes them)")]


def _malformed(settings: Settings) -> list[Finding]:
    found = []
    for name in RUNBOOK_VARIABLES:
        value = settings.var(name)
        problem = malformation(name, value, FORM_ONLY) if value else None
        if problem:
            found.append(Finding(BROKEN, f"{name} ({settings.sources.get(name, 'given')}): {problem}"))
    return found


def _finding(outcome: probes.Outcome) -> Finding:
    if outcome.ok:
        return Finding(FINE, outcome.text)
    return Finding(BROKEN, f"{outcome.name}: {outcome.text}")


def _probes(settings: Settings) -> dict[str, Callable[[], str]]:
    """The probes the settings call for, by the surface each looks at."""
    found: dict[str, Callable[[], str]] = {}
    health = {"NEXTAUTH_URL": "web_health", "API_BASE_URL": "api_health", "WOC_API_URL": "api_health"}
    for variable, endpoint in health.items():
        if settings.var(variable):
            path = settings.endpoints[endpoint]
            found[variable] = lambda variable=variable, path=path: probes.http_answer(settings, variable, path)
    if settings.database_url:
        found["DATABASE_URL"] = lambda: probes.database(
            settings, settings.database_url, "DATABASE_URL", probes.BACKUP_PRIVILEGES
        )
        found["_prisma_migrations"] = lambda: probes.ledger(settings)
    if settings.migration_scratch_url:
        found["migration_scratch_url"] = lambda: probes.database(
            settings, settings.migration_scratch_url, "migration_scratch_url"
        )
    if settings.api_url:
        for key, tenant in settings.smoke.items():
            for role in tenant.accounts:
                found[f"smoke.{key}.{role}"] = lambda key=key, role=role: probes.smoke_login(settings, key, role)
    found |= _local_probes(settings)
    return found


def _local_probes(settings: Settings) -> dict[str, Callable[[], str]]:
    """The probes of what the settings name besides the deployment's own surfaces."""
    found: dict[str, Callable[[], str]] = {}
    named: dict[str, tuple[object, Callable[[Settings], str]]] = {
        "resend_read_key": (settings.resend_read_key, probes.resend),
        "screenshot_storage": (s3.bucket_of(settings), probes.bucket),
        "screenshot_storage_dir": (settings.screenshot_storage_dir, probes.storage_dir),
        "installers_manifest": (settings.installers_manifest, probes.installers),
        "attestations": (settings.attestations, probes.attestations),
        "repo": (settings.repo, _checkout),
        "env_file": (settings.env_file, _env_file),
    }
    for name, (value, probe) in named.items():
        if value:
            found[name] = lambda probe=probe: probe(settings)
    return found


def _checkout(settings: Settings) -> str:
    for part in CHECKOUT_PARTS:
        settings.checkout_part(part)
    return f"repo {settings.repo} holds {', '.join(settings.layout[part] for part in CHECKOUT_PARTS)}"


def _env_file(settings: Settings) -> str:
    if not Path(settings.env_file).is_file():
        raise WocGateError(f"env_file {settings.env_file} does not exist: name the deployment's env file")
    return f"env_file {settings.env_file} is there"
