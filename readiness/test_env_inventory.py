"""Runbook §2: every required variable present and well-formed, secrets strong and distinct."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from woc_gate.checks import inventory as checks
from woc_gate.checks.secrets import secret_is_set_and_strong, secrets_are_distinct
from woc_gate.config import STRONG_SECRETS

pytestmark = [pytest.mark.gate("env-inventory"), pytest.mark.readiness]
DISTINCT = ("NEXTAUTH_SECRET", "JWT_SECRET", "CRON_SECRET", "RESEND_API_KEY")


def test_every_runbook_variable_is_present(inventory):
    source, values = inventory
    checks.variables_are_present(values, source)


def test_every_variable_is_well_formed(inventory, woc_settings):
    source, values = inventory
    checks.variables_are_well_formed(values, woc_settings.environment, source)


@pytest.mark.parametrize("name", STRONG_SECRETS)
def test_secret_is_strong(inventory, name):
    _, values = inventory
    secret_is_set_and_strong(name, values.get(name))


def test_secrets_are_distinct(inventory):
    _, values = inventory
    secrets = {name: values.get(name) for name in DISTINCT}
    # DB_PASSWORD and the password in DATABASE_URL are one database account's, so one entry
    secrets["the database password"] = values.get("DB_PASSWORD") or urlsplit(values.get("DATABASE_URL") or "").password
    secrets_are_distinct(secrets)
