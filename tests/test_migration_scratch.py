"""The migration lint asks the server on a schema-only scratch copy, in Prisma's session, how each statement runs."""

from __future__ import annotations

import pytest

from woc_gate.errors import ConfigError, TargetError
from woc_gate.sandbox.environment import runbook_env
from woc_gate.sources.sql_statements import split_statements
from woc_gate.target.db import connect_readonly, query
from woc_gate.target.scratch import COPY, INPLACE, INSTANT, Outcome, PrismaSession, ScratchSchema


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
    ("statement", "algorithm"),
    [
        ("ALTER TABLE `woc_projects` ADD COLUMN `color` VARCHAR(191) NULL", INSTANT),
        ("CREATE INDEX `woc_projects_org_name_idx` ON `woc_projects`(`organizationId`, `name`)", INPLACE),
        ("ALTER TABLE `woc_projects` MODIFY `name` INT NOT NULL", COPY),
        (  # Prisma's session checks foreign keys: the server copies the table to add one
            "ALTER TABLE `woc_projects` ADD CONSTRAINT `woc_projects_lead_fkey` FOREIGN KEY (`organizationId`)"
            " REFERENCES `woc_organizations`(`id`) ON DELETE RESTRICT ON UPDATE CASCADE",
            COPY,
        ),
        ("CREATE TABLE `woc_tags` (`id` VARCHAR(191) NOT NULL, PRIMARY KEY (`id`))", None),
    ],
)
def test_the_server_says_how_a_statement_runs(scratch, statement, algorithm):
    (parsed,) = split_statements(statement)
    assert scratch.apply(parsed.text, parsed.algorithm_separator) == Outcome(algorithm)


def test_the_scratch_session_is_set_up_as_prismas_on_the_target(scratch, source):
    assert PrismaSession.of(scratch.connection) == scratch.prisma == PrismaSession.of(source)
    assert query(scratch.connection, "SELECT @@SESSION.sql_mode AS mode, @@SESSION.foreign_key_checks AS fk")[0] == {
        "mode": scratch.prisma.sql_mode,
        "fk": 1,
    }


def test_a_statement_the_copy_refuses_is_its_refusal(scratch):
    outcome = scratch.apply("ALTER TABLE `woc_projects` DROP COLUMN `no_such`", ", ")
    assert outcome.algorithm is None
    assert "no_such" in outcome.refusal


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
