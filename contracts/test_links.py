"""Runbook §6 and §7: every URL the API hands out (previewUrl, any link field) answers its owner and no one else."""

from __future__ import annotations

import pytest

from woc_gate.checks import links
from woc_gate.config import SMOKE_TENANTS
from woc_gate.target import routes

pytestmark = [pytest.mark.gate("schema-contracts"), pytest.mark.contract]


@pytest.mark.parametrize("tenant", SMOKE_TENANTS)
def test_every_link_the_api_hands_out_answers_its_owner_and_refuses_everyone_else(
    tenant, record_paths, api_as, anonymous_api, woc_settings, tenant_lock
):
    owner = api_as(tenant, "admin")
    other = api_as(next(key for key in SMOKE_TENANTS if key != tenant), "admin")
    with tenant_lock(tenant):  # the records behind the links stay while they are fetched
        handed = links.handed_out(owner, record_paths, woc_settings.endpoints["policy"])
        problems = links.link_problems(
            handed,
            owner,
            other.client,
            anonymous_api,
            refused=routes.statuses(woc_settings, "refused"),
            refused_anonymous=routes.statuses(woc_settings, "refused_anonymous"),
        )
    links.links_resolve_for_their_owner_only(problems, handed, tenant=tenant)
