"""An existing server given by URL (``--db-url mysql://user:pw@host:port/``), used instead of a throwaway one.

The stack makes its own uniquely named database and account there and drops both at stop. The names
are recorded in the instance dir, so a run that was killed has them dropped by the next start's sweep.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pymysql

from woc_gate.errors import SandboxError, WocGateError
from woc_gate.redaction import mask_url
from woc_gate.sandbox import provision
from woc_gate.target.db import Dsn, connect

SCHEMES = ("mysql", "mariadb")
LEFTOVER_FILE = "external-database.json"


@dataclass(frozen=True)
class ServerUrl:
    """Where the server is and the administrative account to use there."""

    host: str
    port: int
    user: str
    password: str

    def __str__(self) -> str:
        return f"mysql://{self.user}:****@{self.host}:{self.port}/"


def parse_server_url(url: str) -> ServerUrl:
    """Read ``mysql://user:password@host:port/``; a ``SandboxError`` that names what is wrong."""
    parts = urlsplit(url)
    try:
        port = parts.port or 3306
    except ValueError:
        port = None
    if parts.scheme not in SCHEMES or not parts.hostname or not parts.username or port is None:
        raise SandboxError(
            f"{mask_url(url)} is not a server URL; use mysql://USER:PASSWORD@HOST:PORT/"
            " with an account that may create databases and users"
        )
    return ServerUrl(parts.hostname, port, unquote(parts.username), unquote(parts.password or ""))


class ExternalServer:
    """A server somebody else runs; reached over TCP with the URL's account."""

    def __init__(self, url: ServerUrl) -> None:
        self.url = url
        self.host = url.host
        self.port = url.port
        self.socket = None

    def admin_connection(self, database: str | None = None, **options) -> pymysql.Connection:
        """A connection as the URL's account."""
        dsn = Dsn(self.host, self.port, self.url.user, self.url.password, database)
        return connect(dsn, setting="--db-url", connect_timeout=10, **options)


class ExternalDatabase:
    """A uniquely named database and account made on an external server for one stack."""

    def __init__(self, server: ExternalServer, instance_dir: Path) -> None:
        suffix = secrets.token_hex(4)
        self.server = server
        self.name = f"woc_sandbox_{suffix}"
        self.user = f"woc_app_{suffix}"
        self._record = instance_dir / LEFTOVER_FILE

    def create(self) -> str:
        """Create the database and the account; the account's password."""
        self._record.write_text(json.dumps({"url": vars(self.server.url), "database": self.name, "user": self.user}))
        self._record.chmod(0o600)
        with self.server.admin_connection() as admin:
            try:
                provision.create_database(admin, self.name)
                return provision.create_app_account(admin, self.name, self.user)
            except pymysql.Error as error:
                raise SandboxError(
                    f"{self.server.url} refused to create the sandbox database or account: {error.args[-1]};"
                    " use an account with CREATE, CREATE USER and GRANT OPTION"
                ) from None

    def drop(self) -> None:
        """Drop the database and the account."""
        with self.server.admin_connection() as admin:
            provision.drop_database_and_account(admin, self.name, self.user)
        self._record.unlink(missing_ok=True)


def drop_leftover(instance_dir: Path) -> None:
    """Drop the database and account a killed run left on an external server (best effort)."""
    try:
        record = json.loads((instance_dir / LEFTOVER_FILE).read_text())
        server = ExternalServer(ServerUrl(**record["url"]))
        with server.admin_connection() as admin:
            provision.drop_database_and_account(admin, record["database"], record["user"])
    except (OSError, ValueError, KeyError, WocGateError, pymysql.Error):
        pass  # nothing recorded, or the server is gone: nothing more can be done
