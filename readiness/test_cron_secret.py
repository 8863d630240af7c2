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
def test_refused_retention_requests_delete_nothing(retention_canary, retention_client, woc_settings, woc_db):
    before = cron.retention_state(woc_db, retention_canary)
    if retention_canary is None and not before["screenshots past retention"]:
        pytest.skip("no screenshot past retention to watch, and the desktop API refused to upload one")
    for call in cron.BAD_CALLS:
        cron.call_retention(retention_client, woc_settings, call)
        cron.nothing_deleted(
            before, cron.retention_state(woc_db, retention_canary), retention_canary, woc_settings, call
        )


@pytest.mark.writes
def test_retention_endpoint_accepts_the_cron_secret(retention_job_lock, retention_client, woc_settings):
    cron.retention_accepts_the_secret(cron.run_retention(retention_client, woc_settings), woc_settings)


@pytest.mark.writes
def test_retention_job_deletes_a_screenshot_past_retention(retention_canary, retention_client, woc_settings, woc_db):
    if retention_canary is None:
        pytest.skip("the desktop API refused to upload a screenshot past retention: nothing to watch the job delete")
    cron.run_retention(retention_client, woc_settings)
    cron.job_deleted_the_canary(cron.retention_state(woc_db, retention_canary), retention_canary, woc_settings)
