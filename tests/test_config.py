"""Settings: precedence (command line > env > profile > default), provenance, usage errors."""

from pathlib import Path

import pytest

from woc_gate import config
from woc_gate.errors import ConfigError

pytest_plugins = ["pytester"]


def load(tmp_path, options=None, environ=None, profile=None):
    if profile is not None:
        (tmp_path / "woc-gate.toml").write_text(profile)
    return config.load(options=options or {}, environ=environ or {}, rootdir=tmp_path)


def test_defaults_when_nothing_is_given(tmp_path):
    settings = load(tmp_path)
    assert (settings.target, settings.environment, settings.has_target) == ("configured", "production", False)
    assert settings.endpoints["policy"] == "/tracking/policy"
    assert settings.envelopes["policy"] == "data"
    assert settings.described() == []


def test_command_line_beats_env_beats_profile(tmp_path):
    settings = load(
        tmp_path,
        options={"environment": "dev"},
        environ={"WOC_GATE_ENV": "staging", "WOC_GATE_OPERATOR": "ops@example.com"},
        profile='environment = "production"\noperator = "someone"\ncommit_sha = "abc123"\n',
    )
    assert (settings.environment, settings.operator, settings.commit_sha) == ("dev", "ops@example.com", "abc123")
    assert settings.sources["environment"] == "from command line"
    assert settings.sources["operator"] == "from env"
    assert settings.sources["commit_sha"] == "from woc-gate.toml"


def test_runbook_variables_come_from_env_or_the_profile_env_table(tmp_path):
    settings = load(
        tmp_path,
        environ={"NEXTAUTH_URL": "https://app.example.com"},
        profile='[env]\nNEXTAUTH_URL = "https://old.example.com"\nAPI_BASE_URL = "https://api.example.com"\n',
    )
    assert (settings.web_url, settings.api_url) == ("https://app.example.com", "https://api.example.com")
    assert settings.desktop_api_url == "https://api.example.com"
    assert settings.described() == [
        "NEXTAUTH_URL=https://app.example.com (from env)",
        "API_BASE_URL=https://api.example.com (from woc-gate.toml)",
    ]


def test_database_url_is_built_from_db_parts_when_absent(tmp_path):
    settings = load(
        tmp_path,
        environ={
            "DB_HOST": "db.internal",
            "DB_PORT": "3306",
            "DB_USER": "woc",
            "DB_PASSWORD": "pw-123456",
            "DB_NAME": "workonclock",
        },
    )
    assert settings.database_url == "mysql://woc:pw-123456@db.internal:3306/workonclock"


def test_secrets_are_held_masked_and_the_dsn_password_is_hidden(tmp_path):
    settings = load(
        tmp_path,
        environ={
            "CRON_SECRET": "cron-s3cret-value",
            "DATABASE_URL": "mysql://woc:db-s3cret@db:3306/woc",
        },
    )
    assert str(settings.env["CRON_SECRET"]) == "****"
    assert settings.var("CRON_SECRET") == "cron-s3cret-value"
    assert settings.described() == [
        "DATABASE_URL=mysql://woc:****@db:3306/woc (from env)",
        "CRON_SECRET=**** (from env)",
    ]
    assert settings.redactor()("x cron-s3cret-value mysql://woc:db-s3cret@db") == "x **** mysql://woc:****@db"


def test_smoke_accounts_from_profile_and_env(tmp_path):
    settings = load(
        tmp_path,
        environ={"WOC_GATE_SMOKE_A_ADMIN_PASSWORD": "from-env-password"},
        profile='[smoke.a]\norganization = "smoke-acme"\nadmin_email = "admin@acme.test"\nadmin_password = "p"\n',
    )
    tenant = settings.smoke["a"]
    assert tenant.organization == "smoke-acme"
    assert tenant.accounts["admin"].email == "admin@acme.test"
    assert tenant.accounts["admin"].password.reveal() == "from-env-password"
    assert "smoke.a.admin_password=**** (from env)" in settings.described()


def test_profile_tables_override_endpoints_envelopes_and_labels(tmp_path):
    settings = load(
        tmp_path, profile='[endpoints]\npolicy = "/v2/policy"\n[envelopes]\npolicy = ""\n[ui]\nsave = "Save changes"\n'
    )
    assert (settings.endpoints["policy"], settings.envelopes["policy"], settings.ui["save"]) == (
        "/v2/policy",
        "",
        "Save changes",
    )
    assert settings.endpoints["tracking_stop"] == "/tracking/stop"


def test_the_sandbox_profile_sits_between_command_line_and_env(tmp_path):
    sandbox = tmp_path / "sandbox.toml"
    sandbox.write_text('environment = "staging"\n[env]\nNEXTAUTH_URL = "http://127.0.0.1:5000"\n')
    settings = config.load(
        options={"target": "sandbox"},
        environ={"NEXTAUTH_URL": "https://prod.example.com", "WOC_GATE_ENV": "production"},
        rootdir=tmp_path,
        sandbox_profile=sandbox,
    )
    assert (settings.web_url, settings.environment) == ("http://127.0.0.1:5000", "staging")
    assert settings.sources["NEXTAUTH_URL"] == "from sandbox"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"options": {"environment": "prod"}},
            "environment 'prod' (from command line --woc-env) is not one of dev, staging, production",
        ),
        (
            {"environ": {"WOC_GATE_TARGET": "remote"}},
            "target 'remote' (from env WOC_GATE_TARGET) is not one of configured, sandbox, checkout",
        ),
        (
            {"environ": {"WOC_GATE_ATTESTATION_MAX_AGE_DAYS": "soon"}},
            "attestation_max_age_days 'soon' (from env WOC_GATE_ATTESTATION_MAX_AGE_DAYS)"
            " must be a whole number of days of at least 1",
        ),
        (
            {"options": {"config": "/nowhere/woc-gate.toml"}},
            "target profile /nowhere/woc-gate.toml does not exist; pass --woc-config with the path of a woc-gate.toml",
        ),
    ],
)
def test_usage_errors_say_what_and_where(tmp_path, kwargs, message):
    with pytest.raises(ConfigError) as error:
        load(tmp_path, **kwargs)
    assert str(error.value) == message


def test_a_malformed_profile_names_the_line(tmp_path):
    with pytest.raises(ConfigError) as error:
        load(tmp_path, profile='environment = "staging"\ntarget = \n')
    assert str(error.value) == (
        f"target profile {tmp_path / 'woc-gate.toml'} is not valid TOML: Invalid value (at line 2, column 10)"
    )


def test_the_verbose_header_says_where_each_setting_came_from(pytester):
    pytester.makefile(".toml", **{"woc-gate": 'commit_sha = "abc123"\n[env]\nNEXTAUTH_URL = "http://127.0.0.1:9"\n'})
    pytester.makepyfile("def test_plain(): pass")
    result = pytester.runpytest_subprocess("--woc-env", "staging", "--woc-operator=release-bot", "-v")
    result.stdout.fnmatch_lines(
        [
            "woc-gate: target configured, environment staging",
            "woc-gate: environment=staging (from command line)",
            "woc-gate: commit_sha=abc123 (from woc-gate.toml)",
            "woc-gate: operator=release-bot (from command line)",
            "woc-gate: NEXTAUTH_URL=http://127.0.0.1:9 (from woc-gate.toml)",
        ]
    )


def test_the_short_header_groups_the_settings_by_source(pytester, monkeypatch):
    profile = '[env]\nNEXTAUTH_URL = "http://127.0.0.1:9"\n[smoke.a]\nadmin_email = "a@b.test"\n'
    pytester.makefile(".toml", **{"woc-gate": profile})
    pytester.makepyfile("def test_plain(): pass")
    monkeypatch.setenv("WOC_GATE_OPERATOR", "release-bot")
    result = pytester.runpytest_subprocess("--woc-env", "staging")
    result.stdout.fnmatch_lines(
        [
            "woc-gate: target configured, environment staging",
            "woc-gate: from command line: environment",
            "woc-gate: from env: operator",
            "woc-gate: from woc-gate.toml: NEXTAUTH_URL, smoke.a",
        ]
    )


def test_with_the_reference_stack_the_settings_are_complete_at_collection_before_it_starts(pytester):
    pytester.makeconftest(
        """
        from woc_gate.plugin.fixtures import session_settings

        def pytest_collection_modifyitems(config, items):
            settings = session_settings(config)
            started = settings.env_file.parent.exists()
            source = settings.sources["env_file"]
            print(f"collection: {settings.openapi_path} {settings.env_file.name} {source} {started}")
        """
    )
    pytester.makepyfile("def test_plain(): pass")
    result = pytester.runpytest_subprocess("--woc-target=sandbox", "-s")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["collection: /openapi.json env from sandbox False", "*1 passed*"])


def test_a_gate_run_without_a_target_is_one_usage_error(pytester):
    pytester.makepyfile("def test_plain(): pass")
    result = pytester.runpytest_subprocess("-m", "gate")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert result.stderr.lines == [
        "ERROR: woc-gate: no target configured for the gate run: set NEXTAUTH_URL, API_BASE_URL and DATABASE_URL "
        "(or write woc-gate.toml, or pass --woc-config PATH), or use --woc-target=sandbox for the reference stack",
        "",
    ]


def test_a_bad_option_is_one_usage_error_line(pytester):
    pytester.makepyfile("def test_plain(): pass")
    result = pytester.runpytest_subprocess("--woc-env", "prod")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert result.stderr.lines[0] == (
        "ERROR: woc-gate: environment 'prod' (from command line --woc-env) is not one of dev, staging, production"
    )
    assert "Traceback" not in result.stderr.str()


def test_a_report_path_in_a_missing_directory_is_a_usage_error(pytester):
    pytester.makepyfile("def test_plain(): pass")
    result = pytester.runpytest_subprocess("--gate-report", "no/such/dir/gate.json")
    assert result.stderr.lines[0] == (
        "ERROR: woc-gate: --gate-report no/such/dir/gate.json: directory no/such/dir does not exist; "
        "create it or pick another path"
    )


def test_the_plugin_can_be_disabled(pytester):
    pytester.makepyfile("def test_plain(): pass")
    result = pytester.runpytest_subprocess("-p", "no:woc_gate", "-m", "gate")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


PATH_SETTINGS = [option.name for option in config.OPTIONS if option.kind is Path]
PATH_KEYS = [f"{table.name}.{key}" for table in config.TABLES for key in table.paths]


def test_every_relative_path_in_a_profile_is_taken_from_the_profiles_folder(tmp_path, monkeypatch):
    (tmp_path / "conf").mkdir()
    (tmp_path / "elsewhere").mkdir()
    lines = [f'{name} = "files/{name}"' for name in PATH_SETTINGS]
    tables = {}
    for address in PATH_KEYS:
        name, _, key = address.partition(".")
        tables.setdefault(name, []).append(f'{key} = "files/{address}"')
    lines += [f"[{name}]\n" + "\n".join(keys) for name, keys in tables.items()]
    (tmp_path / "conf" / "staging.toml").write_text("\n".join(lines) + "\n")
    monkeypatch.chdir(tmp_path / "elsewhere")
    settings = config.load(options={"config": "../conf/staging.toml"}, environ={}, rootdir=tmp_path / "elsewhere")
    given = {name: getattr(settings, name) for name in PATH_SETTINGS}
    given |= {address: Path(getattr(settings, address.split(".")[0])[address.split(".")[1]]) for address in PATH_KEYS}
    assert "ca_bundle" in given and "browser.executable" in given
    assert given == {name: tmp_path / "conf" / "files" / name for name in given}


def attestations_in(folder):
    path = folder / "gate" / "attestations.toml"
    path.parent.mkdir(parents=True)
    path.write_text("")
    return path


def test_the_default_attestations_are_beside_the_profile_else_here_and_never_in_the_rootdir(tmp_path, monkeypatch):
    here, conf, rootdir = (tmp_path / name for name in ("here", "conf", "suite"))
    for folder in (here, conf, rootdir):
        folder.mkdir()
    (conf / "staging.toml").write_text('environment = "staging"\n')
    monkeypatch.chdir(here)
    attestations_in(rootdir)

    def default(**options):
        return config.load(options=options, environ={}, rootdir=rootdir).attestations

    assert default() is None
    assert default(config=str(conf / "staging.toml")) is None
    in_here = attestations_in(here)
    assert default() == default(config=str(conf / "staging.toml")) == in_here
    beside_the_profile = attestations_in(conf)
    assert (default(), default(config=str(conf / "staging.toml"))) == (in_here, beside_the_profile)
