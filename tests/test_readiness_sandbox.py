"""The readiness gate tests against the reference stack: the clean stack passes, each fault fails exactly its item.

Each fault runs its own item's tests; that the faults leave the other items and tests alone is shown once, with all
of them on one stack, and for the two that hide the others' defects (no TLS, no email provider) on their own.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from gate_runs import failing, failing_by_item, fault_matrix, items_by_id, run_gate_tests, together

from woc_gate.checks import cron

pytest_plugins = ["pytester"]

READINESS = Path(__file__).resolve().parents[1] / "readiness"
ITEMS = ("cron-secret", "env-inventory", "email-provider", "private-screenshot-storage", "signed-installers")
STACK = {"tls": True, "s3": True}  # as a production deployment: HTTPS and object storage
ITEM_TESTS = {
    "cron-secret": ["test_cron_secret.py"],
    "env-inventory": ["test_env_inventory.py", "test_tls.py"],
    "email-provider": ["test_email_provider.py"],
    "private-screenshot-storage": ["test_private_storage.py"],
    "signed-installers": ["test_signed_installers.py"],
}


def run_readiness(pytester: pytest.Pytester, sandbox, *args: str, item: str = "") -> tuple[pytest.RunResult, dict, str]:
    """Run the readiness folder (or one item's tests) against a stack; the result, the items by id, and everything
    it printed or wrote."""
    pytester.path.joinpath("attestations.toml").write_text(
        '[[attestation]]\nitem = "signed-installers"\napprover = "Tess Owner"\nrole = "technical owner"\n'
        f'date = {datetime.date.today().isoformat()}\nevidence = "https://tickets.example.com/REL-1"\n'
    )
    paths = [READINESS / name for name in ITEM_TESTS[item]] if item else [READINESS]
    result, record = run_gate_tests(
        pytester,
        *map(str, paths),
        "--attestations",
        "attestations.toml",
        f"--woc-config={sandbox.profile_path}",
        f"--env-file={sandbox.env_path}",
        "-p",
        "no:randomly",
        *args,
    )
    report = (pytester.path / "gate.json").read_text()
    return result, items_by_id(record), result.stdout.str() + result.stderr.str() + report


def secret_values(ctx) -> list[str]:
    """The stack's secret values, none of which may appear in what the gate prints or writes."""
    return [
        v
        for v in (
            ctx.nextauth_secret,
            ctx.jwt_secret,
            ctx.cron_secret,
            ctx.resend_api_key,
            ctx.resend_read_key,
            ctx.db.password,
        )
        if v
    ]


def failed_tests(item: dict) -> list[str]:
    return sorted(failing(item))


@pytest.mark.slow
def test_the_clean_stack_passes_every_readiness_item(pytester, dev_stack_factory):
    sandbox = dev_stack_factory(**STACK)
    result, items, output = run_readiness(pytester, sandbox)
    for item in ITEMS:
        assert items[item]["status"] == "PASS", result.stdout.str()
    assert not [value for value in secret_values(sandbox.ctx) if value in output]


FAULTS = {
    "cron-no-secret": (
        "cron-secret",
        [f"test_retention_endpoint_refuses[{call.label}]" for call in cron.BAD_CALLS]
        + ["test_refused_retention_requests_delete_nothing"],
        "the retention endpoint /api/cron/screenshot-retention did not refuse no Authorization (GET)",
    ),
    "weak-secrets": (
        "env-inventory",
        [
            f"test_secret_is_strong[{source}-{name}]"
            for source in ("settings", "env file")
            for name in ("NEXTAUTH_SECRET", "JWT_SECRET")
        ]
        + ["test_secrets_are_distinct[settings]", "test_secrets_are_distinct[env file]"],
        "NEXTAUTH_SECRET is weak",
    ),
    "plain-http": (
        "env-inventory",
        ["test_every_variable_is_well_formed[settings]", "test_every_variable_is_well_formed[env file]"]
        + [f"test_public_endpoint_is_https[{name}]" for name in ("NEXTAUTH_URL", "API_BASE_URL", "WOC_API_URL")],
        "NEXTAUTH_URL is not served over TLS",
    ),
    "tls-certificate-expiring": (
        "env-inventory",
        [
            f"test_certificate_outlives_the_expiry_window[{name}]"
            for name in ("NEXTAUTH_URL", "API_BASE_URL", "WOC_API_URL")
        ],
        "expires within 21 days",
    ),
    "email-provider-optional": (
        "email-provider",
        [
            "test_provider_key_and_sender_are_set",
            "test_provider_is_required_outside_dev",
            "test_registration_verification_email_is_delivered",
            "test_password_reset_email_is_delivered",
            "test_adhoc_decision_email_is_delivered",
            "test_invite_email_is_delivered",
            "test_contact_form_email_reaches_contact_to",
        ],
        "the email provider is not configured: RESEND_API_KEY unset",
    ),
    "invite-email-not-sent": (
        "email-provider",
        ["test_invite_email_is_delivered"],
        "the invite email to delivered+",
    ),
    "sender-domain-unverified": (
        "email-provider",
        ["test_sender_domain_is_verified"],
        "the sender domain workonclock.test is not verified at the provider",
    ),
    "public-screenshots": (
        "private-screenshot-storage",
        [
            "test_anonymous_preview_is_refused",
            "test_public_access_block_is_all_on",
            "test_bucket_policy_is_not_public",
        ],
        "is served anonymously",
    ),
    "installer-unsigned": (
        "signed-installers",
        [
            "test_windows_installers_carry_a_valid_authenticode_signature",
            "test_windows_signatures_chain_to_the_configured_roots",
            "test_windows_publisher_is_the_configured_one",
            "test_windows_signatures_are_timestamped_while_the_certificate_was_valid",
        ],
        "installer WorkOnClock-Setup-1.0.0.exe carries no Authenticode signature",
    ),
    "installer-tampered": (
        "signed-installers",
        ["test_linux_signatures_verify_with_the_pinned_key"],
        "the signature of installer WorkOnClock-1.0.0.AppImage does not verify with the pinned key",
    ),
}


ALONE = ("email-provider-optional", "plain-http")  # without a provider key or TLS, other email and TLS defects hide
COMBINABLE = sorted(set(FAULTS) - set(ALONE))


@fault_matrix
@pytest.mark.parametrize("fault", COMBINABLE)
def test_each_readiness_fault_fails_its_item_naming_the_defect(pytester, faulty_stack, fault):
    item_id, expected_failures, message = FAULTS[fault]
    sandbox = faulty_stack([fault], **STACK)
    result, items, output = run_readiness(pytester, sandbox, item=item_id)
    assert_fails_exactly(items[item_id], expected_failures, message)
    assert not [value for value in secret_values(sandbox.ctx) if value in output]
    assert result.ret == pytest.ExitCode.TESTS_FAILED


@fault_matrix
def test_the_readiness_faults_together_fail_only_the_tests_each_fails_alone(pytester, faulty_stack):
    sandbox = faulty_stack(COMBINABLE, **STACK)
    result, items, output = run_readiness(pytester, sandbox)
    assert failing_by_item(items) == together(FAULTS[fault][:2] for fault in COMBINABLE), result.stdout.str()
    assert not [value for value in secret_values(sandbox.ctx) if value in output]


@fault_matrix
@pytest.mark.parametrize("fault", ALONE)
def test_a_fault_that_hides_others_fails_exactly_its_item_on_its_own(pytester, faulty_stack, fault):
    item_id, expected_failures, message = FAULTS[fault]
    sandbox = faulty_stack([fault], **STACK)
    result, items, output = run_readiness(pytester, sandbox)
    assert_fails_exactly(items.pop(item_id), expected_failures, message)
    assert {other: item["status"] for other, item in items.items() if other in ITEMS} == dict.fromkeys(
        set(ITEMS) - {item_id}, "PASS"
    ), result.stdout.str()
    assert not [value for value in secret_values(sandbox.ctx) if value in output]
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def assert_fails_exactly(item: dict, expected_failures: list[str], message: str) -> None:
    """The item fails exactly the expected tests, one of them with the message."""
    __tracebackhide__ = True
    assert item["status"] == "FAIL"
    assert failed_tests(item) == sorted(expected_failures)
    assert any(message in test["message"] for test in item["tests"]), item
