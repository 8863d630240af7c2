"""``woc-gate init`` and ``woc-gate doctor`` against reference stacks started separately (the session's).

``init`` reads the variables a stack's env file exports, as an operator's shell or CI store holds them, and
writes a profile whose secrets are references. That the profile proves every item the stack can is shown by
proxy: with only its referenced variables in the environment it gives the gate the same settings, field by field,
as the stack's own profile (with which the readiness, restore, migration, contract, smoke and tenant tests prove
every item), and a real run of the env-inventory and storage tests from it passes. ``doctor`` checks what a
profile names, in under 10 s whatever the target does.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pymysql
import pytest
from gate_runs import items_by_id, run_gate_tests
from loopback import silent_server

from woc_gate import cli, doctor
from woc_gate.checks.inventory import read_env_file
from woc_gate.config import OPTIONS, TABLES, Settings, load, read_profile
from woc_gate.config.load import variable_names
from woc_gate.config.needs import unset_costs
from woc_gate.config.profile import references
from woc_gate.config.variables import VARIABLES
from woc_gate.gate import ITEMS_BY_ID
from woc_gate.init_profile import write_profile

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[1]
STACK = {"tls": True, "s3": True}  # as production is served: the readiness items need both
DOCTOR_BUDGET = 10.0
# the secrets by reference (the env inventory judges each) and the bucket's key, in a run that reaches the stack
REAL_RUN = ("test_env_inventory.py", "test_private_storage.py")
GATE_SETTINGS = [field.name for field in dataclasses.fields(Settings) if field.name not in ("sources", "sandbox")]


def secret_values(ctx, seen: dict[str, str]) -> list[str]:
    """Every secret of a stack: its own and the passwords and keys its env file exports."""
    named = [ctx.nextauth_secret, ctx.jwt_secret, ctx.cron_secret, ctx.resend_api_key, ctx.resend_read_key]
    held = [value for name, value in seen.items() if name.endswith(("PASSWORD", "SECRET", "_KEY", "SECRET_ACCESS_KEY"))]
    return [value for value in [*named, *held, ctx.db.password] if value]


def referenced_environment(profile: Path, seen: dict[str, str]) -> dict[str, str]:
    """The variables a profile refers to, with the values the stack's env file gives them."""
    return {name: seen[name] for _, name in references(read_profile(profile))}


@pytest.mark.slow
def test_init_writes_a_profile_with_which_the_gate_proves_every_item_the_stack_can(
    pytester, dev_stack_factory, monkeypatch
):
    sandbox = dev_stack_factory(**STACK)
    seen = read_env_file(sandbox.env_path)
    profile = pytester.path / "woc-gate.toml"
    monkeypatch.chdir(pytester.path)

    said = write_profile(profile, environment=None, environ=seen, force=False)

    text = profile.read_text()
    assert said[0].startswith(f"Wrote {profile} for staging: ")
    assert not [value for value in secret_values(sandbox.ctx, seen) if value in text]
    environ = referenced_environment(profile, seen)
    assert {"DATABASE_URL", "NEXTAUTH_SECRET", "WOC_GATE_RESEND_READ_KEY", "WOC_GATE_SMOKE_B_ADMIN_PASSWORD"} <= set(
        environ
    )
    settings = load(options={"config": str(profile)}, environ=environ, rootdir=pytester.path)
    assert [cost.name for cost in unset_costs(settings)] == ["attestations"]  # a person signs those, not init

    started = time.monotonic()
    lines, status = doctor.run({"config": str(profile)}, environ, pytester.path)
    assert time.monotonic() - started < DOCTOR_BUDGET
    assert status == 0, lines
    assert not [line for line in lines if line.startswith("broken")]
    assert not [value for value in secret_values(sandbox.ctx, seen) if value in "\n".join(lines)]

    # The gate's behaviour is a function of its settings: equal to those of the stack's own profile (which the
    # readiness, restore, migration and contract tests prove every item with), the written profile proves as much.
    own = load(options={"config": str(sandbox.profile_path)}, environ={}, rootdir=pytester.path)
    differing = [name for name in GATE_SETTINGS if getattr(settings, name) != getattr(own, name)]
    assert differing == []

    # and a real run from it, with nothing but the profile and its referenced variables
    for name in variable_names().values():
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    files = [str(ROOT / "readiness" / name) for name in REAL_RUN]
    result, record = run_gate_tests(pytester, *files, f"--woc-config={profile}", "-p", "no:randomly")
    items = items_by_id(record)
    for item in ("env-inventory", "private-screenshot-storage"):
        assert [test["outcome"] for test in items[item]["tests"] if test["outcome"] != "passed"] == [], result.stdout


def test_init_finds_the_policy_envelope_the_api_answers_with(dev_stack_factory, tmp_path, monkeypatch):
    sandbox = dev_stack_factory(policy_envelope="")  # the policy at the top level of the answer, not under "data"
    seen = read_env_file(sandbox.env_path)
    monkeypatch.chdir(tmp_path)

    write_profile(tmp_path / "woc-gate.toml", environment=None, environ=seen, force=False)

    assert read_profile(tmp_path / "woc-gate.toml")["envelopes"] == {"policy": ""}
    environ = referenced_environment(tmp_path / "woc-gate.toml", seen)
    settings = load(options={"config": str(tmp_path / "woc-gate.toml")}, environ=environ, rootdir=tmp_path)
    own = load(options={"config": str(sandbox.profile_path)}, environ={}, rootdir=tmp_path)
    assert [name for name in GATE_SETTINGS if getattr(settings, name) != getattr(own, name)] == []


def test_init_keeps_an_existing_profile_unless_forced(tmp_path, monkeypatch, capsys):
    profile = tmp_path / "woc-gate.toml"
    profile.write_text('environment = "production"\n')
    for name in variable_names().values():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)

    assert cli.main(["init", "--woc-env", "staging"]) == 2
    assert capsys.readouterr().err == (
        "woc-gate: woc-gate.toml exists; pass --force to overwrite it (woc-gate doctor checks it as it is)\n"
    )
    assert profile.read_text() == 'environment = "production"\n'

    assert cli.main(["init", "--woc-env", "staging", "--force"]) == 0
    assert read_profile(profile) == {"environment": "staging"}
    assert "# NEXTAUTH_URL  -- without `NEXTAUTH_URL`, env-inventory, migration-runbook" in profile.read_text()


def readme_profile(ctx, path: Path) -> Path:
    """The README's example profile, pointed at a stack: three URLs and one smoke account, nothing else."""
    path.write_text(
        'environment = "staging"\n[env]\n'
        f'NEXTAUTH_URL = "{ctx.web_base_url}"\nAPI_BASE_URL = "{ctx.api_base_url}"\n'
        f'DATABASE_URL = "mysql://{ctx.db.user}:{ctx.db.password}@{ctx.db.host}:{ctx.db.port}/{ctx.db.name}"\n'
        '[smoke.a]\norganization = "smoke-acme"\nadmin_email = "admin@smoke-acme.test"\n'
        'admin_password = "acme-admin-Smoke-2025!"\n'
    )
    return path


def test_doctor_names_each_missing_setting_of_a_readme_profile_in_under_10_s(clean_stack, tmp_path):
    profile = readme_profile(clean_stack.ctx, tmp_path / "staging.toml")

    started = time.monotonic()
    lines, status = doctor.run({"config": str(profile)}, {}, tmp_path)

    assert time.monotonic() - started < DOCTOR_BUDGET
    assert status == 0, lines
    missing = [line.split("`")[1] for line in lines if line.startswith("missing")]
    smoke = [f"smoke.{t}.{r}_{p}" for t in "ab" for r in ("owner", "admin", "member") for p in ("email", "password")]
    smoke.remove("smoke.a.admin_email")
    smoke.remove("smoke.a.admin_password")
    assert missing == [
        "repo",
        "commit_sha",
        "operator",
        "attestations",
        "resend_read_key",
        "screenshot_storage",
        "installers_manifest",
        "screenshot_storage_dir",
        "NEXTAUTH_SECRET",
        "JWT_SECRET",
        "RESEND_API_KEY",
        "EMAIL_FROM",
        "CONTACT_TO",
        "EMAIL_REQUIRE_PROVIDER",
        "CRON_SECRET",
        "WOC_API_URL",
        *smoke,
    ]
    assert (
        "missing without `screenshot_storage_dir` (or WOC_GATE_SCREENSHOT_STORAGE_DIR), backup-restore cannot be proven"
        in lines
    )
    assert "ok      smoke account admin of tenant a (admin@smoke-acme.test) signs in to the API" in lines
    assert clean_stack.ctx.db.password not in "\n".join(lines)


def test_doctor_fails_on_a_wrong_password_and_an_unset_reference_naming_neither_value(clean_stack, tmp_path):
    profile = readme_profile(clean_stack.ctx, tmp_path / "staging.toml")
    text = profile.read_text().replace('"acme-admin-Smoke-2025!"', '"Wrong-Smoke-pw-42"')
    profile.write_text(text.replace('organization = "smoke-acme"', 'organization = { env = "SMOKE_ORG" }'))

    lines, status = doctor.run({"config": str(profile)}, {}, tmp_path)

    assert status == 1
    assert (
        f"broken  smoke.a.organization in {profile} refers to $SMOKE_ORG, which is not set in the environment" in lines
    )
    login = [line for line in lines if line.startswith("broken  smoke.a.admin: ")]
    assert len(login) == 1 and "admin@smoke-acme.test" in login[0], lines
    assert "Wrong-Smoke-pw-42" not in "\n".join(lines)
    assert lines[-1].startswith("doctor: 2 broken, ")


@pytest.mark.slow
def test_a_silent_target_costs_doctor_no_more_than_its_deadline(tmp_path):
    profile = tmp_path / "woc-gate.toml"
    with silent_server() as web, silent_server() as api, silent_server() as database:
        profile.write_text(
            f'[env]\nNEXTAUTH_URL = "http://127.0.0.1:{web}"\nAPI_BASE_URL = "http://127.0.0.1:{api}"\n'
            f'DATABASE_URL = "mysql://woc:pw-never-shown@127.0.0.1:{database}/workonclock"\n'
        )
        started = time.monotonic()
        lines, status = doctor.run({"config": str(profile)}, {}, tmp_path)
        took = time.monotonic() - started

    assert took < DOCTOR_BUDGET
    assert status == 1
    broken = [line for line in lines if line.startswith("broken")]
    assert [line.split()[1] for line in broken] == [
        "NEXTAUTH_URL:",
        "API_BASE_URL:",
        "DATABASE_URL:",
        "_prisma_migrations:",
    ]
    assert all("did not answer" in line or "no answer within" in line for line in broken), broken
    assert "pw-never-shown" not in "\n".join(lines)


def test_a_profile_reference_takes_its_variable_and_a_malformed_one_is_one_line(tmp_path):
    profile = tmp_path / "woc-gate.toml"
    profile.write_text('resend_read_key = { env = "GATE_RESEND" }\n[env]\nDATABASE_URL = { env = "STAGING_DB" }\n')
    environ = {"GATE_RESEND": "re_read-key-1234", "STAGING_DB": "mysql://u:pw@db.example/workonclock"}

    settings = load(options={"config": str(profile)}, environ=environ, rootdir=tmp_path)

    assert settings.resend_read_key.reveal() == "re_read-key-1234"
    assert settings.database_url == "mysql://u:pw@db.example/workonclock"
    assert load(options={"config": str(profile)}, environ={}, rootdir=tmp_path).database_url is None
    profile.write_text('operator = { env = "not a name" }\n')
    with pytest.raises(Exception) as error:
        read_profile(profile)
    assert str(error.value) == (
        f'target profile {profile}: operator must be {{ env = "NAME" }} naming one environment variable'
    )


@pytest.fixture
def backup_account_without_trigger(clean_stack):
    """An account on the clean stack's database granted what guides grant a backup account, TRIGGER forgotten."""
    db = clean_stack.ctx.db
    root = pymysql.connect(unix_socket=db.unix_socket, user="root", autocommit=True)  # root is on the socket only
    with root, root.cursor() as cursor:
        cursor.execute("CREATE USER 'doctor_backup'@'%' IDENTIFIED BY 'Backup-pw-never-shown'")
        cursor.execute(f"GRANT SELECT, SHOW VIEW, EVENT, LOCK TABLES ON `{db.name}`.* TO 'doctor_backup'@'%'")
        try:
            yield f"mysql://doctor_backup:Backup-pw-never-shown@{db.host}:{db.port}/{db.name}"
        finally:
            cursor.execute("DROP USER 'doctor_backup'@'%'")


def test_doctor_names_the_grant_the_backup_lacks(clean_stack, backup_account_without_trigger, tmp_path):
    profile = tmp_path / "woc-gate.toml"
    profile.write_text(f'[env]\nDATABASE_URL = "{backup_account_without_trigger}"\n')

    lines, status = doctor.run({"config": str(profile)}, {}, tmp_path)

    assert status == 1
    db = clean_stack.ctx.db
    assert [line for line in lines if line.startswith("broken")] == [
        f"broken  DATABASE_URL: DATABASE_URL mysql://doctor_backup:****@{db.host}:{db.port}/{db.name} lacks TRIGGER"
        f" on {db.name}: the backup of backup-restore needs SELECT, SHOW VIEW, TRIGGER, EVENT"
        f" (GRANT TRIGGER ON {db.name}.*)"
    ]
    assert any(line.startswith("ok      DATABASE_URL's _prisma_migrations is readable (") for line in lines)


def test_doctor_without_any_target_is_broken_and_says_how_to_give_one(tmp_path, monkeypatch, capsys):
    for name in variable_names().values():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("WOC_GATE_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)

    assert cli.main(["doctor"]) == 1

    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "broken  no target: set NEXTAUTH_URL, API_BASE_URL or DATABASE_URL (woc-gate init writes them)"
    assert lines[-1].startswith("doctor: 1 broken, ")


def test_every_declared_need_names_a_gate_item():
    declared = [need for option in OPTIONS for need in option.needed_by]
    declared += [need for table in TABLES for need in table.needed_by]
    declared += [need for variable in VARIABLES for need in variable.needed_by]
    assert declared and set(declared) <= set(ITEMS_BY_ID)
