"""A throwaway MariaDB/MySQL server for the migration tests: a plugin, ``pytest_plugins = ["migration_server"]``.

``migration_server`` (one per session, per xdist worker) gives a ``Server``: ``database(name)`` makes an
empty utf8mb4 database and gives an admin connection on it, ``account(user, database, grant)`` an account
with that grant on it alone, ``url(user, database)`` its URL. Each test module uses names of its own.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass

import pymysql
import pytest

from woc_gate.sandbox import instances
from woc_gate.target import migrate, scratch_server

PASSWORD = "Migration-Tests-1"


@dataclass
class Server:
    """The running server and an administrative account on it over TCP."""

    server: scratch_server.LocalServer

    def admin(self, database: str | None = None) -> pymysql.Connection:
        """A root connection that may run a whole script (multi-statements)."""
        return pymysql.connect(
            host="127.0.0.1",
            port=self.server.port,
            user="admin",
            password=PASSWORD,
            database=database,
            autocommit=True,
            client_flag=migrate.MULTI_STATEMENTS,
        )

    def database(self, name: str) -> pymysql.Connection:
        """A new empty database (dropped first if a test before made it); an admin connection on it."""
        with self.admin() as admin, admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
            cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        return self.admin(name)

    def account(self, user: str, database: str, grant: str = "ALL PRIVILEGES") -> str:
        """An account with ``grant`` on ``database`` alone; its URL."""
        with self.admin() as admin, admin.cursor() as cursor:
            cursor.execute("CREATE USER IF NOT EXISTS %s@'%%' IDENTIFIED BY %s", (user, PASSWORD))
            cursor.execute(f"GRANT {grant} ON `{database}`.* TO %s@'%%'", (user,))
        return self.url(user, database)

    def url(self, user: str, database: str) -> str:
        """The URL of ``user`` on ``database``."""
        return f"mysql://{user}:{PASSWORD}@127.0.0.1:{self.server.port}/{database}"


@pytest.fixture(scope="session")
def migration_server():
    """A throwaway server for the session, with an administrative account over TCP."""
    program = scratch_server.find_server_program()
    run_dir = instances.create_owned_dir("migrations-")
    server = scratch_server.LocalServer(program, run_dir / "datadir", run_dir)
    try:
        scratch_server.initialize_datadir(program, server.datadir, run_dir / "install.log")
        server.start()
        with server.admin_connection() as admin, admin.cursor() as cursor:
            cursor.execute("CREATE USER 'admin'@'%%' IDENTIFIED BY %s", (PASSWORD,))
            cursor.execute("GRANT ALL PRIVILEGES ON *.* TO 'admin'@'%' WITH GRANT OPTION")
        yield Server(server)
    finally:
        server.stop()
        shutil.rmtree(run_dir, ignore_errors=True)
