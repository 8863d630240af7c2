"""A failing check shows its finding, and a failing target its one line, not the frames of the code that found it."""

import contextlib
import re
import threading
import time

from loopback import answering, cut_short, http_server
from sandbox_clients import database

pytest_plugins = ["pytester"]
KILLED_QUERY = "SELECT SLEEP(20) AS woc_gate_killed_here"


def report_of(result, test):
    """The lines pytest printed under the failure or error header of ``test``."""
    lines = result.stdout.lines
    header = re.compile(rf"_+ (ERROR at (setup|teardown) of )?{test} _+$")
    start = next(number for number, line in enumerate(lines) if header.match(line)) + 1
    end = next(number for number in range(start, len(lines)) if lines[number].startswith(("_", "=")))
    return lines[start:end]


def test_a_check_failure_prints_title_expected_and_received_only(pytester):
    pytester.makefile(".toml", **{"woc-gate": '[env]\nNEXTAUTH_URL = "http://127.0.0.1:9"\n'})
    pytester.makepyfile("""
        import pytest
        from woc_gate.checks import CheckFailure

        def settings_row_exists(tenant):
            raise CheckFailure(f"organization {tenant} has no settings row", "1 row", "0 rows")

        @pytest.mark.gate("backup-restore")
        def test_every_active_org_has_a_settings_row():
            settings_row_exists("smoke-acme")
    """)
    result = pytester.runpytest("--gate-report", "gate.json")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*_ test_every_active_org_has_a_settings_row _*",
            "organization smoke-acme has no settings row",
            "",
            "Expected: 1 row",
            "Received: 0 rows",
            "*= release gate =*",
        ],
        consecutive=True,
    )
    result.stdout.no_fnmatch_line("*raise CheckFailure*")
    result.stdout.fnmatch_lines(["backup-restore *FAIL*organization smoke-acme has no settings row"])


def test_an_openapi_finding_prints_only_the_differing_properties(pytester):
    pytester.makefile(".toml", **{"woc-gate": '[env]\nNEXTAUTH_URL = "http://127.0.0.1:9"\n'})
    pytester.makepyfile("""
        import pytest
        from woc_gate.checks import openapi

        SHARED = {"type": "object", "required": ["blur"], "properties": {
            "blur": {"type": "boolean"}, **{f"f{n}": {"type": "integer"} for n in range(40)}}}

        @pytest.mark.gate("schema-contracts")
        def test_documented_policy_response_matches_shared_tracking_policy():
            documented = {**SHARED, "properties": {**SHARED["properties"], "blur": {"type": "string"}}}
            openapi.documented_as_shared(documented, SHARED, what="GET /tracking/policy", type_name="TrackingPolicy")
    """)
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*_ test_documented_policy_response_matches_shared_tracking_policy _*",
            "the OpenAPI document describes GET /tracking/policy differently from the shared TrackingPolicy: "
            "blur documented as {'type': 'string'}, shared as {'type': 'boolean'}",
            "",
            'Expected: {"blur": {"type": "boolean"}}',
            'Received: {"blur": {"type": "string"}}',
        ],
        consecutive=True,
    )
    result.stdout.no_fnmatch_line("*woc_gate/checks*")


def test_a_woc_gate_error_in_a_fixture_is_one_line_at_setup_and_at_teardown(pytester):
    pytester.makepyfile("""
        import pytest
        from woc_gate.errors import TargetError

        @pytest.fixture
        def api_at_setup():
            raise TargetError("cannot reach http://127.0.0.1:9/auth/login: connection refused; check API_BASE_URL")

        @pytest.fixture
        def api_at_teardown():
            yield
            raise TargetError("the session with http://127.0.0.1:9 did not close; check API_BASE_URL")

        def test_logs_in(api_at_setup):
            pass

        def test_logs_out(api_at_teardown):
            pass
    """)
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, errors=2)
    assert report_of(result, "test_logs_in") == [
        "cannot reach http://127.0.0.1:9/auth/login: connection refused; check API_BASE_URL"
    ]
    assert report_of(result, "test_logs_out") == [
        "the session with http://127.0.0.1:9 did not close; check API_BASE_URL"
    ]


def test_an_api_that_answers_html_where_json_is_due_is_one_line(pytester, monkeypatch):
    pytester.makepyfile("""
        import pytest

        @pytest.fixture
        def admin(api_as):
            return api_as("a")

        def test_reads_the_policy(admin):
            pass
    """)
    monkeypatch.setenv("WOC_GATE_SMOKE_A_ADMIN_EMAIL", "admin@smoke-acme.test")
    monkeypatch.setenv("WOC_GATE_SMOKE_A_ADMIN_PASSWORD", "Pl4nted-pw")
    with http_server(answering(200, "<html><body>Welcome</body></html>", "text/html")) as url:
        monkeypatch.setenv("API_BASE_URL", url)
        result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    assert report_of(result, "test_reads_the_policy") == [
        f"{url}/auth/login answered HTTP 200 with text/html, not JSON;"
        " check that the URL points at the WorkOnClock endpoint"
    ]


def test_an_installer_download_cut_short_is_one_line(pytester, monkeypatch):
    pytester.makepyfile("""
        from woc_gate.target.release import load_release

        def test_fetches_the_release(woc_settings, tmp_path):
            load_release(woc_settings.installers_manifest, tmp_path)
    """)
    with http_server(cut_short(4096, 1024)) as url:
        artifact = f"{url}/WorkOnClock-Setup-1.0.0.exe"
        manifest = pytester.makefile(
            ".toml", release=f'[[artifact]]\npath = "{artifact}"\nplatform = "windows"\nsha256 = "00"\n'
        )
        monkeypatch.setenv("WOC_GATE_INSTALLERS_MANIFEST", str(manifest))
        result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    assert report_of(result, "test_fetches_the_release") == [
        f"{artifact} closed the connection before its answer was complete (peer closed connection without sending"
        " complete message body (received 1024 bytes, expected 4096)); run again, and if it recurs check the server"
        " behind installers_manifest"
    ]


@contextlib.contextmanager
def killed_when_seen(ctx, statement):
    """Kill, from a session of its own, the session that runs ``statement`` on the stack's database."""

    def kill():
        with database(ctx) as connection, connection.cursor() as cursor:
            for _ in range(400):
                cursor.execute(
                    "SELECT ID FROM information_schema.PROCESSLIST WHERE INFO = %s AND ID <> CONNECTION_ID()",
                    (statement,),
                )
                found = cursor.fetchall()
                if found:
                    cursor.execute(f"KILL {found[0][0]}")
                    return
                time.sleep(0.05)

    killer = threading.Thread(target=kill)
    killer.start()
    try:
        yield
    finally:
        killer.join()


def test_a_database_that_drops_the_session_mid_query_is_one_line(pytester, clean_stack):
    pytester.makepyfile(f"""
        from woc_gate.target import db

        def test_reads_the_screenshots(woc_db):
            db.query(woc_db, "{KILLED_QUERY}")
    """)
    with killed_when_seen(clean_stack.ctx, KILLED_QUERY):
        result = pytester.runpytest(f"--woc-config={clean_stack.profile_path}")
    result.assert_outcomes(failed=1)
    ctx = clean_stack.ctx.db
    assert report_of(result, "test_reads_the_screenshots") == [
        f"the database at mysql://{ctx.user}:****@{ctx.host}:{ctx.port}/{ctx.name} closed the connection"
        " (Lost connection to MySQL server during query); check that the server runs and DATABASE_URL, then run again"
    ]
