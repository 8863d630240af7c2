"""Runbook §6 (DTO contracts): where the API publishes an OpenAPI document, it agrees with the shared types.

Collected only when ``openapi_path`` is set (see conftest.py): a target without a document has no
such contract to prove.
"""

from __future__ import annotations

import pytest

from woc_gate.checks import contracts, openapi
from woc_gate.target.clients import unwrap

pytestmark = [pytest.mark.gate("schema-contracts"), pytest.mark.contract]


@pytest.fixture(scope="module")
def document(api_as, woc_settings):
    """The OpenAPI document the runtime API publishes."""
    api = api_as("a", "member")
    return contracts.json_payload(
        api.client.get(woc_settings.openapi_path), envelope="", what=f"GET {woc_settings.openapi_path}"
    )


def test_documented_policy_response_matches_shared_tracking_policy(document, woc_settings, policy_schema, names):
    path = woc_settings.endpoints["policy"]
    documented = openapi.response_schema(document, path)
    for key in filter(None, woc_settings.envelopes["policy"].split(".")):
        documented = unwrap(documented.get("properties", {}), key)
    openapi.documented_as_shared(documented, policy_schema, what=f"GET {path}", type_name=names["policy_type"])


def test_documented_screenshot_response_matches_shared_screenshot_event(
    document, woc_settings, screenshot_schema, names
):
    path = woc_settings.endpoints["screenshot"]
    documented = openapi.response_schema(document, path)
    openapi.documented_as_shared(documented, screenshot_schema, what=f"GET {path}", type_name=names["screenshot_type"])
