"""Where a drill restores to: a throwaway server of its own, or a scratch database given by URL.

Both feed the dump to the MySQL client (``mariadb`` or ``mysql``), as the runbook's
``mysql --database=workonclock_restore_check < dump`` does, and expose ``url``, a URL of the
restored database for the validation's read-only session.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import quote

import pymysql

from ..checks.restore import DRILL_MARKER
from ..errors import ConfigError, TargetError
from ..redaction import mask_url
from ..target.db import Dsn
from ..target.scratch_server import BULK_LOAD_TUNING, LocalServer, find_server_program, initialize_datadir
from .deferred_indexes import with_deferred_indexes
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


def feed(command: list[str], dump_path: Path, progress) -> None:
    """Pipe the dump into the client, secondary indexes built after the data; ``progress`` by share of bytes."""
    total = max(dump_path.stat().st_size, 1)
    read, shown = 0, 0

    def counted(source):
        nonlocal read, shown
        for line in source:
            read += len(line)
            while shown < 100 * read // total:
                shown += 1
                progress.advance(f"{read / 1e6:.1f} MB")
            yield line

    with tempfile.TemporaryFile() as errors, open(dump_path, "rb") as source:
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=errors)
        try:
            process.stdin.writelines(with_deferred_indexes(counted(source)))
            process.stdin.close()
        except BrokenPipeError:
            pass  # the client stopped early; its exit status and stderr say why
        finally:
            process.wait()
        if process.returncode != 0:
            errors.seek(0)
            message = errors.read().decode(errors="replace").strip().splitlines()
            raise TargetError(f"the restore failed: {message[0] if message else f'exit {process.returncode}'}")


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
        feed(command, dump_path, progress)


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
            feed([*command, self.dsn.database], dump_path, progress)
        finally:
            options.unlink(missing_ok=True)

    def _connect(self) -> pymysql.Connection:
        try:
            return pymysql.connect(
                host=self.dsn.host,
                port=self.dsn.port,
                user=self.dsn.user,
                password=self.dsn.password,
                unix_socket=self.dsn.unix_socket,
                connect_timeout=10,
                autocommit=True,
            )
        except pymysql.MySQLError as error:
            raise TargetError(f"cannot reach the scratch database at {mask_url(self.url)}: {error.args[-1]}") from None
