"""The migration lint asks the server on a schema-only scratch copy how each pending statement would run."""

from __future__ import annotations

import pytest

from woc_gate.checks.migration_lint import assess_migration, read_target_schema
from woc_gate.errors import ConfigError, TargetError
from woc_gate.sandbox.environment import runbook_env
from woc_gate.sources.migrations import migration_states
from woc_gate.target.db import connect_readonly
from woc_gate.target.scratch import COPY, INPLACE, INSTANT, ScratchSchema


@pytest.fixture
def source(clean_stack):
    connection = connect_readonly(runbook_env(clean_stack.ctx)["DATABASE_URL"])
    yield connection
    connection.close()


@pytest.fixture
def scratch(clean_stack, source):
    copy = ScratchSchema(clean_stack.ctx.scratch_url, source)
    copy.refresh()
    yield copy
    copy.close()


@pytest.mark.parametrize(
    ("statement", "alter", "algorithm"),
    [
        ("ALTER TABLE `woc_projects` ADD COLUMN `color` VARCHAR(191) NULL", True, INSTANT),
        ("CREATE INDEX `woc_projects_name_idx` ON `woc_projects`(`name`)", False, INPLACE),
        ("ALTER TABLE `woc_projects` MODIFY `name` INT NOT NULL", True, COPY),
    ],
)
def test_the_server_says_how_a_statement_runs(scratch, statement, alter, algorithm):
    assert scratch.try_statement(statement, alter) == algorithm


def test_a_statement_the_copy_refuses_is_one_line(scratch):
    with pytest.raises(TargetError, match="^the scratch copy refuses it: .*no_such"):
        scratch.try_statement("ALTER TABLE `woc_projects` DROP COLUMN `no_such`", True)


def test_a_copying_alter_of_a_populated_table_needs_maintenance(scratch, source, tmp_path):
    (tmp_path / "9_retype").mkdir()
    (tmp_path / "9_retype" / "migration.sql").write_text("ALTER TABLE `woc_projects` MODIFY `name` TEXT NOT NULL;\n")
    (state,) = migration_states(tmp_path, [])
    (assessment,) = assess_migration(state, read_target_schema(source), scratch)
    assert len(assessment.long_running) == 1
    assert assessment.long_running[0].startswith(
        "copies woc_projects with writes locked (neither INSTANT nor INPLACE, LOCK=NONE) ("
    )
    assert assessment.needs_maintenance


def test_the_source_database_is_refused_as_scratch(clean_stack, source):
    url = runbook_env(clean_stack.ctx)["DATABASE_URL"]
    with pytest.raises(ConfigError, match="must have 'scratch' in its name and differ from the source database"):
        ScratchSchema(url, source)


def test_the_scratch_account_cannot_reach_the_source(clean_stack, source):
    url = clean_stack.ctx.scratch_url.rsplit("/", 1)[0] + "/workonclock"
    with pytest.raises(ConfigError):
        ScratchSchema(url, source)
    with pytest.raises(TargetError, match="Access denied"):
        connect_readonly(url)
