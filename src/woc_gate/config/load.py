"""Building the settings of one run from its sources, by the declarations.

Precedence, highest first: command-line option, the reference stack (``--woc-target=sandbox``),
environment variable, target profile (``woc-gate.toml`` or ``--woc-config``), default. Each value is
taken from the first source that gives it, converted to its declared type, and its source recorded in
``Settings.sources``; a value that does not fit is a ``ConfigError`` naming the option, variable or file.
A relative path in a profile is relative to the profile's folder.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from . import profile
from .declaration import Setting, Table
from .settings import OPTIONS, TABLES, Settings

PROFILE_NAME = "woc-gate.toml"
DEFAULT_ATTESTATIONS = Path("gate") / "attestations.toml"
UNSET = (None, "", [], ())


@dataclass(frozen=True)
class Layer:
    """The raw values one source gives, by address (``operator``, ``NEXTAUTH_URL``, ``smoke.a.admin_email``)."""

    source: str  # as ``Settings.sources`` records it: "from env"
    values: Mapping[str, Any]
    origin: str  # as errors name it: "from env", "from target profile /srv/woc-gate.toml"
    spelled: Mapping[str, str] = field(default_factory=dict)  # the source's own name of an address: "--woc-env"
    folder: Path | None = None  # a profile's folder: its relative paths are relative to it, not to the run's

    def resolved(self, path: Path) -> Path:
        """A path this source gives: a profile's relative one taken from the profile's folder."""
        return (self.folder / path).resolve() if self.folder is not None and not path.is_absolute() else path

    def where(self, address: str) -> str:
        """Where a value came from, for an error: ``from env WOC_GATE_ENV``."""
        spelled = self.spelled.get(address)
        return f"{self.origin} {spelled}" if spelled else self.origin


def load(
    *,
    options: Mapping[str, Any],
    environ: Mapping[str, str],
    rootdir: Path,
    sandbox_profile: Path | Mapping[str, Any] | None = None,
    with_profile: bool = True,
) -> Settings:
    """The settings of one run from the command line, the reference stack, the environment and the profile.

    ``with_profile=False`` reads no profile (``woc-gate init``, which writes one, builds on the rest alone).

    ``sandbox_profile`` is the reference stack's: the profile file a running stack wrote, or, before it
    starts, the settings its state dir alone decides (a mapping in the profile's shape).
    """
    layers = [_command_line(options), _environment(environ)]
    if sandbox_profile is not None:
        layers.insert(1, _stack(sandbox_profile))
    path = profile_path(options, environ, rootdir) if with_profile else None
    if path is not None:
        data = profile.resolved(read_profile(path), environ)
        layers.append(Layer(f"from {path.name}", _flat(data), f"from target profile {path}", folder=path.parent))
    sources: dict[str, str] = {}
    values = {setting.name: _pick_setting(setting, layers, sources) for setting in OPTIONS}
    values |= {table.name: _pick_table(table, layers, sources) for table in TABLES}
    values["attestations"] = values["attestations"] or _default_attestations(path)
    return Settings(**values, sources=sources)


def read_profile(path: Path) -> dict[str, Any]:
    """A target profile, checked against the declared settings and tables."""
    return profile.read(path, OPTIONS, TABLES)


def environment_of(data: Mapping[str, Any]) -> dict[str, str]:
    """A profile's values under their environment variables, for those that have one (``export`` lines)."""
    names = variable_names()
    return {names[address]: str(value) for address, value in _flat(data).items() if address in names}


def _pick_setting(setting: Setting, layers: list[Layer], sources: dict[str, str]) -> Any:
    for layer in layers:
        value = layer.values.get(setting.name)
        if value not in UNSET:
            sources[setting.name] = layer.source
            converted = setting.convert(value, layer.where(setting.name))
            return layer.resolved(converted) if setting.kind is Path else converted
    sources[setting.name] = "default"
    return setting.default


def _pick_table(table: Table, layers: list[Layer], sources: dict[str, str]) -> Any:
    # an empty value is unset where the environment also gives the table's values, as an empty variable is;
    # elsewhere it is a value (an envelope of "" means none)
    unset = UNSET if table.variables else (None,)
    held = {}
    for key in _keys(table, layers):
        address = table.address(key)
        layer = next((layer for layer in layers if layer.values.get(address) not in unset), None)
        if layer is not None:
            value = table.hold(key, layer.values[address])
            held[key] = str(layer.resolved(Path(value))) if key in table.paths and value else value
            sources[address] = layer.source
    return table.build({**table.defaults, **held})


def _keys(table: Table, layers: list[Layer]) -> list[str]:
    """The declared keys of a table, and for a table of free keys those the sources name."""
    if table.any_key is None:
        return table.all_keys()
    prefix = f"{table.name}."
    named = [address.removeprefix(prefix) for layer in layers for address in layer.values if address.startswith(prefix)]
    return list(dict.fromkeys([*table.all_keys(), *named]))


def _command_line(options: Mapping[str, Any]) -> Layer:
    values = {setting.name: options.get(setting.name) for setting in OPTIONS}
    spelled = {setting.name: setting.flag for setting in OPTIONS if setting.flag}
    return Layer("from command line", values, "from command line", spelled)


def _environment(environ: Mapping[str, str]) -> Layer:
    spelled = variable_names()
    return Layer("from env", {address: environ.get(name) for address, name in spelled.items()}, "from env", spelled)


def variable_names() -> dict[str, str]:
    """The environment variable of every address that has one."""
    names = {setting.name: setting.variable for setting in OPTIONS}
    for table in TABLES:
        names |= {table.address(key): table.variable(key) for key in table.all_keys() if table.variables}
    return names


def _stack(profile_or_path: Path | Mapping[str, Any]) -> Layer:
    if isinstance(profile_or_path, Mapping):
        return Layer("from sandbox", _flat(profile_or_path), "from sandbox")
    origin = f"from target profile {profile_or_path}"
    return Layer("from sandbox", _flat(read_profile(profile_or_path)), origin, folder=profile_or_path.parent)


def _flat(data: Mapping[str, Any]) -> dict[str, Any]:
    """A profile's values by address: top-level keys, then each table's keys (``[smoke.a]``'s as ``smoke.a.…``)."""
    flat = {key: value for key, value in data.items() if not isinstance(value, dict)}
    for table in TABLES:
        values = data.get(table.name, {})
        if table.per:
            values = {f"{sub}.{key}": value for sub, keys in values.items() for key, value in keys.items()}
        flat |= {table.address(key): value for key, value in values.items()}
    return flat


def profile_path(options: Mapping[str, Any], environ: Mapping[str, str], rootdir: Path) -> Path | None:
    """The target profile a run reads: ``--woc-config``, else ``WOC_GATE_CONFIG``, else ``woc-gate.toml`` here."""
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


def _default_attestations(profile_path: Path | None) -> Path | None:
    """``gate/attestations.toml`` beside the target profile, else in the current folder; None when neither exists."""
    folders = [profile_path.parent] if profile_path is not None else []
    candidates = [(folder / DEFAULT_ATTESTATIONS).resolve() for folder in [*folders, Path.cwd()]]
    return next((path for path in candidates if path.is_file()), None)
