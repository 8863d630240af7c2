"""``woc-gate migrate-status``: each Prisma migration of the target as applied, pending, failed, edited or lost."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from . import config
from .checks.migration_lint import Assessment, lint_pending
from .checks.migrations import count_tables, read_migration_records, unmanaged
from .sources.migrations import APPLIED, FAILED, MigrationState, migration_states
from .target import db

HEADERS = ("MIGRATION", "STATUS", "NOTE")


@dataclass
class Status:
    """What migrate-status found: the migrations' states, the database's ledger, the pending statements judged."""

    folder: Path
    states: list[MigrationState]
    database: str = ""  # the database read and its server, as said in the first line (no credentials)
    ledger: str = ""  # why the database is not under Prisma Migrate; "" when it is
    deploy_refuses: bool = False  # it holds tables but no ledger (P3005)
    pending: list[Assessment] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        """No migration failed, was edited or is missing on disk, and deploy accepts the database."""
        return not self.deploy_refuses and not any(
            state.status == FAILED or (state.edited and state.status == APPLIED) or state.migration is None
            for state in self.states
        )


def load_status(
    *, config_path: str | None, repo: str | None, migrations: str | None, scratch_url: str | None
) -> Status:
    """The state of each migration on the target and the lint of the pending ones."""
    options = {"config": config_path, "repo": repo, "migrations": migrations, "migration_scratch_url": scratch_url}
    settings = config.load(options=options, environ=os.environ, rootdir=Path.cwd())
    url = settings.required_database_url()
    folder = settings.migrations_dir
    connection = db.connect_readonly(url)
    try:
        records = read_migration_records(connection)
        status = Status(folder, migration_states(folder, records), database=database_read(settings.database_url))
        if records is None:
            tables = count_tables(connection)
            status.ledger, status.deploy_refuses = unmanaged(records, tables, status.states), tables > 0
        if not status.deploy_refuses:
            status.pending = lint_pending(
                connection, status.states, settings.migration_scratch_url, settings.migration_copy_rows
            )
        return status
    finally:
        connection.close()


def database_read(url: str) -> str:
    """``"workonclock" at db.staging:3306``: the database of ``url`` and its server, never its account."""
    dsn = db.Dsn.parse(url)
    server = f"{dsn.host} (socket {dsn.unix_socket})" if dsn.unix_socket else f"{dsn.host}:{dsn.port}"
    return f'"{dsn.database}" at {server}'


def render_json(status: Status) -> str:
    """The states and the pending statements as a JSON document."""
    document = {
        "database": status.database,
        "migrations_dir": str(status.folder),
        "clean": status.clean,
        "not_managed": status.ledger or None,
        "migrations": [state.as_dict() for state in status.states],
        "pending_statements": [assessment.as_dict() for assessment in status.pending],
    }
    return json.dumps(document, indent=2)


def render_text(status: Status) -> list[str]:
    """The ledger's state, the states as a table, then the pending statements."""
    source = [f"Database {status.database}, migrations in {status.folder}", ""]
    ledger = [status.ledger[0].upper() + status.ledger[1:] + ".", ""] if status.ledger else []
    return source + ledger + render_table(status.states) + render_pending(status)


def render_pending(status: Status) -> list[str]:
    """One line per pending statement, then whether it needs maintenance mode and why, one finding a line."""
    if not status.pending:
        return []
    lines = ["", "Pending statements:"]
    for assessment in status.pending:
        lines.append(f"  {assessment.migration} #{assessment.statement.number} {assessment.statement.summary}")
        if assessment.not_tried:
            lines.append(f"    not tried: {assessment.not_tried}")
        elif not assessment.findings:
            lines.append("    no maintenance needed")
        lines += [f"    maintenance mode: {finding}" for finding in assessment.findings]
    return lines


def render_table(states: list[MigrationState]) -> list[str]:
    """The states as an aligned text table."""
    rows = [HEADERS] + [(state.name, state.status, _note(state)) for state in states]
    widths = [max(len(row[column]) for row in rows) for column in range(len(HEADERS) - 1)]
    lines = [f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]}".rstrip() for row in rows]
    if not states:
        lines.append("(no migrations)")
    return lines


def _note(state: MigrationState) -> str:
    notes = []
    if state.edited:
        notes.append(f"edited {state.edit} (checksum differs)")
    if state.reapplied:
        notes.append("rolled back, then applied again")
    if state.migration is None:
        notes.append("missing on disk")
    if state.status == FAILED and state.record and state.record.error_line:
        notes.append(state.record.error_line)
    if state.status == APPLIED and not notes and state.record and state.record.finished_at:
        notes.append(f"finished {state.record.finished_at.isoformat(sep=' ', timespec='seconds')}")
    return "; ".join(notes)
