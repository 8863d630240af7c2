"""The readiness checks on their own: secret strength, variable forms, and failure texts that never quote a secret."""

from __future__ import annotations

import base64
import random
import subprocess
import sys
from pathlib import Path

import pytest

from woc_gate.checks import CheckFailure, inventory, tls
from woc_gate.checks.secrets import secret_is_set_and_strong, secrets_are_distinct, weaknesses


@pytest.mark.parametrize(
    ("value", "weakness"),
    [
        ("changeme", "8 characters, fewer than 32"),
        ("changeme-cron-secret-value-padded-out-long", "a placeholder word"),
        ("Xk9" + "a" * 40, "a character repeated five or more times"),
        ("Zq8#abcdefP0wLm3Rt7Yv2Nc5Hs9Gd1Kx", "a run of 5 or more consecutive characters"),
        ("a1" * 20, "2 distinct characters, fewer than 12"),
        ("Zq8#Lm3Rt7Yv2Nc5Hs9Gd1Kx-example-Pw4", "a placeholder word"),
    ],
)
def test_weak_secrets_are_named_by_rule(value, weakness):
    assert weakness in weaknesses(value)


def test_random_secrets_are_strong():
    drawn = random.Random(13)  # fixed: now and then a fresh draw holds a run such as "abcde", which the rules refuse
    tokens = [base64.urlsafe_b64encode(drawn.randbytes(32)).decode().rstrip("=") for _ in range(20)]
    assert [weaknesses(token) for token in tokens] == [[]] * 20
    assert weaknesses(drawn.randbytes(32).hex()) == []


def test_a_weak_secret_failure_names_the_variable_never_the_value():
    with pytest.raises(CheckFailure) as failure:
        secret_is_set_and_strong("JWT_SECRET", "changeme")
    assert str(failure.value).startswith("JWT_SECRET is weak\n\nExpected: ")
    assert "changeme" not in str(failure.value)


def test_equal_secrets_are_named_not_shown():
    with pytest.raises(CheckFailure) as failure:
        secrets_are_distinct({"NEXTAUTH_SECRET": "s3cr3t-value", "JWT_SECRET": "s3cr3t-value", "CRON_SECRET": "x"})
    assert "NEXTAUTH_SECRET = JWT_SECRET" in str(failure.value)
    assert "s3cr3t" not in str(failure.value)


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("EMAIL_FROM", "WorkOnClock <no-reply@workonclock.com>", None),
        ("EMAIL_FROM", "no-reply", "not an email address with a domain"),
        ("EMAIL_FROM", "x@localhost", "not an email address with a domain"),
        ("EMAIL_REQUIRE_PROVIDER", "TRUE", None),
        ("EMAIL_REQUIRE_PROVIDER", "yes", "not true or false"),
        ("NEXTAUTH_URL", "https://app.example.com", None),
        ("NEXTAUTH_URL", "http://app.example.com", "not https in production"),
        ("NEXTAUTH_URL", "app.example.com", "not an http(s) URL with a host"),
        ("DATABASE_URL", "mysql://u:p@db:3306/woc", None),
        ("DATABASE_URL", "postgres://u:p@db/woc", "not a mysql://user:password@host:port/database URL"),
        ("DB_PORT", "33o6", "not a port number"),
    ],
)
def test_variable_forms(name, value, problem):
    assert inventory.malformation(name, value, "production") == problem


def test_plain_http_is_allowed_in_dev():
    assert inventory.malformation("API_BASE_URL", "http://127.0.0.1:3001", "dev") is None


def test_the_database_may_be_given_as_db_parts():
    values = {name: "x" for name in inventory.REQUIRED} | {name: "1" for name in inventory.DB_PARTS}
    assert inventory.missing_variables(values) == []
    assert inventory.missing_variables(values | {"DB_PASSWORD": ""}) == ["DATABASE_URL (or DB_PASSWORD)"]


def test_malformed_values_are_named_not_shown():
    with pytest.raises(CheckFailure) as failure:
        inventory.variables_are_well_formed({"DATABASE_URL": "postgres://u:hunter22@db/woc"}, "production", "settings")
    assert "DATABASE_URL" in str(failure.value) and "hunter22" not in str(failure.value)


def test_plain_http_defaults_to_port_80_of_the_host():
    assert tls.plain_http_url("https://app.example.com:8443/base", None) == "http://app.example.com/base"
    assert tls.plain_http_url("https://app.example.com", "http://127.0.0.1:8080") == "http://127.0.0.1:8080"


def test_roots_are_read_in_a_process_that_has_parsed_no_installer_yet(tmp_path):
    # lief parses certificates only once its crypto library is set up: read_roots must not depend on test order
    end = "-----END CERTIFICATE-----\n"
    system_roots = Path("/etc/ssl/certs/ca-certificates.crt").read_text().split(end)
    bundle = tmp_path / "roots.pem"
    bundle.write_text("".join(pem + end for pem in system_roots[:3]))
    script = f"from woc_gate.target.signatures import read_roots; print(len(read_roots({str(bundle)!r}).certificates))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "3"
