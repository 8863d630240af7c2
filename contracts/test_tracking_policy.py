"""Runbook §6: shared TrackingPolicy matches web settings and NestJS policy output, before and after every write."""

from __future__ import annotations

import pytest

from woc_gate.checks import contracts, policies
from woc_gate.config import SMOKE_TENANTS

pytestmark = [pytest.mark.gate("schema-contracts"), pytest.mark.contract]
GENERATED_POLICIES = 8  # per tenant, on top of every bound and near miss


@pytest.mark.parametrize("tenant", SMOKE_TENANTS)
def test_api_policy_output_matches_shared_tracking_policy(tenant, api_as, policy_schema, names):
    contracts.matches_shared_type(
        policies.api_policy(api_as(tenant, "member")),
        policy_schema,
        type_name=names["policy_type"],
        what=f"the API policy of tenant {tenant}",
    )


@pytest.mark.parametrize("tenant", SMOKE_TENANTS)
def test_web_settings_match_shared_tracking_policy(tenant, web_as, policy_schema, names):
    contracts.matches_shared_type(
        policies.web_settings(web_as(tenant, "admin")),
        policy_schema,
        type_name=names["policy_type"],
        what=f"the web settings of tenant {tenant}",
    )


@pytest.mark.parametrize("tenant", SMOKE_TENANTS)
def test_web_settings_equal_api_policy(tenant, web_as, api_as, tenant_lock, policy_defaults):
    with tenant_lock(tenant):
        web, api = policies.web_settings(web_as(tenant, "admin")), policies.api_policy(api_as(tenant, "member"))
    contracts.policies_equal(
        contracts.completed(web, policy_defaults), contracts.completed(api, policy_defaults), tenant=tenant
    )


@pytest.mark.writes
@pytest.mark.parametrize("tenant", SMOKE_TENANTS)
def test_policies_at_every_bound_are_accepted_and_read_back_everywhere(
    tenant, restored_policy, policy_surfaces, policy_schema
):
    policies.edges_round_trip(restored_policy(tenant), policy_surfaces(tenant), policy_schema, tenant=tenant)


@pytest.mark.writes
@pytest.mark.parametrize("tenant", SMOKE_TENANTS)
def test_generated_policies_are_accepted_and_read_back_everywhere(
    tenant, restored_policy, policy_surfaces, policy_schema
):
    policies.generated_policies_round_trip(
        restored_policy(tenant), policy_surfaces(tenant), policy_schema, tenant=tenant, examples=GENERATED_POLICIES
    )


@pytest.mark.writes
@pytest.mark.parametrize("tenant", SMOKE_TENANTS)
def test_omitted_optional_fields_read_back_as_their_defaults(tenant, restored_policy, policy_surfaces, policy_schema):
    policies.omitted_optional_fields_mean_their_defaults(
        restored_policy(tenant), policy_surfaces(tenant), policy_schema, tenant=tenant
    )


@pytest.mark.writes
@pytest.mark.parametrize("tenant", SMOKE_TENANTS)
def test_invalid_policies_are_refused_and_change_nothing(tenant, restored_policy, policy_surfaces, policy_schema):
    policies.invalid_policies_refused(restored_policy(tenant), policy_surfaces(tenant), policy_schema, tenant=tenant)
