"""Attestations: who may sign off which item, dates, and malformed files."""

import datetime as dt
import json

import pytest

from woc_gate import attestations
from woc_gate.errors import AttestationError

pytest_plugins = ["pytester"]

TODAY = dt.date(2026, 11, 27)
GOOD = """
[[attestation]]
item = "legal-privacy"
approver = "Dana Reyes"
role = "privacy/security owner"
date = 2026-11-20
evidence = "https://tickets.example.com/LEGAL-42"
"""


def load(tmp_path, text, max_age_days=30):
    path = tmp_path / "attestations.toml"
    path.write_text(text)
    return attestations.load(path, today=TODAY, max_age_days=max_age_days)


def test_a_recent_attestation_by_the_allowed_role_counts(tmp_path):
    [found] = load(tmp_path, GOOD)
    assert (found.valid, found.reason, found.date) == (True, "", dt.date(2026, 11, 20))
    assert attestations.attested_items([found]) == {"legal-privacy"}


@pytest.mark.parametrize(
    "change, reason",
    [
        (
            ('role = "privacy/security owner"', 'role = "operator"'),
            "role 'operator' may not attest legal-privacy (allowed: privacy/security owner)",
        ),
        (("date = 2026-11-20\n", ""), "undated"),
        (("date = 2026-11-20", "date = 2026-09-01"), "dated 2026-09-01, 87 days old (older than 30 days)"),
        (("date = 2026-11-20", "date = 2026-12-24"), "dated 2026-12-24, in the future"),
    ],
)
def test_an_attestation_that_does_not_count_says_why(tmp_path, change, reason):
    [found] = load(tmp_path, GOOD.replace(*change))
    assert (found.valid, found.reason) == (False, reason)
    assert attestations.attested_items([found]) == set()


def test_the_age_window_is_a_setting(tmp_path):
    [found] = load(tmp_path, GOOD.replace("2026-11-20", "2026-09-01"), max_age_days=90)
    assert found.valid


@pytest.mark.parametrize(
    "change, message",
    [
        (('approver = "Dana Reyes"\n', ""), "attestations.toml:3: attestation needs 'approver' (a non-empty string)"),
        (
            ('item = "legal-privacy"', 'item = "legal"'),
            "attestations.toml:3: unknown release-gate item 'legal'; known items: migration-runbook, backup-restore, "
            "private-screenshot-storage, cron-secret, email-provider, tenant-isolation, desktop-runtime, "
            "schema-contracts, env-inventory, legal-privacy, signed-installers",
        ),
        (
            ('role = "privacy/security owner"', 'role = "ceo"'),
            "attestations.toml:3: role 'ceo' is not one of 'product owner', 'technical owner', "
            "'privacy/security owner', 'operator'",
        ),
        (
            ('evidence = "https://tickets.example.com/LEGAL-42"', 'evidence = "see email"'),
            "attestations.toml:3: evidence 'see email' is not an http(s) link",
        ),
        (
            ("date = 2026-11-20", 'date = "last week"'),
            "attestations.toml:3: date must be a TOML date such as 2026-11-20",
        ),
        (
            ("date = 2026-11-20", "date = 2026-11-20\nsigned = true"),
            "attestations.toml:3: unknown key 'signed' in attestation",
        ),
    ],
)
def test_a_malformed_attestation_is_an_error_naming_the_line(tmp_path, change, message):
    with pytest.raises(AttestationError) as error:
        load(tmp_path, "# sign-offs\n" + GOOD.replace(*change))
    assert str(error.value) == f"{tmp_path}/{message}"


def test_the_second_entry_is_named_by_its_own_line(tmp_path):
    text = GOOD + GOOD.replace('approver = "Dana Reyes"\n', "")
    with pytest.raises(AttestationError) as error:
        load(tmp_path, text)
    assert str(error.value) == f"{tmp_path}/attestations.toml:9: attestation needs 'approver' (a non-empty string)"


def test_invalid_toml_names_the_line(tmp_path):
    with pytest.raises(AttestationError) as error:
        load(tmp_path, "[[attestation]]\nitem = legal-privacy\n")
    assert str(error.value) == (
        f"attestations file {tmp_path}/attestations.toml is not valid TOML: Invalid value (at line 2, column 8)"
    )


A_GATE_TEST = """
import pytest

@pytest.mark.gate("cron-secret")
def test_one():
    pass
"""  # a gate run that runs no test writes no record


@pytest.fixture
def project(pytester):
    pytester.makefile(".toml", **{"woc-gate": '[env]\nNEXTAUTH_URL = "http://127.0.0.1:9"\n'})
    return pytester


def test_legal_privacy_is_pass_only_with_a_valid_attestation(project):
    today = dt.date.today().isoformat()
    project.makefile(".toml", signoffs=GOOD.replace("2026-11-20", today))
    project.makepyfile(A_GATE_TEST)
    project.runpytest("-m", "gate", "--attestations", "signoffs.toml", "--gate-report", "gate.json")
    record = json.loads((project.path / "gate.json").read_text())
    legal = next(item for item in record["items"] if item["id"] == "legal-privacy")
    assert legal["status"] == "PASS"
    assert record["attestations"][0]["approver"] == "Dana Reyes"


def test_the_default_attestations_file_is_read(project):
    (project.path / "gate").mkdir()
    (project.path / "gate" / "attestations.toml").write_text(
        GOOD.replace('role = "privacy/security owner"', 'role = "operator"')
    )
    project.makepyfile(A_GATE_TEST)
    result = project.runpytest("-m", "gate")
    result.stdout.fnmatch_lines(
        [
            "legal-privacy * UNVERIFIED * no valid attestation (attestation by Dana Reyes:"
            " role 'operator' may not attest legal-privacy (allowed: privacy/security owner))"
        ]
    )


def test_a_malformed_attestations_file_is_a_usage_error(project):
    project.makefile(".toml", signoffs="[[attestation]]\nitem = 'x'\n")
    project.makepyfile("def test_plain(): pass")
    result = project.runpytest_subprocess("--attestations", "signoffs.toml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert (
        result.stderr.lines[0] == "ERROR: woc-gate: signoffs.toml:1: attestation needs 'approver' (a non-empty string)"
    )
