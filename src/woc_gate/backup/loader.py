"""Where a drill restores to: a throwaway server of its own, or a scratch database given by URL.

Both feed the dump to the MySQL client (``mariadb`` or ``mysql``), as the runbook's
``mysql --database=workonclock_restore_check < dump`` does, but for its rows, which go as they are
through ``jobs`` sessions at once (in phases, see ``parallel_load``), and expose ``url``, a URL of the
restored database for the validation's read-only sessions.
"""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path
from urllib.parse import quote

import pymysql.cursors

from ..checks.restore import DRILL_MARKER
from ..errors import ConfigError
from ..redaction import mask_url
from ..target.db import Dsn, Session, connect, execute, query
from ..target.processes import require_program
from ..target.scratch_server import LocalServer, bulk_load_tuning, find_server_program, initialize_datadir
from . import parallel_load
from .dump import INSTALL_CLIENT, client_options, connection_flags

CLIENTS = ("mariadb", "mysql")
DATABASE = "workonclock_restore_check"
MAX_STATEMENT = 1 << 30  # the server's max_allowed_packet decides; the sessions' own limit must not


class ThrowawayServer:
    """A server of the drill's own in ``work``, tuned for a bulk load of ``sql_bytes`` by ``jobs`` clients, gone when
    the drill ends."""

    setting = "the drill's own server"

    def __init__(self, work: Path, sql_bytes: int, jobs: int) -> None:
        self.work = work
        self.sql_bytes = sql_bytes
        self.jobs = jobs
        self.server: LocalServer | None = None

    def __enter__(self) -> ThrowawayServer:
        program = find_server_program()
        tuning = bulk_load_tuning(program.flavor, self.sql_bytes, self.jobs)
        self.server = LocalServer(program, self.work / "datadir", self.work, tuning=tuning)
        initialize_datadir(program, self.server.datadir, self.work / "install.log")
        self.server.start()
        with self.server.admin_connection() as admin:
            execute(admin, f"CREATE DATABASE `{DATABASE}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        return self

    def __exit__(self, *exc) -> None:
        if self.server is not None:
            self.server.stop()

    @property
    def url(self) -> str:
        """The restored database, as root over the server's socket."""
        return f"mysql://root@{self.server.host}:{self.server.port}/{DATABASE}?socket={quote(self.server.socket)}"

    def load(self, dump_path: Path, progress, jobs: int) -> dict[str, float]:
        """Restore the dump through ``jobs`` clients at once; the seconds of each phase."""
        command = [
            str(require_program(CLIENTS, INSTALL_CLIENT)),
            "--no-defaults",
            f"--socket={self.server.socket}",
            "--user=root",
            DATABASE,
        ]
        session = functools.partial(self.server.admin_connection, DATABASE, max_allowed_packet=MAX_STATEMENT)
        return parallel_load.load(command, session, dump_path, progress, jobs)


class ScratchUrl:
    """A scratch database given by URL: empty or made by an earlier drill, cleared, then restored into."""

    setting = "--into"

    def __init__(self, url: str) -> None:
        self.url = url
        self.dsn = Dsn.parse(url)

    def __enter__(self) -> ScratchUrl:
        with self._connect() as connection:
            execute(connection, f"CREATE DATABASE IF NOT EXISTS `{self.dsn.database}`")
            execute(connection, f"USE `{self.dsn.database}`")
            tables = [row["name"] for row in query(connection, _TABLES)]
            if tables and DRILL_MARKER not in tables:
                raise ConfigError(
                    f"--into {mask_url(self.url)} holds {len(tables)} table(s) and no {DRILL_MARKER} marker: "
                    "it is not empty and no drill made it; give an empty scratch database"
                )
            for table in tables:
                execute(connection, f"DROP TABLE `{table}`")
            execute(connection, f"CREATE TABLE `{DRILL_MARKER}` (restoredAt DATETIME(3) NOT NULL)")
            execute(connection, f"INSERT INTO `{DRILL_MARKER}` VALUES (CURRENT_TIMESTAMP(3))")
        return self

    def __exit__(self, *exc) -> None:
        return None

    def load(self, dump_path: Path, progress, jobs: int) -> dict[str, float]:
        """Restore the dump through ``jobs`` clients at once; the seconds of each phase."""
        client = require_program(CLIENTS, INSTALL_CLIENT)
        with client_options(self.dsn) as options:
            command = [str(client), f"--defaults-extra-file={options}", *connection_flags(self.dsn)]
            session = functools.partial(connect, self.dsn, setting=self.setting, max_allowed_packet=MAX_STATEMENT)
            return parallel_load.load([*command, self.dsn.database], session, dump_path, progress, jobs)

    def _connect(self) -> Session:
        # no database named: the drill creates the scratch database on this connection
        return connect(
            dataclasses.replace(self.dsn, database=""),
            setting=self.setting,
            connect_timeout=10,
            cursorclass=pymysql.cursors.DictCursor,
            init_command="SET SESSION foreign_key_checks = 0",
        )


_TABLES = "SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"
Place = ThrowawayServer | ScratchUrl
