"""Every way a target fails to answer becomes one typed line naming the endpoint (password masked) and what to do."""

import time

import pytest
from loopback import answering, free_port, http_server, silent_server

from woc_gate import config
from woc_gate.config import SmokeAccount
from woc_gate.errors import DatabaseError, TargetAnswerError, TargetTimeout, TargetTLSError, TargetUnreachable
from woc_gate.redaction import Secret
from woc_gate.target import clients, db
from woc_gate.target.breaker import SURFACES

ACCOUNT = SmokeAccount("admin@smoke-acme.test", Secret("Pl4nted-Passw0rd"))
TOKEN_ANSWER = answering(200, {"accessToken": "t0ken", "user": {"email": "admin@smoke-acme.test"}})


def settings_for(tmp_path, api_url, **environ):
    return config.load(options={}, environ={"API_BASE_URL": api_url, **environ}, rootdir=tmp_path)


def login_error(settings, **kwargs):
    with pytest.raises(Exception) as error:
        clients.api_login(settings, ACCOUNT, **kwargs)
    return error.value


def test_an_unresolvable_api_host_says_so(tmp_path):
    error = login_error(settings_for(tmp_path, "http://woc-gate-api.invalid"))
    assert type(error) is TargetUnreachable
    assert str(error) == (
        "cannot reach http://woc-gate-api.invalid/auth/login: its host name does not resolve; check API_BASE_URL"
    )


def test_a_silent_api_times_out_once_then_its_breaker_fails_at_once(tmp_path):
    with silent_server() as port:
        settings = settings_for(tmp_path, f"http://127.0.0.1:{port}", WOC_GATE_HTTP_TIMEOUT="1")
        started = time.monotonic()
        first = login_error(settings)
        waited = time.monotonic() - started
        second = login_error(settings)
        again = time.monotonic() - started - waited
    assert type(first) is type(second) is TargetTimeout
    assert (
        str(first)
        == str(second)
        == (
            f"http://127.0.0.1:{port}/auth/login did not answer within 1 s; check API_BASE_URL,"
            " or raise --woc-http-timeout for a slow target"
        )
    )
    assert waited < 3 and again < 1


def test_an_untrusted_certificate_says_how_to_pass_the_ca_bundle(tmp_path):
    with http_server(TOKEN_ANSWER, tls_directory=tmp_path) as url:
        error = login_error(settings_for(tmp_path, url))
        SURFACES.clear()  # a session keeps its CA bundle; this test gives the next login another
        trusted = clients.api_login(settings_for(tmp_path, url, WOC_GATE_CA_BUNDLE=str(tmp_path / "ca.pem")), ACCOUNT)
    trusted.close()
    assert type(error) is TargetTLSError
    assert str(error) == (
        f"the TLS certificate of {url}/auth/login is not trusted (unable to get local issuer certificate);"
        " pass --woc-ca-bundle PATH (or WOC_GATE_CA_BUNDLE) with the CA that signs it"
    )
    assert trusted.user == {"email": "admin@smoke-acme.test"}


def test_https_against_a_plain_http_server_says_so(tmp_path):
    with http_server(TOKEN_ANSWER) as url:
        https = url.replace("http://", "https://")
        error = login_error(settings_for(tmp_path, https))
    assert type(error) is TargetTLSError
    assert str(error) == (
        f"{https}/auth/login does not speak TLS (it answers plain HTTP); use an http:// URL in API_BASE_URL"
        " or serve the endpoint over https"
    )


def test_a_login_answer_that_is_not_json_names_the_url(tmp_path):
    with http_server(answering(200, "<html>Welcome</html>", "text/html")) as url:
        error = login_error(settings_for(tmp_path, url))
    assert type(error) is TargetAnswerError
    assert str(error) == (
        f"{url}/auth/login answered HTTP 200 with text/html, not JSON;"
        " check that the URL points at the WorkOnClock endpoint"
    )


def test_a_login_answer_without_a_token_names_the_url(tmp_path):
    with http_server(answering(200, {"token": "t"})) as url:
        error = login_error(settings_for(tmp_path, url))
    assert type(error) is TargetAnswerError
    assert str(error) == (
        f"the login answer of {url}/auth/login has no accessToken;"
        " check that API_BASE_URL points at the WorkOnClock runtime API"
    )


def db_error(url, **connect_args):
    with pytest.raises(Exception) as error:
        db.connect_readonly(url, connect_args=connect_args or None)
    return error.value


def test_wrong_database_credentials_say_so_masked(clean_stack):
    ctx = clean_stack.ctx.db
    error = db_error(f"mysql://{ctx.user}:Wr0ng-Passw0rd@{ctx.host}:{ctx.port}/{ctx.name}")
    assert type(error) is DatabaseError
    assert str(error) == (
        f"the database at mysql://{ctx.user}:****@{ctx.host}:{ctx.port}/{ctx.name} refuses the account:"
        " wrong user or password in DATABASE_URL"
    )


def test_an_unknown_database_says_so(clean_stack):
    ctx = clean_stack.ctx.db
    error = db_error(f"mysql://{ctx.user}:{ctx.password}@{ctx.host}:{ctx.port}/no_such_db")
    assert type(error) is DatabaseError
    assert ctx.password not in str(error)
    assert str(error).startswith(f"the database at mysql://{ctx.user}:****@{ctx.host}:{ctx.port}/no_such_db ")


def test_an_unresolvable_database_host_says_so():
    error = db_error("mysql://woc:S3cret@woc-gate-db.invalid:3306/workonclock")
    assert type(error) is TargetUnreachable
    assert str(error) == (
        "cannot reach the database at mysql://woc:****@woc-gate-db.invalid:3306/workonclock:"
        " its host name does not resolve; check DATABASE_URL"
    )


def test_a_closed_database_port_says_so():
    port = free_port()
    error = db_error(f"mysql://woc:S3cret@127.0.0.1:{port}/workonclock")
    assert type(error) is TargetUnreachable
    assert str(error) == (
        f"cannot reach the database at mysql://woc:****@127.0.0.1:{port}/workonclock: connection refused;"
        " check that it runs and DATABASE_URL"
    )


def test_a_silent_database_fails_within_its_timeout():
    with silent_server() as port:
        started = time.monotonic()
        error = db_error(f"mysql://woc:S3cret@127.0.0.1:{port}/workonclock", connect_timeout=1, read_timeout=300)
        waited = time.monotonic() - started
    assert type(error) is TargetTimeout
    assert str(error) == (
        f"the database at mysql://woc:****@127.0.0.1:{port}/workonclock did not answer in time;"
        " check DATABASE_URL, or raise --woc-db-timeout"
    )
    assert waited < 3


@pytest.mark.parametrize("password", ["p#ss?w@rd/1:x", "per%cent space"])
def test_a_db_password_with_url_characters_survives_the_built_url(tmp_path, password):
    environ = {"DB_HOST": "db", "DB_USER": "woc", "DB_PASSWORD": password, "DB_NAME": "workonclock"}
    settings = config.load(options={}, environ=environ, rootdir=tmp_path)
    assert db.Dsn.parse(settings.database_url).password == password


def test_a_timeout_trips_the_breaker_only_of_an_origin_that_never_answered():
    working, silent = SURFACES.of("http://127.0.0.1:1"), SURFACES.of("http://127.0.0.1:2")
    with working.guard():
        pass  # it answered
    with pytest.raises(TargetTimeout), working.guard():
        raise TargetTimeout("slow once")
    with working.guard():
        pass  # a slow answer fails only its own call
    with pytest.raises(TargetTimeout), silent.guard():
        raise TargetTimeout("never answered")
    with pytest.raises(TargetTimeout, match="never answered"), silent.guard():
        pass
