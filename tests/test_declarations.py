"""Settings declared once: each declaration reaches the loader, the profile schema and the pytest options."""

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from woc_gate import config
from woc_gate.config.declaration import Setting, declared, setting, table
from woc_gate.errors import ConfigError
from woc_gate.redaction import Secret
from woc_gate.sandbox.layout import static_profile

pytest_plugins = ["pytester"]


@dataclass(frozen=True)
class Example:
    retries: int = setting(3, "How often to retry", flag="--retries", minimum=0)
    owner: str | None = setting(None, "Who owns it", variable="OWNER")
    paths: Mapping[str, str] = table("Where things are", {"home": "/home"})


def test_a_setting_is_one_field_whose_name_and_type_are_the_fields():
    settings, tables = declared(Example)
    assert settings == (
        Setting("retries", int, 3, "How often to retry", flag="--retries", variable="WOC_GATE_RETRIES", minimum=0),
        Setting("owner", str, None, "Who owns it", variable="OWNER"),
    )
    assert (tables[0].name, tables[0].keys, tables[0].defaults) == ("paths", {"home": str}, {"home": "/home"})
    assert Example().paths == {"home": "/home"}


def sample(option: Setting) -> tuple[object, object]:
    """A value of the setting's type other than its default: as TOML gives it, and as the settings hold it."""
    if option.choices:
        choice = next(choice for choice in option.choices if choice != option.default)
        return choice, choice
    samples = {
        bool: (not option.default, not option.default),
        int: (int(option.minimum or 0) + 2, int(option.minimum or 0) + 2),
        float: (2.5, 2.5),
        str: ("given", "given"),
        Path: ("/srv/given", Path("/srv/given")),
        Secret: ("given-s3cret", Secret("given-s3cret")),
        tuple: (["cron-no-secret", "legacy-table"], ("cron-no-secret", "legacy-table")),
    }
    return samples[option.kind]


def as_text(value: object) -> str:
    return ",".join(value) if isinstance(value, list) else str(value).lower() if isinstance(value, bool) else str(value)


def toml(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(f'"{item}"' for item in value) + "]"
    return str(value).lower() if isinstance(value, bool) else f'"{value}"' if isinstance(value, str) else str(value)


@pytest.mark.parametrize("option", config.OPTIONS, ids=lambda option: option.name)
def test_every_setting_is_read_from_its_profile_key_its_variable_and_its_option(tmp_path, option):
    given, held = sample(option)
    (tmp_path / "woc-gate.toml").write_text(f"{option.name} = {toml(given)}\n")
    from_profile = config.load(options={}, environ={}, rootdir=tmp_path)
    from_env = config.load(options={}, environ={option.variable: as_text(given)}, rootdir=tmp_path)
    assert (getattr(from_profile, option.name), from_profile.sources[option.name]) == (held, "from woc-gate.toml")
    assert (getattr(from_env, option.name), from_env.sources[option.name]) == (held, "from env")
    if option.flag:
        text = [as_text(item) for item in given] if isinstance(given, list) else as_text(given)
        from_option = config.load(options={option.name: text}, environ={}, rootdir=tmp_path)
        assert (getattr(from_option, option.name), from_option.sources[option.name]) == (held, "from command line")


def test_every_option_is_a_pytest_option(pytester):
    result = pytester.runpytest("--help")
    flags = [option.flag for option in config.OPTIONS if option.flag]
    assert flags and all(flag in result.stdout.str() for flag in flags)


@pytest.mark.parametrize(
    "source, message",
    [
        (
            {"options": {"http_timeout": "0"}},
            "http_timeout '0' (from command line --woc-http-timeout) must be a number",
        ),
        ({"environ": {"WOC_GATE_ENV": "prod"}}, "environment 'prod' (from env WOC_GATE_ENV) is not one of"),
        (
            {"profile": "storage_sample = 0\n"},
            "storage_sample 0 (from target profile {profile}) must be a whole number",
        ),
        ({"profile": 'environment = "prod"\n'}, "environment 'prod' (from target profile {profile}) is not one of"),
        ({"stack": {"email_wait_seconds": 0}}, "email_wait_seconds 0 (from sandbox) must be a whole number of seconds"),
    ],
)
def test_a_value_out_of_bounds_or_choices_names_the_option_variable_or_file(tmp_path, source, message):
    profile = tmp_path / "woc-gate.toml"
    if "profile" in source:
        profile.write_text(source["profile"])
    with pytest.raises(ConfigError) as error:
        config.load(
            options=source.get("options", {}),
            environ=source.get("environ", {}),
            rootdir=tmp_path,
            sandbox_profile=source.get("stack"),
        )
    assert str(error.value).startswith(message.format(profile=profile))


def test_table_keys_are_picked_one_by_one_with_their_source(tmp_path):
    stack = {"envelopes": {"policy": ""}}
    (tmp_path / "woc-gate.toml").write_text('[endpoints]\npolicy = "/v2/policy"\n[envelopes]\npolicy = "payload"\n')
    settings = config.load(options={}, environ={}, rootdir=tmp_path, sandbox_profile=stack)
    assert (settings.endpoints["policy"], settings.endpoints["users"], settings.envelopes["policy"]) == (
        "/v2/policy",
        "/users",
        "",
    )
    assert settings.described() == [
        "endpoints.policy=/v2/policy (from woc-gate.toml)",
        "envelopes.policy= (from sandbox)",
    ]
    assert settings.summarized() == ["from woc-gate.toml: endpoints", "from sandbox: envelopes"]


def test_a_table_of_free_keys_takes_the_keys_the_profile_names(tmp_path):
    (tmp_path / "woc-gate.toml").write_text("[restore_tolerance]\nwoc_screenshots = 0.01\nwoc_users = 0\n")
    settings = config.load(options={}, environ={}, rootdir=tmp_path)
    assert settings.restore_tolerance == {"woc_screenshots": 0.01, "woc_users": 0.0}


def test_faults_come_from_the_repeated_option_or_the_comma_separated_variable(tmp_path):
    environ = {"WOC_GATE_FAULTS": "cron-no-secret, legacy-table"}
    from_env = config.load(options={}, environ=environ, rootdir=tmp_path)
    from_option = config.load(options={"faults": ["plain-http"]}, environ=environ, rootdir=tmp_path)
    assert (from_env.faults, from_option.faults) == (("cron-no-secret", "legacy-table"), ("plain-http",))


def test_secrets_of_the_suite_are_held_masked_and_redacted(tmp_path):
    environ = {
        "WOC_GATE_RESEND_READ_KEY": "re_full-access-key",
        "WOC_GATE_RESTORE_SCRATCH_URL": "mysql://drill:scratch-pw@db/workonclock_restore_check",
    }
    settings = config.load(options={}, environ=environ, rootdir=tmp_path)
    assert str(settings.resend_read_key) == "****"
    assert settings.described() == [
        "resend_read_key=**** (from env)",
        "restore_scratch_url=mysql://drill:****@db/workonclock_restore_check (from env)",
    ]
    assert settings.redactor()("re_full-access-key scratch-pw") == "**** ****"


def test_the_stacks_state_dir_alone_completes_the_settings_it_decides(tmp_path):
    settings = config.load(options={}, environ={}, rootdir=tmp_path, sandbox_profile=static_profile(tmp_path / "state"))
    assert (settings.openapi_path, settings.env_file, settings.repo) == (
        "/openapi.json",
        tmp_path / "state" / "env",
        tmp_path / "state" / "workonclock",
    )
    assert settings.sources["env_file"] == "from sandbox"


def test_a_profile_is_written_as_environment_variables_where_they_exist():
    profile = {
        "environment": "staging",
        "http_timeout": 3.0,
        "env": {"NEXTAUTH_URL": "https://app.example.com"},
        "smoke": {"a": {"admin_email": "admin@acme.test"}},
        "endpoints": {"policy": "/v2/policy"},
    }
    assert config.environment_of(profile) == {
        "WOC_GATE_ENV": "staging",
        "WOC_GATE_HTTP_TIMEOUT": "3.0",
        "NEXTAUTH_URL": "https://app.example.com",
        "WOC_GATE_SMOKE_A_ADMIN_EMAIL": "admin@acme.test",
    }
