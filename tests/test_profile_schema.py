"""The target profile is checked like a schema; path options never move pytest's rootdir off the suite."""

from pathlib import Path

import pytest

from woc_gate import config
from woc_gate.errors import ConfigError

pytest_plugins = ["pytester"]


def load_profile(tmp_path, text):
    (tmp_path / "woc-gate.toml").write_text(text)
    return config.load(options={}, environ={}, rootdir=tmp_path)


@pytest.mark.parametrize(
    "text, message",
    [
        ('enviroment = "staging"\n', "unknown key enviroment; did you mean environment?"),
        ('[endpoints]\npolcy = "/p"\n', "unknown key endpoints.polcy; did you mean endpoints.policy?"),
        ('[env]\nNEXTAUTH_ULR = "https://x"\n', "unknown key env.NEXTAUTH_ULR; did you mean env.NEXTAUTH_URL?"),
        ('[smoke.c]\norganization = "x"\n', "unknown key smoke.c; did you mean smoke.b?"),
        ('[smoke.a]\nadmin_mail = "a@b"\n', "unknown key smoke.a.admin_mail; did you mean smoke.a.admin_email?"),
        ('[restor]\nscratch = "x"\n', "unknown key restor; did you mean repo?"),
    ],
)
def test_an_unknown_key_is_named_with_the_nearest_known_one(tmp_path, text, message):
    with pytest.raises(ConfigError) as error:
        load_profile(tmp_path, text)
    assert str(error.value) == f"target profile {tmp_path / 'woc-gate.toml'}: {message}"


@pytest.mark.parametrize(
    "text, message",
    [
        ('attestation_max_age_days = "30"\n', "attestation_max_age_days must be a whole number, not a string"),
        ("http_timeout = true\n", "http_timeout must be a number, not true or false"),
        ("tls_verify = 1\n", "tls_verify must be true or false, not a whole number"),
        ("repo = 3\n", "repo must be a string, not a whole number"),
        ("[endpoints]\npolicy = 3\n", "endpoints.policy must be a string, not a whole number"),
        ('env = "x"\n', "env must be a table, not a string"),
        ("smoke = [1]\n", "smoke must be a table, not a list"),
    ],
)
def test_a_value_of_the_wrong_type_names_key_type_and_file(tmp_path, text, message):
    with pytest.raises(ConfigError) as error:
        load_profile(tmp_path, text)
    assert str(error.value) == f"target profile {tmp_path / 'woc-gate.toml'}: {message}"


def test_numbers_and_truths_from_the_profile_env_and_command_line(tmp_path):
    (tmp_path / "woc-gate.toml").write_text("http_timeout = 3\ntls_verify = false\nconnect_retries = 0\n")
    settings = config.load(options={"db_timeout": "2.5"}, environ={"WOC_GATE_HTTP_TIMEOUT": "4"}, rootdir=tmp_path)
    assert (settings.http_timeout, settings.tls_verify, settings.connect_retries, settings.db_timeout) == (
        4.0,
        False,
        0,
        2.5,
    )


@pytest.mark.parametrize(
    "environ, message",
    [
        (
            {"WOC_GATE_HTTP_TIMEOUT": "soon"},
            "http_timeout 'soon' (from env WOC_GATE_HTTP_TIMEOUT) must be a number of seconds of at least 0.1",
        ),
        ({"WOC_GATE_TLS_VERIFY": "maybe"}, "tls_verify 'maybe' (from env WOC_GATE_TLS_VERIFY) must be true or false"),
        (
            {"WOC_GATE_CONNECT_RETRIES": "-1"},
            "connect_retries '-1' (from env WOC_GATE_CONNECT_RETRIES) must be a whole number of at least 0",
        ),
    ],
)
def test_a_mistyped_setting_from_env_names_it_and_its_source(tmp_path, environ, message):
    with pytest.raises(ConfigError) as error:
        config.load(options={}, environ=environ, rootdir=tmp_path)
    assert str(error.value) == message


def test_a_malformed_profile_is_one_usage_error_naming_file_and_line(pytester):
    pytester.makepyfile("def test_plain(): pass")
    profile = pytester.path / "staging.toml"
    profile.write_text('environment = "staging"\nrepo = /srv\n')
    result = pytester.runpytest("--woc-config", str(profile))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert [line for line in result.stderr.lines if line] == [
        f"ERROR: woc-gate: target profile {profile} is not valid TOML: Invalid value (at line 2, column 8)"
    ]


def test_an_unknown_profile_key_is_one_usage_error(pytester):
    pytester.makepyfile("def test_plain(): pass")
    (pytester.path / "woc-gate.toml").write_text('operater = "me"\n')
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    profile = pytester.path / "woc-gate.toml"
    assert [line for line in result.stderr.lines if line] == [
        f"ERROR: woc-gate: target profile {profile}: unknown key operater; did you mean operator?"
    ]


def suite_with_marker(pytester: pytest.Pytester) -> Path:
    suite = pytester.path
    (suite / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider\nmarkers =\n    suite_marker: mine\n")
    pytester.makepyfile("import pytest\n@pytest.mark.suite_marker\ndef test_plain(): pass")
    return suite


def profile_elsewhere(tmp_path_factory: pytest.TempPathFactory, option: str) -> Path:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (elsewhere / "woc-gate.toml").write_text('environment = "staging"\n')
    return elsewhere / "woc-gate.toml" if option == "--woc-config" else elsewhere


@pytest.mark.parametrize("option", ["--woc-config", "--woc-repo"])
def test_a_path_option_with_equals_keeps_the_suites_rootdir(pytester, tmp_path_factory, option):
    suite = suite_with_marker(pytester)
    result = pytester.runpytest(f"{option}={profile_elsewhere(tmp_path_factory, option)}", "--strict-markers")
    assert result.ret == 0
    result.stdout.fnmatch_lines([f"rootdir: {suite}", "configfile: pytest.ini", "*1 passed*"])
    assert not (suite / ".pytest_cache").exists()


@pytest.mark.parametrize("option", ["--woc-config", "--woc-repo", "--env-file"])
def test_a_path_outside_the_folder_in_the_space_form_is_one_usage_error_naming_the_equals_form(
    pytester, tmp_path_factory, option
):
    suite_with_marker(pytester)
    value = profile_elsewhere(tmp_path_factory, option)
    result = pytester.runpytest(option, str(value))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert [line for line in result.stderr.lines if line] == [
        f"ERROR: woc-gate: write {option}={value} (with '='): in the space form pytest reads {value} as a test path"
        " before woc-gate's options are known and moves its rootdir off the suite; or name the ini with -c"
    ]


def test_a_path_inside_the_folder_or_a_named_ini_allows_the_space_form(pytester, tmp_path_factory):
    suite = suite_with_marker(pytester)
    (suite / "staging.toml").write_text('environment = "staging"\n')
    elsewhere = profile_elsewhere(tmp_path_factory, "--woc-config")
    inside = pytester.runpytest("--woc-config", "staging.toml", "--strict-markers")
    named_ini = pytester.runpytest("-c", str(suite / "pytest.ini"), "--woc-config", str(elsewhere), "--strict-markers")
    for result in (inside, named_ini):
        assert result.ret == 0, result.stderr.str()
        result.stdout.fnmatch_lines([f"rootdir: {suite}", "*1 passed*"])
