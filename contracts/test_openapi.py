"""Runbook §6 (DTO contracts): where the API publishes an OpenAPI document, it agrees with the shared types.

Collected only when ``openapi_path`` is set (see conftest.py): a target without a document has no
such contract to prove.
"""

from __future__ import annotations

import pytest

from woc_gate.checks import openapi

pytestmark = [pytest.mark.gate("schema-contracts"), pytest.mark.contract]


@pytest.fixture(scope="module")
def document(api_as, woc_settings):
    """The OpenAPI document the runtime API publishes."""
    return openapi.published_document(api_as("a", "member"), woc_settings.openapi_path)


def test_documented_policy_response_matches_shared_tracking_policy(document, woc_settings, policy_schema, names):
    path = woc_settings.endpoints["policy"]
    openapi.documented_as_shared(
        openapi.documented_payload(document, path, woc_settings.envelopes["policy"]),
        policy_schema,
        what=f"GET {path}",
        type_name=names["policy_type"],
    )


def test_documented_screenshot_response_matches_shared_screenshot_event(
    document, woc_settings, screenshot_schema, names
):
    path = woc_settings.endpoints["screenshot"]
    openapi.documented_as_shared(
        openapi.documented_payload(document, path, woc_settings.envelopes["screenshot"]),
        screenshot_schema,
        what=f"GET {path}",
        type_name=names["screenshot_type"],
    )
