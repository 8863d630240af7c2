"""Writes to the target are refused before they leave the process unless the test is marked ``writes``;
``--woc-readonly`` skips the tests marked so, and a read-only run sends no mutating request."""

import contextlib
import json
from collections import Counter
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from gate_runs import run_gate_tests
from loopback import http_server

from woc_gate import config
from woc_gate.config import SmokeAccount
from woc_gate.errors import WritesBlocked
from woc_gate.redaction import Secret
from woc_gate.sandbox.environment import runbook_env
from woc_gate.sandbox.write_log import logged_writes
from woc_gate.target import clients, db
from woc_gate.target.writes import BLOCKER, WritesBlocker

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[1]
GATE_FOLDERS = ("contracts", "smoke", "tenant", "restore", "migration", "readiness")
LOGINS = {"POST api /auth/login", "POST web /login"}  # reads in effect: they make a session, not data
ITEMS_THAT_WRITE = ("migration-runbook", "desktop-runtime", "tenant-isolation", "cron-secret")  # none proven read-only
FORM = b'<form method="post" action="/save"><button type="submit">Save</button></form>'
LOGIN_ANSWER = json.dumps({"accessToken": "t0ken", "user": {"email": "admin@smoke-acme.test"}}).encode()

GATE_TEST = """
    import pytest
    from woc_gate.target import clients

    @pytest.fixture
    def target(woc_settings):
        with clients.anonymous(woc_settings, woc_settings.web_url, "NEXTAUTH_URL") as client:
            yield client

    @pytest.mark.gate("cron-secret")
    {marker}
    def test_retention_runs_with_the_secret(target):
        clients.request(target, "PUT", "/settings", json={{}})
"""

BROWSER_TESTS = """
    import pytest
    from woc_gate.target.browser import in_browser, open_page

    def save(page):
        open_page(page, "/form")
        with in_browser("cannot save the form"), page.expect_navigation():
            page.get_by_role("button", name="Save").click()

    def test_saves_without_the_marker(page):
        save(page)

    @pytest.mark.writes
    def test_saves_with_the_marker(page):
        save(page)
"""


def refusal(nodeid: str, what: str) -> str:
    return (
        f"{nodeid} changes data on the target ({what}) but is not marked writes: "
        "add @pytest.mark.writes (read-only runs then skip it)"
    )


@pytest.fixture
def target():
    """A loopback target counting the requests it receives by method: ``(url, counts)``.

    ``GET /form`` is a page with a form posting to ``/save``; everything else answers a login's JSON.
    """
    received = Counter()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self):
            received[self.command] += 1
            self.rfile.read(int(self.headers.get("content-length") or 0))
            page = self.command == "GET" and self.path == "/form"
            body = FORM if page else LOGIN_ANSWER
            self.send_response(200)
            self.send_header("content-type", "text/html" if page else "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_HEAD = do_OPTIONS = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

        def log_message(self, *args):
            pass

    with http_server(Handler) as url:
        yield url, received


@pytest.fixture
def project(pytester: pytest.Pytester, target) -> pytest.Pytester:
    pytester.makefile(".toml", **{"woc-gate": f'[env]\nNEXTAUTH_URL = "{target[0]}"\n'})
    return pytester


def cron_secret_status(pytester: pytest.Pytester) -> str:
    record = json.loads((pytester.path / "gate.json").read_text())
    return next(item["status"] for item in record["items"] if item["id"] == "cron-secret")


def test_a_put_from_a_test_not_marked_writes_is_refused_before_it_leaves(target, request):
    url, received = target
    with clients.open_client(url, "NEXTAUTH_URL", {}) as client, pytest.raises(WritesBlocked) as refused:
        clients.request(client, "PUT", "/settings", json={})
    assert str(refused.value) == refusal(request.node.nodeid, f"PUT {url}/settings")
    assert received == {}


@pytest.mark.writes
def test_a_put_from_a_test_marked_writes_goes_through(target):
    url, received = target
    with clients.open_client(url, "NEXTAUTH_URL", {}) as client:
        assert clients.request(client, "PUT", "/settings", json={}).status_code == 200
    assert received == {"PUT": 1}


def test_reads_and_the_api_login_of_a_test_not_marked_writes_go_through(target, tmp_path):
    url, received = target
    settings = config.load(options={}, environ={"API_BASE_URL": url}, rootdir=tmp_path)
    session = clients.api_login(settings, SmokeAccount("admin@smoke-acme.test", Secret("Pl4nted-Passw0rd")))
    with contextlib.closing(session):
        for method in ("GET", "HEAD", "OPTIONS"):
            clients.request(session.client, method, "/users")
    assert received == {"POST": 1, "GET": 1, "HEAD": 1, "OPTIONS": 1}


@pytest.mark.parametrize(
    ("sql", "keyword"),
    [
        ("INSERT INTO woc_projects (id) VALUES ('p')", "INSERT"),
        ("  update woc_projects SET name = name", "UPDATE"),
        ("/* a why */ DELETE FROM woc_projects", "DELETE"),
        ("-- a note\nREPLACE INTO woc_projects (id) VALUES ('p')", "REPLACE"),
        ("(ALTER TABLE woc_projects ADD c INT)", "ALTER"),
        ("drop table woc_projects", "DROP"),
        ("TRUNCATE woc_projects", "TRUNCATE"),
        ("CREATE TABLE t (a INT)", "CREATE"),
    ],
)
def test_a_statement_that_changes_data_is_refused(sql, keyword, request):
    with pytest.raises(WritesBlocked) as refused:
        BLOCKER.refuse_statement(sql)
    assert str(refused.value) == refusal(request.node.nodeid, f"{keyword} statement")


@pytest.mark.parametrize(
    "sql",
    ["SELECT 1", "(SELECT 1)", "SHOW TABLES", "SET SESSION TRANSACTION READ ONLY", "PREPARE s FROM 'DELETE FROM t'"],
)
def test_a_statement_that_reads_is_not_refused(sql):
    BLOCKER.refuse_statement(sql)


def test_outside_a_test_nothing_is_refused():
    operator = WritesBlocker()  # as in woc-gate backup or migrate-status: no test arms it
    operator.refuse_method("PUT", "http://127.0.0.1/settings")
    operator.refuse_statement("UPDATE woc_projects SET name = name")


def test_a_mutating_statement_from_a_test_not_marked_writes_never_reaches_the_database(clean_stack, request):
    connection = db.connect_readonly(runbook_env(clean_stack.ctx)["DATABASE_URL"])
    with contextlib.closing(connection):
        with pytest.raises(WritesBlocked) as refused:
            db.query(connection, "UPDATE woc_organizations SET name = name")
        [counter] = db.query(connection, "SHOW SESSION STATUS LIKE 'Com_update'")
    assert str(refused.value) == refusal(request.node.nodeid, "UPDATE statement")
    assert counter["Value"] == "0"


def test_a_gate_test_not_marked_writes_fails_in_one_line_naming_itself_and_the_marker(project, target):
    url, received = target
    project.makepyfile(GATE_TEST.format(marker=""))
    result = project.runpytest("--gate-report", "gate.json")
    result.assert_outcomes(failed=1)
    nodeid = "test_a_gate_test_not_marked_writes_fails_in_one_line_naming_itself_and_the_marker.py"
    result.stdout.fnmatch_lines(
        [refusal(f"{nodeid}::test_retention_runs_with_the_secret", f"PUT {url}/settings")], consecutive=True
    )
    assert cron_secret_status(project) == "FAIL"
    assert received == {}


def test_a_gate_test_marked_writes_sends_its_put(project, target):
    project.makepyfile(GATE_TEST.format(marker="@pytest.mark.writes"))
    result = project.runpytest("--gate-report", "gate.json")
    result.assert_outcomes(passed=1)
    assert cron_secret_status(project) == "PASS"
    assert target[1] == {"PUT": 1}


@pytest.mark.slow
def test_a_browser_request_that_writes_is_aborted_unless_the_test_is_marked(project, target):
    url, received = target
    project.makepyfile(BROWSER_TESTS)
    result = project.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    nodeid = "test_a_browser_request_that_writes_is_aborted_unless_the_test_is_marked.py"
    result.stdout.fnmatch_lines([refusal(f"{nodeid}::test_saves_without_the_marker[chromium]", f"POST {url}/save")])
    assert received["POST"] == 1


@pytest.mark.parametrize("how", [("--woc-readonly",), ()], ids=["option", "variable"])
def test_readonly_skips_writing_tests_and_their_item_stays_unverified(project, monkeypatch, how):
    if not how:
        monkeypatch.setenv("WOC_GATE_READONLY", "true")
    project.makepyfile(GATE_TEST.format(marker="@pytest.mark.writes"))
    result = project.runpytest("--gate-report", "gate.json", "-rs", *how)
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*read-only run (--woc-readonly): this test changes data on the target"])
    assert cron_secret_status(project) == "UNVERIFIED"


@pytest.mark.slow
def test_readonly_from_the_profile(pytester):
    pytester.makefile(".toml", **{"woc-gate": 'readonly = true\n[env]\nNEXTAUTH_URL = "http://127.0.0.1:9"\n'})
    pytester.makepyfile(GATE_TEST.format(marker="@pytest.mark.writes"))
    pytester.runpytest("--gate-report", "gate.json").assert_outcomes(skipped=1)
    assert cron_secret_status(pytester) == "UNVERIFIED"


@pytest.mark.slow
def test_a_malformed_readonly_value_is_one_usage_line(project, monkeypatch):
    monkeypatch.setenv("WOC_GATE_READONLY", "perhaps")
    result = project.runpytest()
    result.stderr.fnmatch_lines(
        ["ERROR: woc-gate: readonly 'perhaps' (from env WOC_GATE_READONLY) must be true or false"]
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR


@pytest.mark.slow  # every gate folder, in a process of its own
def test_a_read_only_run_of_every_gate_folder_sends_no_mutating_request_and_proves_no_item_that_writes(
    pytester, clean_stack
):
    before = len(logged_writes(clean_stack.state_dir))
    folders = [str(ROOT / folder) for folder in GATE_FOLDERS]
    result, record = run_gate_tests(
        pytester, *folders, f"--woc-config={clean_stack.profile_path}", "--woc-readonly", in_subprocess=True
    )
    sent = logged_writes(clean_stack.state_dir)[before:]
    assert set(sent) >= LOGINS, result.stdout.str()  # the log sees what the run sends
    assert [line for line in sent if line not in LOGINS] == []
    statuses = {item["id"]: item["status"] for item in record["items"]}
    assert {item: statuses[item] for item in ITEMS_THAT_WRITE} == dict.fromkeys(ITEMS_THAT_WRITE, "UNVERIFIED")
    assert record["writes"] == []
