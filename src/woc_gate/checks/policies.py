"""The tracking policy on the target: read through every surface that shows it, written through web settings.

A write is a success on any 2xx (a ``204 No Content`` included); after it, every surface — web settings,
the API policy, the database row — must give back exactly what was written, web settings and the API
policy first compared with each other. An optional field a write or a surface leaves out means its
default (the shared type's ``default``, else the Prisma field's), so a surface may omit it at that value.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from ..sources.nodetools import default_cache_dir
from ..target.clients import ApiSession, WebSession
from . import CheckFailure
from .contracts import (
    ContractViolation,
    completed,
    definition_of,
    json_payload,
    policies_equal,
    read_back_identically,
    rejected_without_change,
)
from .variants import edge_policies, invalid_variants, other_valid_value

WEB, API, DB = "web settings", "the API policy", "the database row"


@dataclass(frozen=True)
class Surfaces:
    """The surfaces that show a tenant's policy (read on demand, by the name failures use) and its defaults."""

    readers: Mapping[str, Callable[[], dict[str, Any]]]
    defaults: Mapping[str, Any] = field(default_factory=dict)

    def read(self, name: str) -> dict[str, Any]:
        """What one surface shows now, each optional field it leaves out at its default."""
        return self.meaning(self.readers[name]())

    def meaning(self, policy: Mapping[str, Any]) -> dict[str, Any]:
        """A policy with each optional field it leaves out at its default."""
        return completed(policy, self.defaults)


def api_policy(api: ApiSession) -> dict[str, Any]:
    """The policy the runtime API gives the desktop client, unwrapped from its envelope."""
    __tracebackhide__ = True
    return json_payload(
        api.call("GET", "policy"), envelope=api.settings.envelopes["policy"], what=f"GET {api.path('policy')}"
    )


def web_settings(web: WebSession) -> dict[str, Any]:
    """The policy the web/admin settings API gives."""
    __tracebackhide__ = True
    return json_payload(
        web.call("GET", "web_settings"),
        envelope=web.settings.envelopes["web_settings"],
        what=f"GET {web.settings.endpoints['web_settings']}",
    )


def write_web_settings(web: WebSession, policy: Mapping[str, Any]) -> httpx.Response:
    """Write a policy through the web/admin settings API, as the settings page does."""
    return web.call("PUT", "web_settings", json=dict(policy))


def written(web: WebSession, policy: Mapping[str, Any], *, tenant: str, label: str = "") -> None:
    """A valid policy written through web settings is accepted with a 2xx."""
    __tracebackhide__ = True
    response = write_web_settings(web, policy)
    if not 200 <= response.status_code < 300:
        what = label or json.dumps(dict(policy), sort_keys=True)
        raise ContractViolation(
            f"web settings refused a valid policy for tenant {tenant}: {what}",
            f"HTTP 2xx for PUT {web.settings.endpoints['web_settings']}",
            f"HTTP {response.status_code}: {response.text[:200]}",
        )


def read_back_everywhere(policy: Mapping[str, Any], surfaces: Surfaces, *, tenant: str) -> None:
    """Web settings equal the API policy, and every surface shows exactly the policy written."""
    __tracebackhide__ = True
    shown = {name: surfaces.read(name) for name in surfaces.readers}
    if WEB in shown and API in shown:
        policies_equal(shown[WEB], shown[API], tenant=tenant)
    for name, seen in shown.items():
        read_back_identically(surfaces.meaning(policy), seen, tenant=tenant, via=name)


def round_trip(web: WebSession, surfaces: Surfaces, policy: Mapping[str, Any], *, tenant: str, label: str = "") -> None:
    """Write a valid policy and read it back through every surface."""
    __tracebackhide__ = True
    written(web, policy, tenant=tenant, label=label)
    read_back_everywhere(policy, surfaces, tenant=tenant)


def edges_round_trip(web: WebSession, surfaces: Surfaces, schema: Mapping[str, Any], *, tenant: str) -> None:
    """Every numeric field at its exact minimum and maximum is accepted and read back everywhere."""
    __tracebackhide__ = True
    edges = list(edge_policies(schema, web_settings(web)))
    if not edges:
        raise CheckFailure(f"the shared schema gives no numeric bound to try for tenant {tenant}", "a bound", "none")
    for label, policy in edges:
        round_trip(web, surfaces, policy, tenant=tenant, label=label)


def generated_policies_round_trip(
    web: WebSession, surfaces: Surfaces, schema: Mapping[str, Any], *, tenant: str, examples: int
) -> None:
    """Policies generated from the shared schema (Hypothesis) are accepted and read back everywhere."""
    __tracebackhide__ = True
    # Imported here: importing Hypothesis while pytest loads conftests costs time and warns.
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis.configuration import set_hypothesis_home_dir
    from hypothesis_jsonschema import from_schema

    set_hypothesis_home_dir(default_cache_dir() / "hypothesis")  # no .hypothesis folder in the operator's cwd

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=(Phase.explicit, Phase.generate),
        suppress_health_check=list(HealthCheck),
    )
    @given(from_schema(schema, allow_x00=False))
    def each(policy: dict[str, Any]) -> None:
        round_trip(web, surfaces, policy, tenant=tenant)

    each()


def invalid_policies_refused(web: WebSession, surfaces: Surfaces, schema: Mapping[str, Any], *, tenant: str) -> None:
    """Every policy one step beyond a bound, of a near-miss type or missing a field is refused and changes nothing.

    The database row is read after each refusal (the cheapest surface); every surface once at the end.
    """
    __tracebackhide__ = True
    before = surfaces.meaning(web_settings(web))
    variants = list(invalid_variants(schema, before))
    if not variants:
        raise CheckFailure(f"the shared schema gives no rule to break for tenant {tenant}", "a rule", "none")
    stored = DB if DB in surfaces.readers else WEB
    for label, policy in variants:
        status = write_web_settings(web, policy).status_code
        rejected_without_change(status, before, surfaces.read(stored), variant=label, tenant=tenant)
    for name in surfaces.readers:
        read_back_identically(before, surfaces.read(name), tenant=tenant, via=name)


def omitted_optional_fields_mean_their_defaults(
    web: WebSession, surfaces: Surfaces, schema: Mapping[str, Any], *, tenant: str
) -> None:
    """Each optional field set to another value, then left out, then set to its default, reads back as written.

    Left out, it must read back as its default (or stay out where it has none), not keep the value before.
    """
    __tracebackhide__ = True
    base = web_settings(web)
    definition = definition_of(schema)
    required = set(definition.get("required", []))
    for name, prop in definition.get("properties", {}).items():
        if name in required:
            continue
        default = surfaces.defaults.get(name)
        other = other_valid_value(prop, default)
        left_out = {key: value for key, value in base.items() if key != name}
        if other is not None:
            round_trip(web, surfaces, {**left_out, name: other}, tenant=tenant, label=f"{name} = {other!r}")
        round_trip(web, surfaces, left_out, tenant=tenant, label=f"{name} left out")
        if default is not None:
            round_trip(web, surfaces, {**left_out, name: default}, tenant=tenant, label=f"{name} = {default!r}")


@contextlib.contextmanager
def held_policy(web: WebSession, lock, *, tenant: str) -> Iterator[dict[str, Any]]:
    """Hold a tenant's settings (its lock) and put the original policy back afterwards, even on failure."""
    __tracebackhide__ = True
    with lock:
        original = web_settings(web)
        try:
            yield original
        except BaseException:
            write_web_settings(web, original)  # the failure that got here is the one to report
            raise
        response = write_web_settings(web, original)
        if not 200 <= response.status_code < 300:
            raise CheckFailure(
                f"could not restore the original policy of tenant {tenant}",
                "HTTP 2xx",
                f"HTTP {response.status_code}: {response.text[:200]}",
            )
