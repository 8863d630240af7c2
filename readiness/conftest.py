"""Fixtures of the readiness tests: anonymous clients, the retention canary, the variables by source, TLS scans."""

from __future__ import annotations

import secrets

import pytest

from woc_gate.checks import cron
from woc_gate.checks import headers as headers_checks
from woc_gate.checks import inventory as inventory_checks
from woc_gate.checks import storage as storage_checks
from woc_gate.config import PUBLIC_URLS, RUNBOOK_VARIABLES, SMOKE_TENANTS
from woc_gate.plugin.fixtures import session_settings
from woc_gate.target import clients, s3
from woc_gate.target import tls as tls_target
from woc_gate.target.release import load_release
from woc_gate.target.resend import Resend


@pytest.fixture(scope="session")
def retention_client(woc_settings):
    """A client of the web app with no credentials; skips when no web URL is configured."""
    if not woc_settings.web_url:
        pytest.skip("no web/admin app configured: set NEXTAUTH_URL")
    with cron.retention_client(woc_settings) as client:
        yield client


RETENTION_LOCK_TIMEOUT = 120  # seconds: longer than a canary test with its job run


@pytest.fixture
def retention_job_lock(target_lock):
    """Held while a test watches the retention job's effects, so no other worker or shard runs the job meanwhile."""
    with target_lock("retention", "the retention job", RETENTION_LOCK_TIMEOUT):
        yield


@pytest.fixture
def retention_canary(retention_job_lock, desktop_as, tenant_lock, record_write, retention_client, woc_settings, woc_db):
    """A screenshot past retention, uploaded to a smoke tenant as the desktop does (None when the product refuses
    such uploads); afterwards the job itself removes it, or it is listed in the run record."""
    canary = None
    for tenant in SMOKE_TENANTS:
        # the time entry stays and is listed; the screenshot only if the job does not remove it
        def note(kind, ident, tenant=tenant):
            if kind != "screenshot":
                record_write(tenant, kind, ident)

        with tenant_lock(tenant):
            canary = cron.plant_canary(desktop_as(tenant, "member"), tenant, note)
        if canary is not None:
            break
    yield canary
    if canary is not None and cron.retention_state(woc_db, canary)["canary stored"]:
        cron.run_retention(retention_client, woc_settings)
        if cron.retention_state(woc_db, canary)["canary stored"]:
            record_write(canary.tenant, "screenshot", canary.screenshot_id)


def pytest_generate_tests(metafunc):
    # The env file is checked where the operator hands one over.
    if "inventory" in metafunc.fixturenames:
        settings = session_settings(metafunc.config)
        sources = ["settings"]
        if settings is None or settings.env_file:
            sources.append("env file")
        metafunc.parametrize("inventory_source", sources, scope="session")


@pytest.fixture(scope="session")
def inventory(inventory_source, woc_settings):
    """The runbook §2 variables and where they were read: the settings, or the deployment's env file."""
    if inventory_source == "settings":
        return "settings", {name: woc_settings.var(name) for name in RUNBOOK_VARIABLES}
    if woc_settings.env_file is None:
        pytest.fail("no env file given: pass --env-file with the deployment's env file", pytrace=False)
    values = inventory_checks.read_env_file(woc_settings.env_file)
    return f"env file {woc_settings.env_file.name}", values


@pytest.fixture(scope="session")
def tls_scans(woc_settings, woc_progress):
    """The sslyze scan of every https public endpoint, by variable name; skips in dev."""
    if woc_settings.environment == "dev":
        pytest.skip("dev environment: TLS is not required")
    urls = {name: woc_settings.var(name) for name in PUBLIC_URLS}
    https = {name: url for name, url in urls.items() if url and url.startswith("https://")}
    endpoints = len({tls_target.endpoint_of(url) for url in https.values()})
    with woc_progress("TLS scan", endpoints, "endpoints scanned") as bar:
        scans = (
            tls_target.scan(
                list(https.values()),
                woc_settings.ca_bundle,
                timeout=woc_settings.http_timeout,
                retries=woc_settings.connect_retries,
                scanned=bar.advance,
            )
            if https
            else {}
        )
    return {name: scans[tls_target.endpoint_of(url)] for name, url in https.items()}


@pytest.fixture
def tls_scan(tls_scans, woc_settings, request):
    """The scan of the public endpoint named by the test's ``variable`` parameter."""
    name = request.node.callspec.params["variable"]
    if name not in tls_scans:
        pytest.skip(f"{name} is not an https URL (test_public_endpoint_is_https fails for it)")
    scan = tls_scans[name]
    if isinstance(scan, Exception):
        raise scan
    return scan


@pytest.fixture
def first_answer(woc_settings, variable, public_page):
    """The page named by the test's ``variable`` and ``public_page``, and its first answer (no redirect followed)."""
    if woc_settings.environment == "dev":
        pytest.skip("dev environment: TLS is not required")
    base = woc_settings.var(variable)
    if not base or not base.startswith("https://"):
        pytest.skip(f"{variable} is not an https URL (test_public_endpoint_is_https fails for it)")
    path = headers_checks.page_path(woc_settings, public_page)
    with clients.anonymous(woc_settings, base, variable) as client:
        response = clients.request(client, "GET", path, setting=variable)
    return f"{variable} {path}", response


@pytest.fixture(scope="session")
def resend(woc_settings):
    """A client of the email provider's API with the gate's own full-access key."""
    client = Resend(woc_settings)
    yield client
    client.close()


@pytest.fixture(scope="session")
def run_label():
    """A label unique to this run, put on every address and record the email flows create."""
    return "wocgate" + secrets.token_hex(4)


@pytest.fixture(scope="session")
def bucket(woc_settings):
    """The screenshot bucket; skips when screenshot_storage is not an s3:// URL."""
    found = s3.bucket_of(woc_settings)
    if found is None:
        pytest.skip("screenshot_storage is not an s3:// bucket: the bucket checks do not apply")
    return found


@pytest.fixture(scope="session")
def s3_client(woc_settings, bucket):
    """A boto3 client of the bucket with the gate's credentials."""
    return s3.client(woc_settings, bucket)


@pytest.fixture(scope="session")
def anonymous_s3(woc_settings, bucket):
    """An unsigned boto3 client of the bucket's endpoint, as anyone on the internet."""
    return s3.client(woc_settings, bucket, anonymous=True)


@pytest.fixture(scope="session")
def sampled_screenshots(woc_db, woc_settings):
    """A sample of woc_screenshots (newest and random): id and objectKey; skips when there are none."""
    rows = storage_checks.sampled_screenshots(woc_db, woc_settings.storage_sample)
    if not rows:
        pytest.skip("woc_screenshots is empty: no object key to check")
    return rows


@pytest.fixture(scope="session")
def release(woc_settings, tmp_path_factory):
    """The release under test, from installers_manifest; skips when no manifest is configured."""
    if woc_settings.installers_manifest is None:
        pytest.skip("no release manifest: set installers_manifest (or WOC_GATE_INSTALLERS_MANIFEST)")
    return load_release(woc_settings.installers_manifest, tmp_path_factory.mktemp("release"))
