"""The stack's database and accounts on a server: the application database, its account, root on the socket only."""

from __future__ import annotations

import secrets

import pymysql

APP_DATABASE = "workonclock"
APP_USER = "woc_app"
SCRATCH_DATABASE = "woc_gate_scratch"  # where the migration lint tries pending statements
SCRATCH_USER = "woc_scratch"
RESTORE_DATABASE = "workonclock_restore_check"  # where restore drills may load a backup
RESTORE_USER = "woc_restore"


def create_database(admin: pymysql.Connection, name: str) -> None:
    """Create an empty utf8mb4 database, as Prisma's MySQL connector expects it."""
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")


def create_app_account(admin: pymysql.Connection, database: str, user: str = APP_USER) -> str:
    """Create a read-write account on ``database`` with a random password; the password."""
    password = secrets.token_urlsafe(24)
    with admin.cursor() as cursor:
        cursor.execute("CREATE USER %s@'%%' IDENTIFIED BY %s", (user, password))
        cursor.execute(f"GRANT ALL PRIVILEGES ON `{database}`.* TO %s@'%%'", (user,))
    return password


def create_scratch_account(admin: pymysql.Connection) -> str:
    """An empty scratch database and an account with rights on it alone, as an operator would set one up."""
    create_database(admin, SCRATCH_DATABASE)
    return create_app_account(admin, SCRATCH_DATABASE, SCRATCH_USER)


def create_restore_account(admin: pymysql.Connection) -> str:
    """An account with rights on the restore-check database alone (which it may create); its password."""
    return create_app_account(admin, RESTORE_DATABASE, RESTORE_USER)


def drop_database_and_account(admin: pymysql.Connection, database: str, user: str) -> None:
    """Drop a database and an account made by this module (each only when it exists)."""
    with admin.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS `{database}`")
        cursor.execute("DROP USER IF EXISTS %s@'%%'", (user,))


def restrict_root_to_socket(admin: pymysql.Connection) -> None:
    """Drop root's network accounts, so that root logs in over the server's own socket only."""
    with admin.cursor() as cursor:
        cursor.execute("SELECT host FROM mysql.user WHERE user = 'root' AND host <> 'localhost'")
        for (host,) in cursor.fetchall():
            cursor.execute("DROP USER 'root'@%s", (host,))
