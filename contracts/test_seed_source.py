"""Runbook §6, where the checkout's seed cannot run: the role grants in the seed's source are the shared defaults."""

from __future__ import annotations

import pytest

from woc_gate.checks import seed_source

pytestmark = [pytest.mark.gate("schema-contracts"), pytest.mark.contract]


def test_seed_source_grants_every_role_its_shared_default_permissions(seed_source_grants, shared_source, names):
    seed_source.seed_grants_equal_shared_defaults(
        seed_source_grants,
        shared_source.constant(names["role_defaults"]),
        shared_source.constant(names["permissions"]),
        constant=names["role_defaults"],
    )
