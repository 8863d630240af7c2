"""Runbook §2, §7: CRON_SECRET configured; the screenshot-retention job runs only with it."""

from __future__ import annotations

import pytest

from woc_gate.checks import cron
from woc_gate.checks.secrets import secret_is_set_and_strong

pytestmark = [pytest.mark.gate("cron-secret"), pytest.mark.readiness]


def test_cron_secret_is_set_and_strong(woc_settings):
    secret_is_set_and_strong("CRON_SECRET", woc_settings.var("CRON_SECRET"))


# Calls to the retention job, which deletes: refused on a sound target, but attempts all the same.
@pytest.mark.writes
@pytest.mark.parametrize("call", cron.BAD_CALLS, ids=lambda call: call.label)
def test_retention_endpoint_refuses(retention_client, woc_settings, call):
    response = cron.call_retention(retention_client, woc_settings, call)
    cron.retention_refuses(response, woc_settings, call)


@pytest.mark.writes
def test_refused_retention_requests_delete_nothing(retention_client, woc_settings, woc_db):
    before = cron.screenshot_counts(woc_db)
    for call in cron.BAD_CALLS:
        cron.call_retention(retention_client, woc_settings, call)
    cron.nothing_deleted(before, cron.screenshot_counts(woc_db), woc_settings)


@pytest.mark.writes
def test_retention_endpoint_accepts_the_cron_secret(retention_client, woc_settings):
    cron.retention_accepts_the_secret(retention_client, woc_settings)
