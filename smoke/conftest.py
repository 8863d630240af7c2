"""Fixtures of the desktop-runtime tests: a smoke tenant's policy switched for one test, the image types to upload."""

from __future__ import annotations

import pytest

from woc_gate.checks import openapi, policies, policy_switches


@pytest.fixture
def switched_policy(restored_policy, desktop_as, woc_settings):
    """``switched_policy(tenant, **fields)``: the tenant's policy with these fields for the test, then put back.

    The desktop's own policy must show them before the test goes on.
    """

    def switch(tenant: str, **fields) -> None:
        web = restored_policy(tenant)
        label = ", ".join(f"{name} = {value}" for name, value in fields.items())
        policies.written(web, {**policies.web_settings(web), **fields}, tenant=tenant, label=label)
        desktop_policy = policies.api_policy(desktop_as(tenant, "member"))
        policy_switches.switch_reached_the_desktop(
            desktop_policy, fields, tenant=tenant, path=woc_settings.endpoints["policy"]
        )

    return switch


@pytest.fixture(scope="session")
def upload_types(woc_settings, desktop_as):
    """The image types the upload accepts: from the OpenAPI document when the API publishes one, else probed."""
    document = None
    if woc_settings.openapi_path:
        document = openapi.published_document(desktop_as("a", "member"), woc_settings.openapi_path)
    return policy_switches.upload_types(document, woc_settings.endpoints["screenshots"])


@pytest.fixture
def uploads_in_each_type(desktop_as, upload_types, record_write, tenant_lock):
    """``uploads_in_each_type(tenant)``: a desktop capture in each image type, into one time entry of the member."""

    def upload(tenant: str):
        note = lambda kind, ident: record_write(tenant, kind, ident)  # noqa: E731 - the records the uploads leave
        with tenant_lock(tenant):
            return policy_switches.uploads_in_each_type(desktop_as(tenant, "member"), upload_types.media_types, note)

    return upload
