"""The bad inputs an operator meets: one clear line each, a non-zero exit, and no long waits."""

import subprocess

import pytest
from loopback import silent_server

from woc_gate import config
from woc_gate.errors import WocGateError
from woc_gate.plugin import fixtures
from woc_gate.sandbox import cli as sandbox_cli

pytest_plugins = ["pytester"]

SURFACE_TESTS = """
def test_api_first(api_as):
    api_as("a")

def test_api_again(api_as):
    api_as("a")

def test_db_first(woc_db):
    pass

def test_db_again(woc_db):
    pass
"""
# the same silent origin reached otherwise: as the desktop's WOC_API_URL, anonymously, and by the TLS scan
SAME_ORIGIN_TESTS = """
from woc_gate.target import clients, tls

def test_tls_scan(woc_settings):
    [found] = tls.scan([woc_settings.api_url], None, timeout=woc_settings.http_timeout, retries=1).values()
    raise found

def test_desktop_login(desktop_as):
    desktop_as("a", "admin")

def test_anonymous_health(woc_settings):
    with clients.anonymous(woc_settings, woc_settings.api_url, "API_BASE_URL") as client:
        clients.request(client, "GET", "/health", setting="API_BASE_URL")
"""


def silent_api_environment(monkeypatch, port, scheme="http"):
    monkeypatch.setenv("API_BASE_URL", f"{scheme}://127.0.0.1:{port}")
    monkeypatch.setenv("WOC_GATE_SMOKE_A_ADMIN_EMAIL", "admin@smoke-acme.test")
    monkeypatch.setenv("WOC_GATE_SMOKE_A_ADMIN_PASSWORD", "Pl4nted-pw")


def durations_of(result):
    """Each test's duration (its setup, call and teardown added up), by test name."""
    durations = {}
    for line in result.stdout.lines:
        if line[:1].isdigit() and "::" in line:
            name = line.split("::")[-1]
            durations[name] = durations.get(name, 0.0) + float(line.split("s ")[0])
    return durations


@pytest.mark.slow
def test_a_silent_target_fails_its_first_test_within_ten_seconds_and_the_rest_at_once(pytester, monkeypatch):
    pytester.makepyfile(test_a_surfaces=SURFACE_TESTS, test_b_same_origin=SAME_ORIGIN_TESTS)
    with silent_server() as port:
        silent_api_environment(monkeypatch, port, "https")
        monkeypatch.setenv("DATABASE_URL", f"mysql://woc:Pl4nted@127.0.0.1:{port}/workonclock")
        result = pytester.runpytest("-p", "no:randomly", "--durations=0", "--durations-min=0")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    api_line = (
        f"https://127.0.0.1:{port}/auth/login did not accept the connection within 8 s; check API_BASE_URL,"
        " or raise --woc-http-timeout for a slow target"
    )
    db_line = (
        f"the database at mysql://woc:****@127.0.0.1:{port}/workonclock did not answer in time;"
        " check DATABASE_URL, or raise --woc-db-timeout"
    )
    lines = result.stdout.lines
    assert lines.count(api_line) == 5 and lines.count(db_line) == 2
    assert "During handling of the above exception" not in result.stdout.str()
    durations = durations_of(result)
    assert durations["test_api_first"] < 10 and durations["test_db_first"] < 10
    later = ("test_api_again", "test_db_again", "test_desktop_login", "test_anonymous_health", "test_tls_scan")
    assert all(durations[name] < 1 for name in later), durations


@pytest.mark.slow
def test_a_tls_scan_that_finds_the_api_silent_costs_the_run_one_timeout(pytester, monkeypatch):
    pytester.makepyfile(test_same_origin=SAME_ORIGIN_TESTS)
    with silent_server() as port:
        silent_api_environment(monkeypatch, port, "https")
        result = pytester.runpytest(
            "-p", "no:randomly", "--durations=0", "--durations-min=0", "--woc-http-timeout=2", "-k", "tls or login"
        )
    scan_line = (
        f"https://127.0.0.1:{port} did not complete a TLS handshake within 2 s;"
        " check the URL, or raise --woc-http-timeout for a slow target"
    )
    assert result.stdout.lines.count(scan_line) == 2
    durations = durations_of(result)
    assert durations["test_tls_scan"] < 4 and durations["test_desktop_login"] < 1, durations


def test_a_missing_checkout_is_one_line_once(pytester, tmp_path):
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.parametrize("n", range(3))
        def test_reads_the_checkout(woc_repo, n):
            pass
        """
    )
    result = pytester.runpytest(f"--woc-repo={tmp_path / 'nowhere'}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert [line for line in result.stderr.lines if line] == [
        f"ERROR: woc-gate: the WorkOnClock checkout {tmp_path / 'nowhere'} (from command line) does not exist;"
        " pass --woc-repo with the root of a WorkOnClock checkout"
    ]


def test_an_http_timeout_from_the_command_line_is_used(pytester, monkeypatch):
    pytester.makepyfile(SURFACE_TESTS)
    with silent_server() as port:
        silent_api_environment(monkeypatch, port)
        result = pytester.runpytest("-p", "no:randomly", "--woc-http-timeout", "0.5", "-k", "api")
    result.stdout.fnmatch_lines([f"http://127.0.0.1:{port}/auth/login did not answer within 0.5 s; *"])


@pytest.mark.parametrize("command", ["up", "down"])
def test_a_state_option_naming_a_file_is_one_line(tmp_path, capsys, command):
    state = tmp_path / "state.txt"
    state.write_text("")
    assert sandbox_cli.main([command, "--state", str(state)]) == 2
    assert capsys.readouterr() == (
        "",
        f"woc-gate sandbox: argument --state: {state} is a file;"
        " name a folder for the stack's state (made when missing)\n",
    )


def test_sandbox_up_twice_on_one_state_dir_is_one_line(clean_stack, capsys):
    state = clean_stack.state_dir
    assert sandbox_cli.main(["up", "--state", str(state)]) == 1
    assert capsys.readouterr() == (
        "",
        f"woc-gate sandbox: a sandbox is already running in {state} (pid {clean_stack.pid}); stop it with"
        f" `woc-gate sandbox down --state {state}` or pick another --state\n",
    )


def test_the_stacks_env_file_alone_gives_the_settings_its_profile_gives(clean_stack, tmp_path):
    shown = subprocess.run(
        ["bash", "-c", '. "$0" && env -0', str(clean_stack.env_path)], env={}, capture_output=True, check=True
    ).stdout.decode()
    exported = dict(line.split("=", 1) for line in shown.split("\0") if "=" in line)
    from_env = config.load(options={}, environ=exported, rootdir=tmp_path)
    from_profile = config.load(options={}, environ={}, rootdir=tmp_path, sandbox_profile=clean_stack.profile_path)
    fields = ("environment", "repo", "operator", "ca_bundle", "resend_api_url", "openapi_path", "env", "smoke")
    assert {name: getattr(from_env, name) for name in fields} == {name: getattr(from_profile, name) for name in fields}
    assert from_env.envelopes == from_profile.envelopes


def test_a_tenant_lock_held_too_long_is_one_line(tmp_path):
    holder = fixtures.TargetLock("smoke tenant a", tmp_path / "a.lock", 0.2)
    with holder, pytest.raises(WocGateError) as error:
        fixtures.TargetLock("smoke tenant a", tmp_path / "a.lock", 0.2).acquire()
    assert str(error.value) == (
        "smoke tenant a stayed locked by another test for 0.2 s;"
        " that test may be stuck: see its failure, or run with -n 0"
    )


def test_a_missing_ca_bundle_is_one_usage_error(pytester, tmp_path):
    pytester.makepyfile("def test_plain(): pass")
    result = pytester.runpytest(f"--woc-ca-bundle={tmp_path / 'ca.pem'}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert [line for line in result.stderr.lines if line] == [
        f"ERROR: woc-gate: the CA bundle {tmp_path / 'ca.pem'} (from command line) does not exist;"
        " pass --woc-ca-bundle with a PEM file of the CA certificates that sign the target's"
    ]
