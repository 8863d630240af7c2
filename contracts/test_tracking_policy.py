"""Runbook §6: shared TrackingPolicy matches web settings and NestJS policy output."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis_jsonschema import from_schema

from woc_gate.checks import contracts
from woc_gate.checks.policies import api_policy, web_settings, write_web_settings
from woc_gate.checks.variants import invalid_variants
from woc_gate.config import SMOKE_TENANTS

pytestmark = [pytest.mark.gate("schema-contracts"), pytest.mark.contract]
ROUND_TRIPS = 12


@pytest.mark.parametrize("tenant", SMOKE_TENANTS)
def test_api_policy_output_matches_shared_tracking_policy(tenant, api_as, woc_settings, policy_schema, names):
    policy = api_policy(api_as(tenant, "member"))
    contracts.matches_shared_type(
        policy, policy_schema, type_name=names["policy_type"], what=f"the API policy of tenant {tenant}"
    )


@pytest.mark.parametrize("tenant", SMOKE_TENANTS)
def test_web_settings_match_shared_tracking_policy(tenant, web_as, woc_settings, policy_schema, names):
    policy = web_settings(web_as(tenant, "admin"))
    contracts.matches_shared_type(
        policy, policy_schema, type_name=names["policy_type"], what=f"the web settings of tenant {tenant}"
    )


@pytest.mark.parametrize("tenant", SMOKE_TENANTS)
def test_web_settings_equal_api_policy(tenant, web_as, api_as, woc_settings, tenant_lock):
    with tenant_lock(tenant):
        web = web_settings(web_as(tenant, "admin"))
        api = api_policy(api_as(tenant, "member"))
    contracts.policies_equal(web, api, tenant=tenant)


@pytest.mark.writes
def test_policies_written_through_web_settings_read_back_through_the_api(
    restored_policy, api_as, woc_settings, policy_schema
):
    web = restored_policy("a")
    api = api_as("a", "member")

    @settings(
        max_examples=ROUND_TRIPS,
        deadline=None,
        database=None,
        derandomize=True,
        phases=(Phase.explicit, Phase.generate),
        suppress_health_check=list(HealthCheck),
    )
    @given(from_schema(policy_schema, allow_x00=False))
    def round_trip(policy):
        response = write_web_settings(web, policy)
        if response.status_code != 200:
            raise contracts.ContractViolation(
                "web settings refused a valid policy for tenant a",
                "HTTP 200",
                f"HTTP {response.status_code}: {response.text[:200]}",
            )
        contracts.read_back_identically(policy, api_policy(api), tenant="a", via="the API policy")

    round_trip()


@pytest.mark.writes
def test_invalid_policies_are_refused_and_change_nothing(restored_policy, woc_settings, policy_schema):
    web = restored_policy("a")
    before = web_settings(web)
    variants = list(invalid_variants(policy_schema, before))
    assert variants, "the shared TrackingPolicy schema gives no rule to break"
    for variant, body in variants:
        response = write_web_settings(web, body)
        after = web_settings(web)
        contracts.rejected_without_change(response.status_code, before, after, variant=variant, tenant="a")
