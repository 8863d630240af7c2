"""How the checks reach a target: read-only database sessions, logins, one-line errors without secrets."""

import os
import socket
import ssl

import pytest
import trustme

from woc_gate import config
from woc_gate.config import SmokeAccount
from woc_gate.errors import ConfigError, DatabaseError, TargetError
from woc_gate.redaction import Secret
from woc_gate.target import clients, db


def stack_settings(sandbox, tmp_path):
    return config.load(options={}, environ={}, rootdir=tmp_path, sandbox_profile=sandbox.profile_path)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.writes  # the UPDATE must reach the server, past the writes blocker, for the session to refuse it there
def test_a_check_session_reads_but_cannot_write(clean_stack, tmp_path):
    settings = stack_settings(clean_stack, tmp_path)
    connection = db.connect_readonly(settings.database_url)
    try:
        assert db.query(connection, "SELECT COUNT(*) AS n FROM woc_organizations")[0]["n"] > 0
        with pytest.raises(DatabaseError) as refused:
            db.query(connection, "UPDATE woc_organizations SET name = name")
        assert refused.value.refusal == "Cannot execute statement in a READ ONLY transaction"
        assert db.query(connection, "SHOW SESSION STATUS LIKE 'Com_update'")[0]["Value"] == "1"
    finally:
        connection.close()


def test_database_sessions_share_pymysqls_preferred_tls_context(clean_stack, tmp_path):
    """pymysql builds it, CAs loaded, for each connection (23 ms of CPU); the sessions build it once, unchanged."""
    settings = stack_settings(clean_stack, tmp_path)
    first, second = db.connect_readonly(settings.database_url), db.connect_readonly(settings.database_url)
    try:
        assert first.ctx is second.ctx
        assert (first.ctx.verify_mode, first.ctx.check_hostname) == (ssl.CERT_NONE, False)  # TLS if offered
    finally:
        first.close()
        second.close()


def test_the_clients_share_the_ca_bundles_tls_context_until_the_bundle_changes(tmp_path):
    bundle = tmp_path / "ca.pem"
    trustme.CA().cert_pem.write_to_path(str(bundle))
    settings = config.load(options={"ca_bundle": str(bundle)}, environ={}, rootdir=tmp_path)
    first = clients.tls_verification(settings)
    assert clients.tls_verification(settings) is first
    trustme.CA().cert_pem.write_to_path(str(bundle))
    os.utime(bundle, ns=(1, 1))  # a new modification time, however coarse the clock
    renewed = clients.tls_verification(settings)
    assert renewed is not first
    assert [ca["serialNumber"] for ca in renewed.get_ca_certs()] != [ca["serialNumber"] for ca in first.get_ca_certs()]


def test_an_unreachable_database_is_one_line_with_the_password_masked():
    port = free_port()
    with pytest.raises(TargetError) as error:
        db.connect_readonly(f"mysql://woc:S3cretPass@127.0.0.1:{port}/workonclock")
    assert str(error.value) == (
        f"cannot reach the database at mysql://woc:****@127.0.0.1:{port}/workonclock: connection refused;"
        " check that it runs and DATABASE_URL"
    )


def test_a_malformed_database_url_is_refused_masked():
    with pytest.raises(ConfigError) as error:
        db.Dsn.parse("postgres://woc:S3cretPass@db/x")
    assert str(error.value) == (
        "database URL postgres://woc:****@db/x is not of the form mysql://user:password@host:port/database"
    )


def test_api_and_web_logins_work_as_the_smoke_accounts(clean_stack, tmp_path):
    settings = stack_settings(clean_stack, tmp_path)
    account = settings.smoke["a"].accounts["admin"]
    api = clients.api_login(settings, account)
    web = clients.web_login(settings, account)
    try:
        assert api.user["email"] == account.email
        assert web.call("GET", "web_settings").status_code == 200
    finally:
        api.close()
        web.close()


@pytest.mark.parametrize(
    "login, message",
    [
        (clients.api_login, "API login as admin@smoke-acme.test failed: HTTP 401 from /auth/login"),
        (clients.web_login, "web login as admin@smoke-acme.test failed: HTTP 401 from /login"),
    ],
)
def test_a_refused_login_is_one_line_without_the_password(clean_stack, tmp_path, login, message):
    settings = stack_settings(clean_stack, tmp_path)
    with pytest.raises(TargetError) as error:
        login(settings, SmokeAccount("admin@smoke-acme.test", Secret("not-the-password-42")))
    assert str(error.value) == message


def test_an_unreachable_api_is_one_line_naming_the_url(tmp_path):
    port = free_port()
    settings = config.load(options={}, environ={"API_BASE_URL": f"http://127.0.0.1:{port}"}, rootdir=tmp_path)
    with pytest.raises(TargetError) as error:
        clients.api_login(settings, SmokeAccount("a@b.test", Secret("pw-123456")))
    assert str(error.value) == (
        f"cannot reach http://127.0.0.1:{port}/auth/login: connection refused; check that it runs and API_BASE_URL"
    )


def test_the_login_form_is_found_by_its_labels():
    form = clients.LoginForm.parse(
        '<form action="/session" method="post"><input type="hidden" name="csrfToken" value="t">'
        '<label for="e">Email</label><input id="e" name="username">'
        '<label for="p">Password</label><input id="p" name="secret" type="password"></form>'
    )
    assert (form.action, form.hidden, form.name_for("Email"), form.name_for("Password")) == (
        "/session",
        {"csrfToken": "t"},
        "username",
        "secret",
    )
