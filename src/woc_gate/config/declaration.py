"""How a setting is declared, and how a value given as text or in a profile becomes the setting's value.

A setting is a field of ``Settings`` whose default is ``setting(...)``: its type is the field's annotation,
its profile key the field's name, its variable ``WOC_GATE_<NAME>`` unless another is given. A table of
the profile (``[endpoints]``, ``[smoke.a]``, …) is a field whose default is ``table(...)``. ``declared()``
reads them back; the loader, the profile schema, the pytest options and the README table are built from them.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..redaction import Secret

SETTING = "woc_gate.setting"  # the keys of a field's metadata that hold its declaration
TABLE = "woc_gate.table"
TRUTHS = {"true": True, "1": True, "yes": True, "on": True, "false": False, "0": False, "no": False, "off": False}
PROFILE_TYPES = {str: str, Path: str, Secret: str, int: int, float: float, bool: bool, tuple: list}
NUMBER_NAMES = {int: "a whole number", float: "a number"}

ProfileType = type | tuple[type, ...]


@dataclass(frozen=True)
class Setting:
    """One setting: where it may be given, the type and bounds of its value, and what it means."""

    name: str
    kind: type  # str, int, float, bool, Path, Secret, or tuple (a list of names)
    default: Any
    help: str
    flag: str | None = None
    variable: str = ""
    minimum: float | None = None
    choices: tuple[str, ...] = ()
    unit: str = ""  # what a number counts ("seconds", "days"), said in errors
    shown_default: str = ""  # the README's default where the value alone says too little
    needed_by: tuple[str, ...] = ()  # the gate items whose tests cannot prove them while it is unset
    stood_in_by: Callable[[Any], bool] | None = None  # true of the settings when another setting does its part

    @property
    def profile_type(self) -> type:
        """The TOML type of its profile key."""
        return PROFILE_TYPES[self.kind]

    def option_arguments(self) -> dict[str, Any]:
        """How ``parser.addoption`` declares its command-line option (besides flag, dest and help)."""
        if self.kind is bool and self.default is False:
            return {"action": "store_true", "default": None}
        if self.kind is tuple:
            return {"action": "append", "metavar": "NAME"}
        return {"metavar": self.name.upper()}

    def convert(self, value: Any, origin: str) -> Any:
        """The setting's value from a raw one (text from an option or variable, a TOML value); a one-line error."""
        if self.kind is bool:
            return self._truth(value, origin)
        if self.kind in NUMBER_NAMES:
            return self._number(value, origin)
        if self.kind is tuple:
            return tuple(value) if isinstance(value, list | tuple) else _split(str(value))
        if self.choices and value not in self.choices:
            raise ConfigError(f"{self.name} {value!r} ({origin}) is not one of {', '.join(self.choices)}")
        return self.kind(str(value))

    def _truth(self, value: Any, origin: str) -> bool:
        if isinstance(value, bool):
            return value
        if str(value).strip().lower() not in TRUTHS:
            raise ConfigError(f"{self.name} {value!r} ({origin}) must be true or false")
        return TRUTHS[str(value).strip().lower()]

    def _number(self, value: Any, origin: str) -> int | float:
        try:
            number = self.kind(value)
        except (TypeError, ValueError):
            number = None
        too_small = number is not None and self.minimum is not None and number < self.minimum
        if number is None or isinstance(value, bool) or too_small:
            unit = f" of {self.unit}" if self.unit else ""
            bound = f" of at least {self.minimum:g}" if self.minimum is not None else ""
            raise ConfigError(f"{self.name} {value!r} ({origin}) must be {NUMBER_NAMES[self.kind]}{unit}{bound}")
        return number


@dataclass(frozen=True)
class Table:
    """A table of the profile: its keys and their TOML types, its defaults, and how its values are held."""

    name: str
    help: str
    keys: Mapping[str, ProfileType]
    defaults: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    any_key: ProfileType | None = None  # the type of keys the table names freely (table names, …)
    paths: tuple[str, ...] = ()  # keys that name a file: relative to the profile's folder when a profile gives them
    per: tuple[str, ...] = ()  # sub-tables (``[smoke.a]``, ``[smoke.b]``), each with ``keys``
    variables: str = ""  # how the environment spells a key: "{KEY}", "WOC_GATE_SMOKE_{KEY}"; "" when it cannot
    held: Callable[[str, Any], Any] | None = None  # the held value of a key's raw value; else by the key's type
    build: Callable[[dict[str, Any]], Any] = dict  # the setting's value from the held values by key
    shown_default: str = ""
    needed_by: tuple[str, ...] = ()  # the gate items whose tests cannot prove them while one of its keys is unset

    def address(self, key: str) -> str:
        """Where a key's value is recorded in ``Settings.sources``: ``endpoints.policy``; a runbook variable bare."""
        return key if self.variables == "{KEY}" else f"{self.name}.{key}"

    def variable(self, key: str) -> str | None:
        """The environment variable of a key (``smoke.a.admin_email`` → ``WOC_GATE_SMOKE_A_ADMIN_EMAIL``)."""
        return self.variables.format(KEY=key.upper().replace(".", "_")) if self.variables else None

    def all_keys(self) -> list[str]:
        """Every declared key, ``tenant.key`` for a table of sub-tables."""
        return [f"{sub}.{key}" for sub in self.per for key in self.keys] if self.per else list(self.keys)

    def hold(self, key: str, value: Any) -> Any:
        """A key's value as the settings hold it."""
        if self.held is not None:
            return self.held(key, value)
        kind = self.keys.get(key.rpartition(".")[2] if self.per else key, self.any_key)
        return kind(value) if kind in (str, float) else value


def setting(default: Any, help: str, **declared: Any) -> Any:
    """Declare a setting as a ``Settings`` field; ``declared`` are ``Setting``'s other fields (flag, minimum, …)."""
    return dataclasses.field(default=default, metadata={SETTING: dict(help=help, **declared)})


def table(help: str, defaults: Mapping[str, Any] | None = None, **declared: Any) -> Any:
    """Declare a profile table as a ``Settings`` field; its keys and their types are its defaults' unless given."""
    defaults = dict(defaults or {})
    declared.setdefault("keys", {key: type(value) for key, value in defaults.items()})
    metadata = {TABLE: dict(help=help, defaults=defaults, **declared)}
    return dataclasses.field(default_factory=lambda: dict(defaults), metadata=metadata)


def declared(cls: type) -> tuple[tuple[Setting, ...], tuple[Table, ...]]:
    """The settings and the tables a dataclass declares, in field order."""
    hints = typing.get_type_hints(cls)
    settings, tables = [], []
    for field in dataclasses.fields(cls):
        if TABLE in field.metadata:
            tables.append(Table(field.name, **field.metadata[TABLE]))
        elif SETTING in field.metadata:
            given = field.metadata[SETTING]
            variable = given.get("variable") or f"WOC_GATE_{field.name.upper()}"
            kind = _kind(hints[field.name])
            settings.append(Setting(field.name, kind, field.default, **(given | {"variable": variable})))
    return tuple(settings), tuple(tables)


def _kind(hint: Any) -> type:
    """The type a setting's annotation names: ``Path | None`` → Path, ``tuple[str, ...]`` → tuple."""
    kinds = [kind for kind in typing.get_args(hint) if kind is not type(None)] if _is_union(hint) else [hint]
    return typing.get_origin(kinds[0]) or kinds[0]


def _is_union(hint: Any) -> bool:
    return typing.get_origin(hint) in (typing.Union, types.UnionType)


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())
