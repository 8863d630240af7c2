"""Runbook §2 "Resend Email Setup", §7 "Email provider configured": the provider is set up and the flows deliver.

Each flow is triggered through the product and its email followed at the provider until delivered, to
Resend's test recipient ``delivered+<label>@resend.dev`` (the contact form writes to CONTACT_TO).
"""

from __future__ import annotations

import secrets
from email.utils import parseaddr

import pytest

from woc_gate.checks import email
from woc_gate.config import SmokeAccount
from woc_gate.redaction import Secret
from woc_gate.target import flows

pytestmark = [pytest.mark.gate("email-provider"), pytest.mark.readiness]


def test_provider_key_and_sender_are_set(woc_settings):
    email.provider_is_configured(woc_settings)


def test_provider_is_required_outside_dev(woc_settings):
    if woc_settings.environment == "dev":
        pytest.skip("dev environment: EMAIL_REQUIRE_PROVIDER may be false")
    email.provider_is_required(woc_settings)


def test_sender_domain_is_verified(resend, woc_settings):
    email.sender_domain_is_verified(resend, email.sender_domain(woc_settings))


@pytest.fixture(scope="module")
def registered(woc_settings, run_label, resend):
    """A new organization registered through the product, its owner a test recipient: address, name, password."""
    address = f"delivered+{run_label}@resend.dev"
    password = secrets.token_urlsafe(24)
    organization = f"woc-gate {run_label}"
    email.flow_delivers(
        resend,
        "registration verification",
        address,
        lambda: flows.register(woc_settings, organization, address, password),
        woc_settings.email_wait_seconds,
    )
    return address, organization, password


@pytest.mark.writes
def test_registration_verification_email_is_delivered(registered, record_write):
    address, organization, _ = registered
    record_write("registration", "organization", f"{organization} (owner {address})")


@pytest.mark.writes
def test_password_reset_email_is_delivered(registered, resend, woc_settings):
    address, _, _ = registered
    email.flow_delivers(
        resend,
        "password reset",
        address,
        lambda: flows.forgot_password(woc_settings, address),
        woc_settings.email_wait_seconds,
    )


@pytest.mark.writes
def test_adhoc_decision_email_is_delivered(registered, resend, woc_settings):
    address, _, password = registered
    owner = SmokeAccount(address, Secret(password))
    email.flow_delivers(
        resend,
        "adhoc decision",
        address,
        lambda: flows.decide_adhoc_request(woc_settings, owner),
        woc_settings.email_wait_seconds,
    )


@pytest.mark.writes
def test_invite_email_is_delivered(web_as, resend, woc_settings, run_label, record_write):
    address = f"delivered+{run_label}-invite@resend.dev"
    web = web_as("a", "admin")
    record_write("a", "invite", address)
    email.flow_delivers(resend, "invite", address, lambda: flows.invite(web, address), woc_settings.email_wait_seconds)


@pytest.mark.writes
def test_contact_form_email_reaches_contact_to(resend, woc_settings, run_label):
    contact_to = parseaddr(woc_settings.var("CONTACT_TO") or "")[1]
    sender = f"delivered+{run_label}-contact@resend.dev"
    email.flow_delivers(
        resend,
        "contact form",
        contact_to,
        lambda: flows.contact(woc_settings, f"woc-gate {run_label}", sender, "woc-gate release smoke"),
        woc_settings.email_wait_seconds,
    )
