"""Readiness, restore and migrations (issue 14, classes 11–15): each check against the fault that proves it.

Each fault runs only its item's gate tests against a stack carrying it, and fails exactly the tests
named here; one stack carrying all of them fails exactly their union; each valid variant passes.
The checks' own rules (near misses, headers, schema objects, the instant ADD COLUMN, literal unions)
are then pinned without a stack.
"""

from __future__ import annotations

import datetime
import shutil
import tomllib
from pathlib import Path

import httpx
import pytest
import tomli_w
from gate_runs import failing, fault_matrix, items_by_id, run_gate_tests

from woc_gate.checks import CheckFailure, cron, headers
from woc_gate.checks.instant_columns import adds_columns_instantly
from woc_gate.sources.migrations import migration_states
from woc_gate.sources.runtime_sql import runtime_statements
from woc_gate.sources.schema_objects import created_by_migrations
from woc_gate.sources.sql_statements import split_statements
from woc_gate.suite import REFERENCE_TREE

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[1]
CRON = [str(ROOT / "readiness/test_cron_secret.py")]
ENV_INVENTORY = [str(ROOT / f"readiness/{name}") for name in ("test_env_inventory.py", "test_tls.py")] + [
    str(ROOT / "readiness/test_security_headers.py")
]
RESTORE = [str(ROOT / "restore")]
MIGRATION = [str(ROOT / "migration")]
STACK = {"tls": True}  # HTTPS, as outside dev: the header checks read the first answer of each page


def refusals(*labels: str) -> list[str]:
    """The refusal tests of these near misses or wrong forms, for GET and POST."""
    return [f"test_retention_endpoint_refuses[{label} ({method})]" for method in ("GET", "POST") for label in labels]


DELETES_NOTHING = "test_refused_retention_requests_delete_nothing"
FAULTS = {  # fault: (its item, the gate files of the item, the failing tests, a phrase of the first failure)
    "cron-secret-prefix": (
        "cron-secret",
        CRON,
        refusals(
            "the secret's first half",
            "the secret without its last character",
            "the secret with its last character changed",
            "the secret with one character more",
        )
        + [DELETES_NOTHING],
        "did not refuse the secret's first half (GET)",
    ),
    "cron-refused-but-run": (
        "cron-secret",
        CRON,
        [DELETES_NOTHING],
        "deleted screenshots past retention (canary: screenshot ",
    ),
    "cron-no-secret": (
        "cron-secret",
        CRON,
        refusals(*(label for label, _ in cron.WRONG_FORMS), *(label for label, _ in cron.NEAR_MISSES))
        + [DELETES_NOTHING],
        "did not refuse no Authorization (GET)",
    ),
    "hsts-only-after-redirect": (
        "env-inventory",
        ENV_INVENTORY,
        [
            f"{test}[NEXTAUTH_URL {page}]"
            for test in (
                "test_first_answer_sends_hsts_with_a_long_max_age",
                "test_first_answer_sends_the_security_headers",
            )
            for page in ("/", "admin")
        ],
        "NEXTAUTH_URL / answers HTTP 307 without a strict HSTS header",
    ),
    "backup-drops-trigger": (
        "backup-restore",
        RESTORE,
        ["test_every_event_routine_trigger_and_view_survives_the_restore"],
        "1 schema object(s) did not survive the restore: trigger woc_screenshots_size_guard",
    ),
    "runtime-sql-union-missing-table": (
        "migration-runbook",
        MIGRATION,
        ["test_every_runtime_sql_statement_prepares_against_the_schema"],
        "apps/api/src/reports/reports.service.ts:14 (table = 'woc_time_entries_archive')",
    ),
}
COMBINED = sorted(set(FAULTS) - {"cron-no-secret"})  # cron-no-secret is the catalogue's; it hides the near misses


def run_items(pytester: pytest.Pytester, sandbox, files: list[str], *args: str) -> tuple[pytest.RunResult, dict]:
    """Run these gate files against a stack; the result and the record's items by id."""
    result, record = run_gate_tests(
        pytester, *files, f"--woc-config={sandbox.profile_path}", "-p", "no:randomly", "-n", "0", *args
    )
    return result, items_by_id(record)


@fault_matrix
@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_fault_fails_its_item_with_the_expected_tests(pytester, faulty_stack, fault):
    item_id, files, expected, phrase = FAULTS[fault]
    result, items = run_items(pytester, faulty_stack([fault], **STACK), files)
    item = items[item_id]
    assert item["status"] == "FAIL", result.stdout.str()
    assert sorted(failing(item)) == sorted(expected)
    assert phrase in item["reason"] or any(phrase in message for message in failing(item).values()), item


@fault_matrix
def test_one_stack_with_every_fault_fails_exactly_their_union(pytester, faulty_stack):
    sandbox = faulty_stack(COMBINED, **STACK)
    files = sorted({file for fault in COMBINED for file in FAULTS[fault][1]})
    result, items = run_items(pytester, sandbox, files)
    expected: dict[str, set[str]] = {}
    for fault in COMBINED:
        expected.setdefault(FAULTS[fault][0], set()).update(FAULTS[fault][2])
    assert {item_id: set(failing(items[item_id])) for item_id in expected} == expected, result.stdout.str()


@pytest.mark.parametrize(
    ("variant", "files", "item_id"),
    [
        ("instant-add-column", MIGRATION, "migration-runbook"),
        ("runtime-sql-union-table", MIGRATION, "migration-runbook"),
        ("schema-objects", RESTORE, "backup-restore"),
    ],
)
@pytest.mark.slow
def test_a_valid_variant_passes(pytester, faulty_stack, variant, files, item_id):
    result, items = run_items(pytester, faulty_stack([variant], **STACK), files)
    assert items[item_id]["status"] == "PASS", result.stdout.str()


@pytest.mark.slow
def test_an_instant_add_column_passes_without_a_scratch_database(pytester, faulty_stack):
    sandbox = faulty_stack(["instant-add-column"], **STACK)
    profile = tomllib.loads(sandbox.profile_path.read_text())
    del profile["migration_scratch_url"]
    pytester.path.joinpath("no-scratch.toml").write_text(tomli_w.dumps(profile))
    result, record = run_gate_tests(pytester, *MIGRATION, "--woc-config=no-scratch.toml", "-p", "no:randomly")
    assert items_by_id(record)["migration-runbook"]["status"] == "PASS", result.stdout.str()


DYNAMIC_SERVICE = """\
declare const db: { query(sql: string, params?: unknown[]): Promise<unknown[]> };

export function rowsOf(table: string, organizationId: string) {
  return db.query(`SELECT id FROM ${table} WHERE organizationId = ?`, [organizationId]);
}
"""
DYNAMIC_AT = "apps/api/src/reports/dynamic.service.ts:4"


@pytest.fixture(scope="module")
def dynamic_tree(tmp_path_factory) -> Path:
    """The reference tree with a runtime statement whose table is any string: it cannot be known before run time."""
    tree = tmp_path_factory.mktemp("dynamic") / "workonclock"
    shutil.copytree(REFERENCE_TREE, tree, ignore=shutil.ignore_patterns("node_modules"))
    (tree / DYNAMIC_AT.split(":")[0]).parent.mkdir(parents=True)
    (tree / DYNAMIC_AT.split(":")[0]).write_text(DYNAMIC_SERVICE)
    return tree


def vouch(pytester: pytest.Pytester, role: str) -> str:
    """An attestation file in which ``role`` vouches for the dynamic statement; its option."""
    pytester.path.joinpath("attestations.toml").write_text(
        f'[[attestation]]\nitem = "migration-runbook"\nruntime_sql = "{DYNAMIC_AT}"\napprover = "Sam Ortiz"\n'
        f'role = "{role}"\ndate = {datetime.date.today().isoformat()}\nevidence = "https://tickets.example.com/OPS-9"\n'
    )
    return "--attestations=attestations.toml"


@pytest.mark.parametrize(
    ("role", "status"), [(None, "UNVERIFIED"), ("operator", "UNVERIFIED"), ("technical owner", "PASS")]
)
@pytest.mark.slow
def test_a_statement_built_at_run_time_is_unverified_unless_the_technical_owner_vouches(
    pytester, dev_stack_factory, dynamic_tree, role, status
):
    args = [f"--woc-repo={dynamic_tree}", *([vouch(pytester, role)] if role else [])]
    result, items = run_items(pytester, dev_stack_factory(**STACK), MIGRATION, "-rs", *args)
    assert items["migration-runbook"]["status"] == status, result.stdout.str()
    if status == "UNVERIFIED":
        result.stdout.fnmatch_lines(
            [f"*1 runtime SQL statement(s) built at run time cannot be prepared: {DYNAMIC_AT}*"]
        )


# Near misses: each differs from the secret, and a deployment comparing loosely accepts one of them.
SECRET = "Zq3-fT9xLw0pRk7sVb2nYc8mHd4jGe6a1uKoPi5tNwE"


def test_every_near_miss_differs_from_the_secret_and_is_sent_as_a_bearer_token():
    sent = {call.label.removesuffix(" (GET)"): call.arguments(SECRET) for call in cron.BAD_CALLS}
    near = {label: sent[label]["headers"]["Authorization"] for label, _ in cron.NEAR_MISSES}
    assert near == {
        "an empty Bearer token": "Bearer",
        "the secret's first half": f"Bearer {SECRET[:21]}",
        "the secret without its last character": f"Bearer {SECRET[:-1]}",
        "the secret with its last character changed": f"Bearer {SECRET[:-1]}A",
        "the secret with one character more": f"Bearer {SECRET}A",
        "the secret with its case changed": f"Bearer {SECRET.swapcase()}",
    }


def test_a_secret_without_letters_has_no_case_variant_to_send():
    (case_call,) = [c for c in cron.BAD_CALLS if c.label == "the secret with its case changed (GET)"]
    assert case_call.arguments("7731-0042-9981-5532-1175-6610-2244-0097") is None
    cron.retention_refuses(None, None, case_call)  # nothing sent, nothing to refuse


def answer(status: int, content_type: str = "text/html", **sent: str) -> httpx.Response:
    """An answer with these headers (``strict_transport_security=…`` for Strict-Transport-Security)."""
    pairs = [(name.replace("_", "-"), value) for name, value in sent.items()]
    return httpx.Response(status, headers=[("content-type", content_type), *pairs])


@pytest.mark.parametrize(
    ("value", "age"),
    [
        ("max-age=63072000; includeSubDomains", 63072000),
        ('MAX-AGE="31536000"', 31536000),
        ("includeSubDomains; max-age=600; preload", 600),
        ("includeSubDomains", None),
        (None, None),
    ],
)
def test_hsts_max_age_is_read_from_the_header(value, age):
    assert headers.hsts_max_age(value) == age


def test_a_redirect_without_hsts_fails_even_when_its_target_would_send_it():
    with pytest.raises(CheckFailure, match="NEXTAUTH_URL / answers HTTP 307 without a strict HSTS header"):
        headers.first_answer_sends_hsts("NEXTAUTH_URL /", answer(307, location="/admin"), 31536000)


def test_framing_is_asked_of_html_pages_only_and_a_csp_frame_ancestors_will_do():
    headers.first_answer_sends_security_headers("x", answer(307, x_content_type_options="nosniff"))
    headers.first_answer_sends_security_headers("x", answer(200, "application/json", x_content_type_options="nosniff"))
    csp = "default-src 'self'; frame-ancestors 'none'"
    headers.first_answer_sends_security_headers(
        "x", answer(200, x_content_type_options="nosniff", content_security_policy=csp)
    )
    with pytest.raises(CheckFailure, match="neither X-Frame-Options DENY/SAMEORIGIN nor a CSP frame-ancestors"):
        headers.first_answer_sends_security_headers("x", answer(200, x_content_type_options="nosniff"))


def pending(tmp_path: Path, scripts: dict[str, str]) -> list:
    """The states of migration folders with these scripts, none applied, in name order."""
    for name, script in scripts.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "migration.sql").write_text(script)
    return migration_states(tmp_path, [])


def test_the_objects_migrations_leave_created_are_read_from_their_scripts(tmp_path):
    found = created_by_migrations(
        state.migration
        for state in pending(
            tmp_path,
            {
                "1_views": "CREATE OR REPLACE ALGORITHM=MERGE DEFINER=`app`@`%` SQL SECURITY INVOKER VIEW `db`.`v1`"
                " AS SELECT 1;\n-- CREATE VIEW `commented` AS SELECT 1;\nCREATE VIEW v2 AS SELECT 'CREATE VIEW x';\n",
                "2_routines": "CREATE FUNCTION `f`() RETURNS INT RETURN 1;\nCREATE PROCEDURE p() BEGIN SELECT 1; END;\n"
                "CREATE TRIGGER IF NOT EXISTS t BEFORE INSERT ON a FOR EACH ROW SET NEW.x = 1;\n"
                "CREATE EVENT `e` ON SCHEDULE EVERY 1 DAY DO DELETE FROM a;\n",
                "3_drops": "DROP VIEW IF EXISTS `v2`;\nDROP PROCEDURE p;\n",
            },
        )
    )
    assert found == {
        "view v1": "1_views",
        "function f": "2_routines",
        "trigger t": "2_routines",
        "event e": "2_routines",
    }


INSTANT = "ALTER TABLE `woc_users` ADD COLUMN `locale` VARCHAR(16) NOT NULL DEFAULT 'en'"


@pytest.mark.parametrize(
    ("server", "sql", "no_instant_add", "maintenance"),
    [
        ("8.0.36", INSTANT, (), False),
        ("10.11.6-MariaDB-0+deb12u1", INSTANT + " AFTER `email`", (), False),
        ("10.3.39-MariaDB", INSTANT + ", ADD COLUMN `tz` VARCHAR(64) NULL", (), False),
        ("8.0.36", "ALTER TABLE `woc_users` ADD COLUMN `tz` VARCHAR(64) NULL", (), False),
        ("5.7.44", INSTANT, (), True),
        ("8.0.20", INSTANT + " AFTER `email`", (), True),
        ("8.0.36", INSTANT, ("woc_users",), True),
        ("8.0.36", "ALTER TABLE `woc_users` ADD COLUMN `n` INT NOT NULL AUTO_INCREMENT UNIQUE", (), True),
        ("8.0.36", "ALTER TABLE `woc_users` ADD COLUMN `n` INT AS (1) STORED", (), True),
        ("8.0.36", INSTANT + ", ADD INDEX `i` (`locale`)", (), True),
        ("8.0.36", "ALTER TABLE `woc_users` MODIFY `email` VARCHAR(255) NOT NULL", (), True),
    ],
)
def test_without_a_scratch_database_only_an_instant_add_column_needs_no_maintenance(
    server, sql, no_instant_add, maintenance
):
    (statement,) = split_statements(sql)
    assert adds_columns_instantly(statement, server, frozenset(no_instant_add)) is not maintenance


UNIONS = """\
import { ARCHIVE, TABLES, Kind } from './names';
declare const db: { query(sql: string, params?: unknown[]): Promise<unknown> };
type Sort = 'name' | 'createdAt';

export async function report(sort: Sort, t: keyof typeof TABLES, k: Kind, limit: 10 | 20, any: string) {
  await db.query(`SELECT * FROM ${ARCHIVE}`);
  await db.query(`SELECT * FROM ${TABLES[t]} ORDER BY ${sort}`);
  await db.query('SELECT * FROM ' + TABLES.users + ' LIMIT ' + limit);
  await db.query(`SELECT * FROM ${k}`);
  const sql = `SELECT ${sort} FROM woc_projects`;
  await db.query(sql);
  await db.query(`SELECT * FROM ${any}`);
}

export class Db {
  query(sql: string) {
    return db.query(sql);
  }
}
"""
NAMES = """\
export const ARCHIVE = 'woc_archive';
export const TABLES = { users: 'woc_users', projects: 'woc_projects' } as const;
export enum Kind { Entry = 'woc_time_entries', Shot = 'woc_screenshots' }
"""


@pytest.mark.slow
def test_interpolated_constants_and_literal_unions_give_one_statement_per_value(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src/report.ts").write_text(UNIONS)
    (tmp_path / "src/names.ts").write_text(NAMES)
    found = runtime_statements(tmp_path, "src/**/*.ts", "query", cache_dir=tmp_path / "cache")
    assert [(s.line, s.sql, s.binding) for s in found if s.file.endswith("report.ts")] == [
        (6, "SELECT * FROM woc_archive", "ARCHIVE = 'woc_archive'"),
        (7, "SELECT * FROM woc_users ORDER BY name", "TABLES[t] = 'woc_users', sort = 'name'"),
        (7, "SELECT * FROM woc_users ORDER BY createdAt", "TABLES[t] = 'woc_users', sort = 'createdAt'"),
        (7, "SELECT * FROM woc_projects ORDER BY name", "TABLES[t] = 'woc_projects', sort = 'name'"),
        (7, "SELECT * FROM woc_projects ORDER BY createdAt", "TABLES[t] = 'woc_projects', sort = 'createdAt'"),
        (8, "SELECT * FROM woc_users LIMIT 10", "TABLES.users = 'woc_users', limit = '10'"),
        (8, "SELECT * FROM woc_users LIMIT 20", "TABLES.users = 'woc_users', limit = '20'"),
        (9, "SELECT * FROM woc_time_entries", "k = 'woc_time_entries'"),
        (9, "SELECT * FROM woc_screenshots", "k = 'woc_screenshots'"),
        (11, "SELECT name FROM woc_projects", "sort = 'name'"),
        (11, "SELECT createdAt FROM woc_projects", "sort = 'createdAt'"),
        (12, None, None),  # any string: built at run time; the wrapper's own db.query(sql) is no statement
    ]
