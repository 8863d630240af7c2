"""Reading a target profile (``woc-gate.toml``) and checking it like a schema.

A profile is top-level keys plus tables (``[env]``, ``[endpoints]``, ``[smoke.a]``, …); the schema is the
declared settings (their TOML types) and tables (``Settings`` fields). An unknown key is an error that
names it and suggests the nearest known key; a value of the wrong type names the key, the expected type
and the file.

Wherever a string may stand, ``{ env = "NAME" }`` refers to the environment variable ``NAME`` instead:
the profile names where a secret is, never the secret itself. ``resolved`` puts the variables' values in.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .declaration import ProfileType, Setting, Table

TYPE_NAMES = {str: "a string", int: "a whole number", float: "a number", bool: "true or false", list: "a list"}
REFERENCE = "env"  # the one key of a value that refers to an environment variable: { env = "NAME" }
VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def reference(value: Any) -> str | None:
    """The environment variable a profile value refers to (``{ env = "NAME" }``); None for any other value."""
    if isinstance(value, dict) and list(value) == [REFERENCE] and isinstance(value[REFERENCE], str):
        return value[REFERENCE] if VARIABLE_NAME.fullmatch(value[REFERENCE]) else None
    return None


def references(data: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    """Every ``(key, variable)`` of a profile that refers to a variable; a table's keys as ``env.DATABASE_URL``."""
    for key, value in data.items():
        name = reference(value)
        if name is not None:
            yield prefix + key, name
        elif isinstance(value, dict):
            yield from references(value, f"{prefix}{key}.")


def resolved(data: Mapping[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    """The profile with each reference replaced by its variable's value (None, that is unset, when it has none)."""
    return {key: _resolved(value, environ) for key, value in data.items()}


def _resolved(value: Any, environ: Mapping[str, str]) -> Any:
    name = reference(value)
    if name is not None:
        return environ.get(name)
    return resolved(value, environ) if isinstance(value, dict) else value


def read(path: Path, settings: tuple[Setting, ...], tables: tuple[Table, ...]) -> dict[str, Any]:
    """The profile at ``path``, checked against the declarations; a ``ConfigError`` naming the file otherwise."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"target profile {path} is not valid TOML: {error}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read target profile {path}: {getattr(error, 'strerror', None) or error}") from None
    top = {setting.name: setting.profile_type for setting in settings}
    sections = {table.name: table for table in tables}
    for key, value in data.items():
        if key in sections:
            _check_type(path, key, value, dict)
            _check_table(path, key, value, sections[key])
        elif key in top:
            _check_type(path, key, value, top[key])
        else:
            raise _unknown(path, key, [*top, *sections])
    return data


def _check_table(path: Path, name: str, values: Mapping[str, Any], table: Table) -> None:
    if not table.per:
        _check_keys(path, name, values, table)
        return
    for sub, sub_values in values.items():
        if sub not in table.per:
            raise _unknown(path, f"{name}.{sub}", [f"{name}.{known}" for known in table.per])
        _check_type(path, f"{name}.{sub}", sub_values, dict)
        _check_keys(path, f"{name}.{sub}", sub_values, table)


def _check_keys(path: Path, name: str, values: Mapping[str, Any], table: Table) -> None:
    for key, value in values.items():
        kind = table.keys.get(key, table.any_key)
        if kind is None:
            raise _unknown(path, f"{name}.{key}", [f"{name}.{known}" for known in table.keys])
        _check_type(path, f"{name}.{key}", value, kind)


def _check_type(path: Path, key: str, value: Any, kind: ProfileType) -> None:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if str in kinds and reference(value):
        return
    if str in kinds and isinstance(value, dict) and REFERENCE in value:
        raise ConfigError(
            f'target profile {path}: {key} must be {{ {REFERENCE} = "NAME" }} naming one environment variable'
        )
    accepted = (*kinds, int) if float in kinds else kinds  # TOML's 10 is as good a number of seconds as 10.0
    wrong_bool = isinstance(value, bool) and bool not in kinds  # bool is an int to Python, not to an operator
    if wrong_bool or not isinstance(value, accepted):
        expected = " or ".join(TYPE_NAMES.get(k, "a table" if k is dict else k.__name__) for k in kinds)
        raise ConfigError(f"target profile {path}: {key} must be {expected}, not {_shown(value)}")


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return "a table"
    for kind, name in TYPE_NAMES.items():
        if type(value) is kind:
            return name
    return type(value).__name__


def _unknown(path: Path, key: str, known: list[str]) -> ConfigError:
    close = difflib.get_close_matches(key, known, n=1)
    hint = f"; did you mean {close[0]}?" if close else f"; known keys: {', '.join(sorted(known))}"
    return ConfigError(f"target profile {path}: unknown key {key}{hint}")
