"""The reference stack's lifecycle: start, profile and env files, stop, kill, owner death, --db-url, the CLI."""

import errno
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import tomllib

import httpx
import pymysql
import pytest

from woc_gate import cli as woc_gate_cli
from woc_gate.config import RUNBOOK_VARIABLES, SECRET_VARIABLES
from woc_gate.errors import SandboxError
from woc_gate.sandbox import cli, environment, instances, stack
from woc_gate.sandbox.faults import FAULTS
from woc_gate.sandbox.layout import static_profile
from woc_gate.sandbox.serve import Listener
from woc_gate.sandbox.template import TEMPLATES_DIR
from woc_gate.sources.nodetools import CACHE_DIR_ENV, default_cache_dir
from woc_gate.target import scratch_server as mysqld

pytestmark = pytest.mark.slow  # each test starts and stops stacks of its own

SECRETS = sorted(SECRET_VARIABLES - {"DATABASE_URL"})  # the DSN holds DB_PASSWORD


def owned_by(pid):
    """The owned directories (datadirs, sockets) of a process."""
    return [path for path in instances.run_root().iterdir() if (instances.owner_of(path) or "").startswith(f"{pid}:")]


def wait_until(condition, seconds=10.0):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def server_pid(instance_dir):
    return int((instance_dir / "mysqld.pid").read_text())


def profile(sandbox):
    return tomllib.loads(sandbox.profile_path.read_text())


def healthy(ctx):
    return (
        httpx.get(ctx.web_base_url + "/api/health").status_code
        == httpx.get(ctx.api_base_url + "/health").status_code
        == 200
    )


def test_start_and_stop_leave_nothing_behind(tmp_path):
    sandbox = stack.start(tmp_path / "state", owner_pid=os.getpid())
    try:
        [instance] = owned_by(sandbox.pid)
        database_pid = server_pid(instance)
        assert healthy(sandbox.ctx)
        assert instances.process_token(database_pid) is not None
        for private in (sandbox.profile_path, sandbox.env_path, sandbox.state_dir / "context.json"):
            assert private.stat().st_mode & 0o777 == 0o600
    finally:
        sandbox.stop()
    assert instances.process_token(sandbox.pid) is None
    assert instances.process_token(database_pid) is None
    assert not instance.exists()
    assert sorted(path.name for path in sandbox.state_dir.iterdir()) == ["daemon.log"]


def test_a_killed_stack_takes_its_server_along_and_the_next_start_sweeps_it(tmp_path):
    killed = stack.start(tmp_path / "state", owner_pid=os.getpid())
    [instance] = owned_by(killed.pid)
    database_pid = server_pid(instance)
    os.kill(killed.pid, signal.SIGKILL)
    wait_until(lambda: instances.process_token(database_pid) is None)
    assert stack.status(killed.state_dir) is None
    again = stack.start(killed.state_dir, owner_pid=os.getpid())
    try:
        assert not instance.exists()
        assert healthy(again.ctx)
    finally:
        again.stop()


def test_the_stack_stops_when_its_owner_dies(tmp_path):
    owner = subprocess.Popen(["sleep", "60"])
    sandbox = stack.start(tmp_path / "state", owner_pid=owner.pid)
    [instance] = owned_by(sandbox.pid)
    owner.kill()
    owner.wait()
    wait_until(lambda: stack.status(sandbox.state_dir) is None and not instance.exists())
    assert sorted(path.name for path in sandbox.state_dir.iterdir()) == ["daemon.log"]


def test_a_temporary_state_dir_is_removed_at_stop():
    sandbox = stack.start(owner_pid=os.getpid())
    assert sandbox.state_dir.parent == instances.run_root()
    sandbox.stop()
    assert not sandbox.state_dir.exists()


def test_the_profile_has_the_target_profile_format(clean_stack):
    data = profile(clean_stack)
    ctx = clean_stack.ctx
    assert list(data) == [
        "environment",
        "repo",
        "operator",
        "email_wait_seconds",
        "openapi_path",
        "screenshot_storage_dir",
        "env_file",
        "commit_sha",
        "resend_api_url",
        "resend_read_key",
        "installers_manifest",
        "screenshot_storage",
        "migration_scratch_url",
        "restore_scratch_url",
        "env",
        "smoke",
        "envelopes",
        "sandbox",
    ]
    assert (data["environment"], data["operator"], data["resend_api_url"]) == ("staging", "sandbox", ctx.mail_base_url)
    assert data["openapi_path"] == "/openapi.json"
    assert data["repo"] == str(clean_stack.state_dir / "workonclock") == str(ctx.repo)
    env = data["env"]
    assert list(env) == list(RUNBOOK_VARIABLES)
    db = ctx.db
    assert env["DATABASE_URL"] == f"mysql://woc_app:{db.password}@127.0.0.1:{db.port}/workonclock"
    assert (env["DB_USER"], env["DB_NAME"], env["DB_PORT"], env["EMAIL_REQUIRE_PROVIDER"]) == (
        "woc_app",
        "workonclock",
        str(db.port),
        "true",
    )
    assert (env["NEXTAUTH_URL"], env["API_BASE_URL"], env["WOC_API_URL"]) == (
        ctx.web_base_url,
        ctx.api_base_url,
        ctx.api_base_url,
    )
    assert len({env[name] for name in SECRETS}) == len(SECRETS) and all(len(env[name]) >= 24 for name in SECRETS)
    assert data["smoke"]["a"]["organization"] == "smoke-acme"
    assert sorted(data["smoke"]["b"]) == sorted(
        ["organization"] + [f"{role}_{part}" for role in ("owner", "admin", "member") for part in ("email", "password")]
    )
    assert data["envelopes"] == {"policy": "data"}
    assert data["sandbox"]["state_dir"] == str(clean_stack.state_dir) and data["sandbox"]["faults"] == []


def test_the_profile_starts_with_what_the_state_dir_alone_decides(clean_stack):
    assert static_profile(clean_stack.state_dir).items() <= profile(clean_stack).items()


def test_the_env_file_exports_the_profile_variables(clean_stack):
    shown = subprocess.run(
        ["bash", "-c", '. "$0" && env -0', str(clean_stack.env_path)], env={}, capture_output=True, check=True
    ).stdout.decode()
    exported = dict(line.split("=", 1) for line in shown.split("\0") if "=" in line)
    assert {name: exported[name] for name in RUNBOOK_VARIABLES} == profile(clean_stack)["env"]


def test_the_application_account_owns_only_its_database_and_root_stays_on_the_socket(clean_stack, db_rows):
    grants = [grant for (grant,) in db_rows(clean_stack, "SHOW GRANTS")]
    assert grants[1:] == ["GRANT ALL PRIVILEGES ON `workonclock`.* TO `woc_app`@`%`"]
    db = clean_stack.ctx.db
    with pytest.raises(pymysql.err.OperationalError):
        pymysql.connect(host=db.host, port=db.port, user="root", password="")


def test_a_second_stack_in_the_same_state_dir_is_refused(clean_stack):
    with pytest.raises(SandboxError) as error:
        stack.start(clean_stack.state_dir)
    state = clean_stack.state_dir
    assert str(error.value) == (
        f"a sandbox is already running in {state} (pid {clean_stack.pid}); stop it with"
        f" `woc-gate sandbox down --state {state}` or pick another --state"
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"faults": ["nope"]}, "unknown fault nope; known faults: " + ", ".join(sorted(FAULTS))),
        ({"scale": -1}, "scale must be 0 or more; got -1"),
        (
            {"repo": "/"},
            "/ is not a WorkOnClock source tree (no apps/web/prisma/migrations); pass the checkout's root as --repo",
        ),
        (
            {"db_url": "mysql://nobody@"},
            "mysql://nobody@ is not a server URL; use mysql://USER:PASSWORD@HOST:PORT/"
            " with an account that may create databases and users",
        ),
    ],
)
def test_bad_start_options_are_one_line(tmp_path, options, message):
    with pytest.raises(SandboxError) as error:
        stack.start(tmp_path / "state", **options)
    assert str(error.value) == message
    assert not (tmp_path / "state").exists()


def test_a_failing_start_reports_the_daemons_one_line_error(tmp_path):
    repo = tmp_path / "workonclock"
    shutil.copytree(stack.REFERENCE_TREE, repo)
    broken = (
        repo
        / "apps"
        / "web"
        / "prisma"
        / "migrations"
        / "20250303090000_invites_adhoc_resets_contact"
        / "migration.sql"
    )
    broken.write_text(broken.read_text() + "\nTHIS IS NOT SQL;\n")
    with pytest.raises(SandboxError) as error:
        stack.start(tmp_path / "state", repo=repo, owner_pid=os.getpid())
    message = str(error.value)
    assert message.startswith(
        "migration 20250303090000_invites_adhoc_resets_contact failed: You have an error in your SQL"
    )
    assert message.endswith(f"; fix {broken}") and "\n" not in message
    assert sorted(path.name for path in (tmp_path / "state").iterdir()) == ["daemon.log", "error"]


def test_a_start_that_times_out_leaves_nothing_running(tmp_path):
    state = tmp_path / "state"
    with pytest.raises(SandboxError) as error:
        stack.start(state, timeout=0.3)
    assert str(error.value) == f"the sandbox was not ready within 0.3 s; see {state / 'daemon.log'}"
    assert stack.status(state) is None
    assert sorted(path.name for path in state.iterdir()) == ["daemon.log"]


@pytest.fixture
def other_server(tmp_path):
    """A second throwaway server with an administrative account over TCP; its URL."""
    program = mysqld.find_server_program()
    run_dir = instances.create_owned_dir("test-")
    server = mysqld.LocalServer(program, run_dir / "datadir", run_dir)
    try:
        mysqld.initialize_datadir(program, server.datadir, run_dir / "install.log")
        server.start()
        with server.admin_connection() as admin, admin.cursor() as cursor:
            cursor.execute("CREATE USER 'admin'@'%' IDENTIFIED BY 'admin-Pw-1'")
            cursor.execute("GRANT ALL PRIVILEGES ON *.* TO 'admin'@'%' WITH GRANT OPTION")
        yield server, f"mysql://admin:admin-Pw-1@127.0.0.1:{server.port}/"
    finally:
        server.stop()
        shutil.rmtree(run_dir)


def databases_and_users(server):
    with server.admin_connection() as admin, admin.cursor() as cursor:
        cursor.execute("SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 'woc%'")
        databases = [name for (name,) in cursor.fetchall()]
        cursor.execute("SELECT user FROM mysql.user WHERE user LIKE 'woc%'")
        return databases, [name for (name,) in cursor.fetchall()]


def test_db_url_mode_makes_its_own_database_and_drops_it(tmp_path, other_server):
    server, url = other_server
    sandbox = stack.start(tmp_path / "state", db_url=url, owner_pid=os.getpid())
    try:
        db = sandbox.ctx.db
        suffix = re.fullmatch(r"woc_sandbox_([0-9a-f]{8})", db.name).group(1)
        assert (db.host, db.port, db.user, db.unix_socket) == ("127.0.0.1", server.port, f"woc_app_{suffix}", None)
        assert databases_and_users(server) == ([db.name], [db.user])
        account = profile(sandbox)["smoke"]["b"]
        login = httpx.post(
            sandbox.ctx.api_base_url + "/auth/login",
            json={"email": account["member_email"], "password": account["member_password"]},
        )
        assert login.status_code == 200
    finally:
        sandbox.stop()
    assert databases_and_users(server) == ([], [])


def test_a_killed_db_url_stack_has_its_database_dropped_at_the_next_stop_or_start(tmp_path, other_server):
    server, url = other_server
    sandbox = stack.start(tmp_path / "state", db_url=url, owner_pid=os.getpid())
    os.kill(sandbox.pid, signal.SIGKILL)
    wait_until(lambda: stack.status(sandbox.state_dir) is None)  # SIGKILL: the daemon dropped nothing itself
    assert stack.stop(sandbox.state_dir) is False
    assert databases_and_users(server) == ([], [])


def test_a_listener_holds_its_port_from_the_start():
    listener = Listener(None)
    with listener.socket, socket.socket() as other, pytest.raises(OSError) as taken:
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        other.bind(("127.0.0.1", listener.socket.getsockname()[1]))
    assert taken.value.errno == errno.EADDRINUSE


def test_a_drawn_secret_the_checks_call_weak_is_drawn_again(monkeypatch):
    draws = iter(["Zq8#abcdefP0wLm3Rt7Yv2Nc5Hs9Gd1Kx", "Zq8#Lm3Rt7Yv2Nc5Hs9Gd1KxWp4Tb6Fj0Qe"])
    monkeypatch.setattr(environment.secrets, "token_urlsafe", lambda nbytes: next(draws))
    assert environment.random_secret(32) == "Zq8#Lm3Rt7Yv2Nc5Hs9Gd1KxWp4Tb6Fj0Qe"


def test_cli_up_status_down(tmp_path, capsys):
    state = tmp_path / "state"
    try:
        assert cli.main(["up", "--state", str(state)]) == 0
        shown = capsys.readouterr().out
        profile = tomllib.loads((state / "profile.toml").read_text())
        env = profile["env"]
        pid = stack.status(state).pid
        lines = shown.splitlines()
        assert lines[:2] == [f"Sandbox running in {state} (pid {pid})", "  faults: none"]
        assert f"  DATABASE_URL=mysql://woc_app:****@127.0.0.1:{env['DB_PORT']}/workonclock" in lines
        assert "  DB_PASSWORD=****" in lines and f"  NEXTAUTH_URL={env['NEXTAUTH_URL']}" in lines
        web, api, port, mail = env["NEXTAUTH_URL"], env["API_BASE_URL"], env["DB_PORT"], profile["resend_api_url"]
        assert lines[2:8] == [
            f"  web:      {web}",
            f"  admin:    {web}/admin",
            f"  API:      {api} (desktop: {api})",
            f"  database: 127.0.0.1:{port}, database workonclock, user woc_app (password in the profile)",
            f"  mail:     {mail} (Resend's API: GET /emails, GET /domains; read key in the profile)",
            f"  storage:  on disk in {state.resolve()}/storage",
        ]
        figures = stack.Sandbox(state, state / "profile.toml", state / "env", pid).figures
        assert lines[-6:-3] == [f"  {line}" for line in figures.lines()]
        assert lines[-6].startswith("  rows:     5 organizations, ") and lines[-4].endswith(" of data and indexes")
        assert figures.objects == figures.rows["woc_screenshots"] > 0
        assert figures.storage_disk_bytes > figures.object_bytes > 0
        assert lines[-3:] == [
            f"Profile:  {state}/profile.toml  (check it with: woc-gate doctor --woc-config {state}/profile.toml)",
            f"Env file: {state}/env  (load it with: . {state}/env)",
            f"Stop it:  woc-gate sandbox down --state {state}",
        ]
        assert not any(env[name] in shown for name in SECRETS)
        assert woc_gate_cli.main(["doctor", "--woc-config", f"{state}/profile.toml"]) == 0  # the profile it names
        checked = capsys.readouterr().out
        assert not [line for line in checked.splitlines() if line.startswith("broken")]
        assert not any(env[name] in checked for name in SECRETS)
        assert stack.Sandbox(state, state / "profile.toml", state / "env", pid).ctx.fault_switch == ""
        assert cli.main(["status", "--state", str(state)]) == 0
        assert capsys.readouterr().out.splitlines()[0] == f"Sandbox running in {state} (pid {pid})"
        assert cli.main(["down", "--state", str(state)]) == 0
        assert capsys.readouterr().out == f"Sandbox in {state} stopped\n"
    finally:
        stack.stop(state)
    assert cli.main(["down", "--state", str(state)]) == 1  # down twice: one line, and a failure
    assert capsys.readouterr().err == f"woc-gate sandbox: no sandbox is running in {state}; nothing to stop\n"
    assert cli.main(["status", "--state", str(state)]) == 1
    assert capsys.readouterr().out == f"No sandbox is running in {state}\n"


def test_cli_faults_lists_the_catalogue(capsys):
    assert cli.main(["faults"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 + len(FAULTS)
    assert re.split(r"\s{2,}", lines[0]) == ["FAULT", "ITEM", "DEFECT"]
    assert re.split(r"\s{2,}", lines[1 + list(FAULTS).index("stale-role-seed")]) == [
        "stale-role-seed",
        "schema-contracts",
        "one tenant's MANAGER role misses a default permission row",
    ]


@pytest.mark.parametrize(
    ("argv", "message", "status"),
    [
        (
            ["up", "--fault", "nope"],
            "argument --fault: unknown fault nope; known faults: " + ", ".join(sorted(FAULTS)),
            2,
        ),
        (["up", "--scale", "-1"], "argument --scale: must be a whole number of 0 or more, got '-1'", 2),
        (
            ["up", "--db-url", "postgres://u:pw@h/"],
            "argument --db-url: postgres://u:****@h/ is not a server URL;"
            " use mysql://USER:PASSWORD@HOST:PORT/ with an account that may"
            " create databases and users",
            2,
        ),
        (["launch"], "argument COMMAND: invalid choice: 'launch' (choose from 'up', 'down', 'status', 'faults')", 2),
        ([], "the following arguments are required: COMMAND", 2),
    ],
)
def test_cli_bad_input_is_one_line(capsys, argv, message, status):
    assert cli.main(argv) == status
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", f"woc-gate sandbox: {message}\n")


def test_a_stack_seeding_at_scale_says_how_far_it_is(tmp_path, monkeypatch):
    cache = tmp_path / "cache"  # the user's, but for the stack templates: this start builds one, so it seeds
    cache.mkdir()
    for kept in default_cache_dir().iterdir():
        if kept.name != TEMPLATES_DIR:
            (cache / kept.name).symlink_to(kept)
    monkeypatch.setenv(CACHE_DIR_ENV, str(cache))
    seen = []
    sandbox = stack.start(tmp_path / "state", scale=3, seed=11, on_progress=seen.append)
    try:
        assert seen[-1] == stack.Step(3, 3, stack.SEED_UNIT, "copying the objects")
        assert [step.done for step in seen] == sorted(step.done for step in seen)
        assert {(step.total, step.unit) for step in seen} == {(3, stack.SEED_UNIT)}
    finally:
        sandbox.stop()
