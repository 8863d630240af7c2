"""A throwaway MySQL-compatible server on loopback: MySQL's ``mysqld`` when installed, else MariaDB's ``mariadbd``.

The server is a child that dies with the process that started it (``PR_SET_PDEATHSIG``), listens on
127.0.0.1 and on its own socket, and is reached as root over that socket only. The reference stack
runs on one; the restore drill loads a backup into one tuned for a bulk load (``bulk_load_tuning``).
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from woc_gate.errors import TargetError
from woc_gate.target.db import Dsn, Session, connect
from woc_gate.target.processes import find_program, run, run_group, start, stop

SBIN_DIRS = ("/usr/sbin", "/usr/local/sbin", "/usr/local/mysql/bin")
INSTALL_HINT = "install mariadb-server (apt-get install mariadb-server) or pass --db-url"
PR_SET_PDEATHSIG = 1
COMMON_FLAGS = (
    "--bind-address=127.0.0.1",
    "--skip-name-resolve",
    "--character-set-server=utf8mb4",
    "--collation-server=utf8mb4_unicode_ci",
    "--default-time-zone=+00:00",
    "--local-infile=1",
)
SANDBOX_TUNING = (
    "--innodb-buffer-pool-size=256M",
    "--innodb-flush-log-at-trx-commit=2",
    "--max-allowed-packet=64M",
    "--innodb-autoextend-increment=4",
)
# A scratch copy need not survive a crash: no durability, no binary log, no flush at shutdown (the datadir is deleted).
BULK_LOAD_TUNING = (
    "--innodb-flush-log-at-trx-commit=0",
    "--innodb-doublewrite=0",
    "--innodb-fast-shutdown=2",
    "--skip-log-bin",
    "--sync-binlog=0",
    "--innodb-log-buffer-size=64M",
    "--innodb-sort-buffer-size=64M",  # the deferred index builds sort in memory (64M is the server's maximum)
    "--max-allowed-packet=64M",
)
REDO_LOG_FLAG = {"mariadb": "--innodb-log-file-size", "mysql": "--innodb-redo-log-capacity"}
MiB = 1 << 20
SMALLEST_POOL = 256 * MiB
POOL_PER_SQL_BYTE = 2  # the restored tables, their indexes and the index builds' sorts, against the dump's SQL
SERVER_DEFAULTS = ()  # no tuning at all: the server as a plain installation runs it
FLAVOR_FLAGS = {
    "mariadb": ("--innodb-log-file-size=8M",),
    "mysql": ("--mysqlx=OFF", "--skip-log-bin", "--innodb-redo-log-capacity=16M"),
}


@dataclass(frozen=True)
class ServerProgram:
    """The installed server: its flavor, the server binary and how to initialize a datadir."""

    flavor: str  # "mysql" or "mariadb"
    server: Path
    install_db: Path | None  # mariadb-install-db; MySQL initializes with the server itself
    version: str

    def install_command(self, datadir: Path, tmpdir: Path) -> list[str]:
        """The command that creates the system tables in an empty ``datadir``.

        Its own ``tmpdir``: bootstraps running side by side in a shared /tmp collide on their
        temporary tables ("Unknown table 'mysql.tmp_user_sys'").
        """
        if self.flavor == "mysql":
            return [
                str(self.server),
                "--no-defaults",
                "--initialize-insecure",
                f"--datadir={datadir}",
                f"--tmpdir={tmpdir}",
                *_user_flag(),
            ]
        return [
            str(self.install_db),
            "--no-defaults",
            f"--datadir={datadir}",
            f"--tmpdir={tmpdir}",
            *_user_flag(),
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
            *FLAVOR_FLAGS["mariadb"],
        ]


def find_server_program() -> ServerProgram:
    """MySQL's mysqld when it is installed (and is not MariaDB under that name), else MariaDB's mariadbd."""
    mysqld = find_program(["mysqld"], SBIN_DIRS)
    if mysqld is not None:
        version = _version(mysqld)
        if "mariadb" not in version.lower():
            return ServerProgram("mysql", mysqld, None, version)
    mariadbd = find_program(["mariadbd"], SBIN_DIRS) or mysqld
    install_db = find_program(["mariadb-install-db", "mysql_install_db"], SBIN_DIRS)
    if mariadbd is None or install_db is None:
        raise TargetError(f"no MySQL or MariaDB server found (mysqld, mariadbd, mariadb-install-db); {INSTALL_HINT}")
    return ServerProgram("mariadb", mariadbd, install_db, _version(mariadbd))


def initialize_datadir(program: ServerProgram, datadir: Path, log_path: Path) -> None:
    """Create the system tables of a new server in ``datadir`` (which must not exist yet)."""
    tmpdir = log_path.parent / "install-tmp"
    tmpdir.mkdir(exist_ok=True)
    with open(log_path, "wb") as log:
        command = program.install_command(datadir, tmpdir)
        status = run_group(command, what=Path(command[0]).name, stdout=log, stderr=subprocess.STDOUT)
    if status != 0:
        raise TargetError(
            f"{program.server.name} could not initialize {datadir}: {_last_error(log_path)}; see {log_path}"
        )


class LocalServer:
    """A server process on one datadir; its socket, pid file and error log live in ``run_dir``."""

    def __init__(
        self, program: ServerProgram, datadir: Path, run_dir: Path, *, tuning: tuple[str, ...] = SANDBOX_TUNING
    ) -> None:
        self.program = program
        self.tuning = tuning
        self.datadir = datadir
        self.run_dir = run_dir
        self.socket = str(run_dir / "mysqld.sock")
        self.log_path = run_dir / "mysqld.err"
        self.host = "127.0.0.1"
        self.port = 0
        self._process: subprocess.Popen | None = None

    def start(self, timeout: float = 30.0, attempts: int = 3) -> None:
        """Start the server and wait until root can log in over the socket."""
        for _ in range(attempts):
            self.log_path.unlink(missing_ok=True)
            self.port = free_port()
            self._process = start(
                self._command(),
                what=self.program.server.name,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                preexec_fn=_die_with_parent(os.getpid()),
            )
            (self.run_dir / "mysqld.pid").write_text(str(self._process.pid))
            if self._wait_ready(timeout):
                return
            if "bind on tcp/ip port" not in _last_error(self.log_path).lower():
                break
        raise TargetError(
            f"{self.program.server.name} did not start on {self.datadir}: {_last_error(self.log_path)};"
            f" see {self.log_path}"
        )

    def admin_connection(self, database: str | None = None, **options) -> Session:
        """A root connection over the server's socket."""
        return connect(
            Dsn("localhost", self.port, "root", "", database, str(self.socket)), setting="its datadir", **options
        )

    def stop(self, timeout: float = 30.0) -> None:
        """Shut the server down cleanly (SIGTERM), killing it if it does not end within ``timeout``."""
        process, self._process = self._process, None
        if process is not None:
            stop(process, timeout)

    @property
    def running(self) -> bool:
        """True while the server process runs."""
        return self._process is not None and self._process.poll() is None

    def _command(self) -> list[str]:
        return [
            str(self.program.server),
            "--no-defaults",
            f"--datadir={self.datadir}",
            f"--socket={self.socket}",
            f"--port={self.port}",
            f"--pid-file={self.run_dir / 'server.pidfile'}",
            f"--log-error={self.log_path}",
            f"--tmpdir={self.run_dir}",
            *_user_flag(),
            *COMMON_FLAGS,
            *FLAVOR_FLAGS[self.program.flavor],
            *self.tuning,
        ]

    def _wait_ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                return False
            try:
                self.admin_connection(connect_timeout=1).close()
                return True
            except TargetError:
                time.sleep(0.03)
        self.stop()
        return False


def bulk_load_tuning(flavor: str, sql_bytes: int, clients: int) -> tuple[str, ...]:
    """The flags of a server that takes a dump of ``sql_bytes`` of SQL through ``clients`` connections at once.

    Its buffer pool holds what the dump restores to (twice its SQL) as far as a quarter of the machine's memory
    allows, never under 256 MiB (the server takes the memory as pages are used, not at start); the redo log is half
    the pool, so that a load of that size seldom waits for a checkpoint to flush pages.
    """
    pool = min(max(POOL_PER_SQL_BYTE * sql_bytes, SMALLEST_POOL), max(physical_memory() // 4, SMALLEST_POOL))
    pool = -(-pool // (128 * MiB)) * 128 * MiB  # whole chunks of the pool (128 MiB each)
    return (
        *BULK_LOAD_TUNING,
        f"--innodb-buffer-pool-size={pool // MiB}M",
        f"{REDO_LOG_FLAG[flavor]}={pool // 2 // MiB}M",
        f"--max-connections={clients + 16}",
    )


def physical_memory() -> int:
    """The machine's memory in bytes."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _die_with_parent(parent_pid: int):
    libc = ctypes.CDLL(None, use_errno=True)

    def set_death_signal() -> None:
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent_pid:  # the parent died before the signal was armed
            os._exit(1)

    return set_death_signal


def _user_flag() -> tuple[str, ...]:
    return ("--user=root",) if os.geteuid() == 0 else ()


def _version(binary: Path) -> str:
    done = run(
        [str(binary), "--version"], what=str(binary), advice=INSTALL_HINT, capture_output=True, text=True, timeout=30
    )
    return done.stdout.strip()


def _last_error(log_path: Path) -> str:
    try:
        lines = log_path.read_text(errors="replace").splitlines()
    except OSError:
        return "no error log written"
    errors = [line for line in lines if "ERROR" in line and "Aborting" not in line]
    return (errors[0] if errors else (lines[-1] if lines else "no output")).strip()
