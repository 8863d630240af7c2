"""Where a drill restores to: a throwaway server of its own, or a scratch database given by URL.

Both feed the dump to the MySQL client (``mariadb`` or ``mysql``), as the runbook's
``mysql --database=workonclock_restore_check < dump`` does (in phases, see ``parallel_load``), and
expose ``url``, a URL of the restored database for the validation's read-only session.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from pathlib import Path
from urllib.parse import quote

import pymysql

from ..checks.restore import DRILL_MARKER
from ..errors import ConfigError, TargetError
from ..redaction import mask_url
from ..target.db import Dsn, connect
from ..target.scratch_server import BULK_LOAD_TUNING, LocalServer, find_server_program, initialize_datadir
from . import parallel_load
from .dump import client_options_file, connection_flags

CLIENTS = ("mariadb", "mysql")
DATABASE = "workonclock_restore_check"


def mysql_client() -> Path:
    """The installed MySQL command-line client."""
    for name in CLIENTS:
        found = shutil.which(name)
        if found:
            return Path(found)
    raise TargetError("no mysql or mariadb client found; install mariadb-client (apt-get install mariadb-client)")


class ThrowawayServer:
    """A server of the drill's own in ``work``, tuned for a bulk load, gone when the drill ends."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.server: LocalServer | None = None

    def __enter__(self) -> ThrowawayServer:
        program = find_server_program()
        self.server = LocalServer(program, self.work / "datadir", self.work, tuning=BULK_LOAD_TUNING)
        initialize_datadir(program, self.server.datadir, self.work / "install.log")
        self.server.start()
        with self.server.admin_connection() as admin, admin.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE `{DATABASE}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        return self

    def __exit__(self, *exc) -> None:
        if self.server is not None:
            self.server.stop()

    @property
    def url(self) -> str:
        """The restored database, as root over the server's socket."""
        return f"mysql://root@{self.server.host}:{self.server.port}/{DATABASE}?socket={quote(self.server.socket)}"

    def load(self, dump_path: Path, progress) -> None:
        """Restore the dump."""
        command = [str(mysql_client()), "--no-defaults", f"--socket={self.server.socket}", "--user=root", DATABASE]
        parallel_load.load(command, dump_path, progress)


class ScratchUrl:
    """A scratch database given by URL: empty or made by an earlier drill, cleared, then restored into."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.dsn = Dsn.parse(url)

    def __enter__(self) -> ScratchUrl:
        connection = self._connect()
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"CREATE DATABASE IF NOT EXISTS `{self.dsn.database}`")
                cursor.execute(f"USE `{self.dsn.database}`")
                cursor.execute("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()")
                tables = [name for (name,) in cursor.fetchall()]
                if tables and DRILL_MARKER not in tables:
                    raise ConfigError(
                        f"--into {mask_url(self.url)} holds {len(tables)} table(s) and no {DRILL_MARKER} marker: "
                        "it is not empty and no drill made it; give an empty scratch database"
                    )
                cursor.execute("SET SESSION foreign_key_checks = 0")
                for table in tables:
                    cursor.execute(f"DROP TABLE `{table}`")
                cursor.execute(f"CREATE TABLE `{DRILL_MARKER}` (restoredAt DATETIME(3) NOT NULL)")
                cursor.execute(f"INSERT INTO `{DRILL_MARKER}` VALUES (CURRENT_TIMESTAMP(3))")
        except pymysql.MySQLError as error:
            raise TargetError(f"cannot prepare the scratch database {mask_url(self.url)}: {error.args[-1]}") from None
        finally:
            connection.close()
        return self

    def __exit__(self, *exc) -> None:
        return None

    def load(self, dump_path: Path, progress) -> None:
        """Restore the dump."""
        options = client_options_file(self.dsn, Path(tempfile.gettempdir()))
        try:
            command = [str(mysql_client()), f"--defaults-extra-file={options}", *connection_flags(self.dsn)]
            parallel_load.load([*command, self.dsn.database], dump_path, progress)
        finally:
            options.unlink(missing_ok=True)

    def _connect(self) -> pymysql.Connection:
        # no database named: the drill creates the scratch database on this connection
        return connect(dataclasses.replace(self.dsn, database=""), setting="--into", connect_timeout=10)
