"""Checks of the runbook §2 environment inventory: every variable present and well-formed; names, never values."""

from __future__ import annotations

from collections.abc import Mapping
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import dotenv_values

from ..config.variables import ADDRESS, BOOLEAN, BY_NAME, DB_PARTS, MYSQL_URL, PORT, REQUIRED, URL
from ..errors import ConfigError
from . import CheckFailure

MYSQL_SCHEMES = ("mysql", "mariadb")


def read_env_file(path: Path) -> dict[str, str | None]:
    """The variables of a dotenv file (``export`` prefixes and quotes allowed); a ``ConfigError`` when unreadable."""
    if not Path(path).is_file():
        raise ConfigError(f"env file {path} does not exist; pass --env-file with the deployment's env file")
    try:
        return dict(dotenv_values(path, interpolate=False))
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read env file {path}: {error}") from None


def missing_variables(values: Mapping[str, str | None]) -> list[str]:
    """The runbook §2 variables that are unset or empty (the database as DATABASE_URL or the DB_* set)."""
    missing = [name for name in REQUIRED if not values.get(name)]
    if not values.get("DATABASE_URL"):
        absent = [name for name in DB_PARTS if not values.get(name)]
        if absent:
            missing.insert(0, "DATABASE_URL (or " + ", ".join(absent) + ")")
    return missing


def variables_are_present(values: Mapping[str, str | None], source: str) -> None:
    """Every runbook §2 variable is set in ``source``."""
    __tracebackhide__ = True
    missing = missing_variables(values)
    if missing:
        raise CheckFailure(
            f"runbook §2 variables missing in {source}: {', '.join(missing)}", "every variable set", "unset or empty"
        )


def malformation(name: str, value: str, environment: str) -> str | None:
    """What is wrong with the form of one variable (never quoting it), or None."""
    form = BY_NAME[name].form if name in BY_NAME else None
    if form == URL:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return "not an http(s) URL with a host"
        if environment != "dev" and parts.scheme != "https":
            return f"not https in {environment}"
    elif form == ADDRESS:
        _, address = parseaddr(value)
        local, at, domain = address.rpartition("@")
        if not (at and local and "." in domain.strip(".")):
            return "not an email address with a domain"
    elif form == BOOLEAN:
        if value.strip().lower() not in ("true", "false"):
            return "not true or false"
    elif form == MYSQL_URL:
        parts = urlsplit(value)
        if parts.scheme not in MYSQL_SCHEMES or not parts.hostname or not parts.path.strip("/"):
            return "not a mysql://user:password@host:port/database URL"
    elif form == PORT and not value.isdigit():
        return "not a port number"
    return None


def variables_are_well_formed(values: Mapping[str, str | None], environment: str, source: str) -> None:
    """Every set variable of ``source`` has the form its use needs (URLs, addresses, booleans, database URL)."""
    __tracebackhide__ = True
    problems = [
        f"{name}: {problem}"
        for name, value in values.items()
        if value and (problem := malformation(name, value, environment)) is not None
    ]
    if problems:
        raise CheckFailure(
            f"malformed variables in {source}: {', '.join(p.split(':')[0] for p in problems)}",
            "URLs that parse (https outside dev), addresses with a domain, true/false, a MySQL URL",
            "; ".join(problems),
        )
