"""``woc-gate init``: a commented ``woc-gate.toml`` from the variables in the environment and what the deployment shows.

Every setting whose variable is set is written under its profile key with its help as a comment; a secret (a
secret setting or runbook variable, a smoke password, a URL holding a password) is written as a reference to its
variable, ``{ env = "NAME" }``, never as its value. Then the deployment is asked, briefly and all at once, what
no variable says: whether its certificates are trusted (else ``ca_bundle``), whether port 80 redirects to https
(else ``[plain_http]``), where its OpenAPI document is. A WorkOnClock checkout in the current folder is the
``repo``, its dev storage folder the ``screenshot_storage_dir``. Each setting still unset is listed, commented
out, with what it costs. An existing file is kept unless ``force``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w

from .config import OPTIONS, SECRET_VARIABLES, TABLES, Settings, load
from .config.defaults import DEFAULT_LAYOUT
from .config.load import variable_names
from .config.needs import Cost, unset_costs
from .config.profile import REFERENCE
from .config.variables import BY_NAME, PUBLIC_URLS
from .errors import ConfigError, TargetTLSError, WocGateError
from .files import write_atomically
from .redaction import Secret, url_passwords
from .target import clients, probes
from .target.boundary import json_body

NOT_WRITTEN = ("target", "faults")  # they start a reference stack; a profile describes an environment
OPENAPI_PATHS = ("/openapi.json", "/api-json", "/docs-json", "/swagger.json")  # NestJS and Swagger's usual places
DEV_STORAGE = Path("apps/api/storage/uploads/screenshots")  # where the runtime API keeps screenshots in dev
DEADLINE = 8.0
SETTINGS_BY_NAME = {option.name: option for option in OPTIONS}
TABLE_HELP = {table.name: table.help for table in TABLES}


@dataclass(frozen=True)
class Entry:
    """One key of the profile: its table (``""`` for the top level, ``smoke.a``), value and comment."""

    section: str
    key: str
    value: Any  # a TOML value; a ``Reference`` for a secret
    comment: str


@dataclass(frozen=True)
class Reference:
    """A value the profile takes from an environment variable."""

    variable: str


def write_profile(path: Path, *, environment: str | None, environ: Mapping[str, str], force: bool) -> list[str]:
    """Write the profile at ``path``; what to tell the operator, one line each."""
    if path.is_dir():
        raise ConfigError(f"{path} is a folder; name the profile file to write with --out")
    if path.exists() and not force:
        raise ConfigError(f"{path} exists; pass --force to overwrite it (woc-gate doctor checks it as it is)")
    options = {"environment": environment} if environment else {}
    settings = load(options=options, environ=environ, rootdir=path.parent, with_profile=False)
    entries = [*_environment(settings), *_from_variables(environ)]
    discovered, notes = _discover(settings, {(entry.section, entry.key) for entry in entries})
    entries += discovered
    costs = [cost for cost in unset_costs(settings) if cost.name not in {_name(entry) for entry in discovered}]
    write_atomically(path, _rendered(entries, costs, notes, settings.environment))
    secrets = sum(isinstance(entry.value, Reference) for entry in entries)
    summary = f"Wrote {path} for {settings.environment}: {len(entries)} settings ({secrets} secrets by variable name)"
    return [
        summary,
        *notes,
        *(f"Unset: {cost}" for cost in costs),
        f"Check it with: woc-gate doctor --woc-config {path}",
    ]


def _environment(settings: Settings) -> list[Entry]:
    where = settings.sources["environment"].replace("from env", "from WOC_GATE_ENV")
    return [Entry("", "environment", settings.environment, f"Environment of the target ({where})")]


def _from_variables(environ: Mapping[str, str]) -> list[Entry]:
    """An entry for every setting whose variable is set, secrets by reference."""
    places = _places()
    entries = []
    for address, variable in variable_names().items():
        raw = environ.get(variable)
        if raw and address not in (*NOT_WRITTEN, "environment"):
            section, key, comment = places[address]
            value = Reference(variable) if _secret(address, raw) else _value(address, raw, variable)
            entries.append(
                Entry(section, key, value, f"{comment} (from {variable})" if comment else f"from {variable}")
            )
    return entries


def _places() -> dict[str, tuple[str, str, str]]:
    """Where each address goes in the profile: its table, key and help (the runbook's meaning for a variable)."""
    places = {option.name: ("", option.name, option.help) for option in OPTIONS}
    for table in TABLES:
        for key in table.all_keys():
            sub, _, name = key.rpartition(".")
            meaning = BY_NAME[key].meaning if table.name == "env" else ""
            places[table.address(key)] = (f"{table.name}.{sub}" if sub else table.name, name, meaning)
    return places


def _secret(address: str, raw: str) -> bool:
    option = SETTINGS_BY_NAME.get(address)
    secret_option = option is not None and option.kind is Secret
    return secret_option or address in SECRET_VARIABLES or address.endswith("_password") or bool(url_passwords(raw))


def _value(address: str, raw: str, variable: str) -> Any:
    option = SETTINGS_BY_NAME.get(address)
    if option is None:
        return raw
    value = option.convert(raw, f"from env {variable}")
    if isinstance(value, Path):
        return str(value.resolve())  # the variable's path is relative to here, the profile's to its folder
    return list(value) if isinstance(value, tuple) else value


def _discover(settings: Settings, given: set[tuple[str, str]]) -> tuple[list[Entry], list[str]]:
    """What the checkout here and the deployment say that no variable did; the entries, and notes for the operator."""
    entries: list[Entry] = []
    notes: list[str] = []
    looks: dict[str, Callable[[], str]] = {}
    quick = probes.quick(settings)
    if settings.repo is None and (Path.cwd() / DEFAULT_LAYOUT["prisma_schema"]).is_file():
        entries.append(Entry("", "repo", str(Path.cwd()), "The WorkOnClock checkout (found here)"))
    storage = (settings.repo or Path.cwd()) / DEV_STORAGE
    if settings.screenshot_storage_dir is None and settings.screenshot_storage in ("", "local") and storage.is_dir():
        entries.append(Entry("", "screenshot_storage_dir", str(storage), "Screenshots on disk (the dev folder)"))
    if settings.api_url and not settings.openapi_path:
        looks["openapi"] = lambda: _openapi(quick, entries)
    if settings.api_url and settings.smoke.get("a") and settings.smoke["a"].accounts:
        looks["envelopes.policy"] = lambda: _policy_envelope(quick, entries)
    for variable in PUBLIC_URLS:
        url = settings.var(variable)
        if url and url.startswith("https://") and ("plain_http", variable) not in given:
            looks[f"plain_http.{variable}"] = lambda variable=variable: _redirects(quick, variable, notes)
        if url and url.startswith("https://") and settings.ca_bundle is None:
            looks[f"tls.{variable}"] = lambda variable=variable: _trusted(quick, variable, notes)
    for outcome in probes.run_all(looks, DEADLINE):
        if not outcome.ok:
            notes.append(f"{outcome.name}: {outcome.text}")
    redact = settings.redactor()
    return list(entries), [redact(note) for note in notes]  # copies: a probe past the deadline may still add


def _openapi(settings: Settings, entries: list[Entry]) -> str:
    with clients.anonymous(settings, settings.api_url, "API_BASE_URL") as client:
        for path in OPENAPI_PATHS:
            response = clients.request(client, "GET", path, setting="API_BASE_URL")
            if response.status_code == 200 and response.headers.get("content-type", "").startswith("application/json"):
                entries.append(Entry("", "openapi_path", path, "The runtime API's OpenAPI document (found there)"))
                return path
    return "no OpenAPI document"


def _policy_envelope(settings: Settings, entries: list[Entry]) -> str:
    """The key the API wraps the tracking policy under, read from the answer a smoke account gets."""
    tenant = settings.smoke["a"]
    role = next(iter(tenant.accounts))
    patient = dataclasses.replace(settings, http_timeout=probes.LOGIN_TIMEOUT)
    session = clients.api_login(patient, tenant.accounts[role])
    try:
        payload = json_body(session.call("GET", "policy"))
    finally:
        session.close()
    keys = []
    while isinstance(payload, dict) and len(payload) == 1 and isinstance(next(iter(payload.values())), dict):
        key, payload = next(iter(payload.items()))
        keys.append(key)
    envelope = ".".join(keys)
    if envelope != settings.envelopes["policy"]:
        entries.append(Entry("envelopes", "policy", envelope, "The key the API wraps the policy under (found there)"))
    return envelope


def _redirects(settings: Settings, variable: str, notes: list[str]) -> str:
    """Port 80 of the host must redirect to https; when it does not answer so, the profile must name the URL."""
    from .checks.tls import plain_http_url

    plain = plain_http_url(settings.var(variable), None)
    try:
        with clients.anonymous(settings, plain, variable) as client:
            location = clients.request(client, "GET", plain, setting=variable).headers.get("location", "")
    except WocGateError as error:
        location = str(error)
    if not location.startswith("https://"):
        notes.append(f"{variable}: {plain} does not redirect to https; name its plain-HTTP URL in [plain_http]")
    return plain


def _trusted(settings: Settings, variable: str, notes: list[str]) -> str:
    try:
        probes.http_answer(settings, variable, "/")
    except TargetTLSError:
        notes.append(f"{variable}: its certificate is not trusted by the system CAs; set ca_bundle to its CA bundle")
    except WocGateError:
        pass  # the doctor says what else is wrong with it
    return variable


def _name(entry: Entry) -> str:
    return f"{entry.section}.{entry.key}" if entry.section and entry.section != "env" else entry.key


def _rendered(entries: list[Entry], costs: list[Cost], notes: list[str], environment: str) -> str:
    lines = [
        f"# woc-gate.toml for {environment}, written by `woc-gate init` on {dt.date.today().isoformat()}",
        "# from the variables it saw and what the deployment showed. Secrets are named, never written:",
        f'# {{ {REFERENCE} = "NAME" }} takes the value of the variable NAME where the gate runs.',
        *(f"# note: {note}" for note in notes),
        "",
    ]
    for section in dict.fromkeys(entry.section for entry in entries):
        if section:
            lines += ["", f"# {TABLE_HELP[section.partition('.')[0]]}", f"[{section}]"]
        for entry in (entry for entry in entries if entry.section == section):
            lines += [f"# {entry.comment}", _line(entry)]
    if costs:
        lines += ["", "# Not set, and what each costs (set it here or in the environment):"]
        lines += [f"# {cost.name}  -- {cost}" for cost in costs]
    return "\n".join(lines) + "\n"


def _line(entry: Entry) -> str:
    if isinstance(entry.value, Reference):
        return f'{entry.key} = {{ {REFERENCE} = "{entry.value.variable}" }}'
    return tomli_w.dumps({entry.key: entry.value}).strip()
