"""``woc-gate migrate-status``: each Prisma migration of the target as applied, pending, failed, edited or lost."""

from __future__ import annotations

import json
import os
from pathlib import Path

from . import config
from .checks.migration_lint import Assessment, lint_pending
from .checks.migrations import read_migration_records
from .errors import ConfigError
from .sources.migrations import APPLIED, FAILED, MigrationState, migration_states
from .target import db

HEADERS = ("MIGRATION", "STATUS", "NOTE")


def load_states(*, config_path: str | None, repo: str | None, migrations: str | None) -> tuple[Path, list, list]:
    """The migrations folder, the state of each migration, and the lint of the pending ones."""
    settings = config.load(options={"config": config_path, "repo": repo}, environ=os.environ, rootdir=Path.cwd())
    folder = Path(migrations) if migrations else settings.repo_path("migrations")
    if folder is None:
        raise ConfigError("no migrations folder: pass --migrations DIR or --woc-repo PATH (or set repo in the profile)")
    if not folder.is_dir():
        raise ConfigError(f"migrations folder {folder} does not exist")
    if not settings.database_url:
        raise ConfigError("no database configured: set DATABASE_URL (or DB_HOST, DB_NAME, …) or pass --woc-config")
    connection = db.connect_readonly(settings.database_url)
    try:
        states = migration_states(folder, read_migration_records(connection))
        return folder, states, lint_pending(connection, states, settings.migration_scratch_url)
    finally:
        connection.close()


def is_clean(states: list[MigrationState]) -> bool:
    """True when no migration failed, was edited after apply, or is missing on disk."""
    return not any(state.status == FAILED or state.edited or state.migration is None for state in states)


def render_json(folder: Path, states: list[MigrationState], pending: list[Assessment]) -> str:
    """The states and the pending statements as a JSON document."""
    document = {
        "migrations_dir": str(folder),
        "clean": is_clean(states),
        "migrations": [state.as_dict() for state in states],
        "pending_statements": [assessment.as_dict() for assessment in pending],
    }
    return json.dumps(document, indent=2)


def render_pending(pending: list[Assessment]) -> list[str]:
    """One line per pending statement: whether it needs maintenance mode, and why."""
    if not pending:
        return []
    lines = ["", "Pending statements:"]
    for assessment in pending:
        verdict = f"maintenance mode: {assessment.reasons}" if assessment.needs_maintenance else "no maintenance needed"
        lines.append(f"  {assessment.migration} #{assessment.statement.number} {assessment.statement.summary}")
        lines.append(f"    {verdict}")
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
        notes.append("edited after it was applied (checksum differs)")
    if state.reapplied:
        notes.append("rolled back, then applied again")
    if state.migration is None:
        notes.append("missing on disk")
    if state.status == FAILED and state.record and state.record.logs:
        notes.append(state.record.logs.strip().splitlines()[0])
    if state.status == APPLIED and not notes and state.record and state.record.finished_at:
        notes.append(f"finished {state.record.finished_at.isoformat(sep=' ', timespec='seconds')}")
    return "; ".join(notes)
