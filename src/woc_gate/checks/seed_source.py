"""The role → permission mapping a seed's source writes, against the shared defaults (where the seed cannot run).

``sources.seed.seed_role_mapping`` reads the seed's TypeScript: each object it indexes by a computed key,
as the shared constant itself, an object of its own evaluated to role → keys, or one it cannot evaluate.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ..errors import SourceError
from . import listed
from .contracts import ContractViolation, key_changes


class SeedUnreadable(SourceError):
    """The seed's source holds no role → permission mapping that can be read without running it."""


@dataclass(frozen=True)
class SeedGrants:
    """One mapping the seed writes: where it is, and each role's keys (None: the shared constant itself)."""

    where: str
    roles: Mapping[str, list[str]] | None


def seed_grants(mappings: Iterable[Mapping], *, seed: Path, constant: str) -> list[SeedGrants]:
    """The mappings of the seed that grant permissions to roles; ``SeedUnreadable`` when there is none to judge."""
    mappings = list(mappings)
    grants = [
        SeedGrants(f"{seed.name}:{mapping['line']}", mapping["roles"])
        for mapping in mappings
        if mapping["kind"] == "literal"
    ]
    grants += [
        SeedGrants(f"{seed.name}:{mapping['used']}", None)
        for mapping in mappings
        if mapping["kind"] == "shared" and mapping["name"] == constant
    ]
    if grants:
        return grants
    computed = [
        f"{mapping['name']} ({seed.name}:{mapping['line']})" for mapping in mappings if mapping["kind"] == "computed"
    ]
    if computed:
        raise SeedUnreadable(
            f"the seed's role mapping {', '.join(computed)} is computed at run time and cannot be read;"
            " install the checkout's node modules (npm ci) so that its seed runs"
        )
    raise SeedUnreadable(f"{seed} indexes neither {constant} nor an object of its own by role key: no mapping to read")


def seed_grants_equal_shared_defaults(
    grants: Iterable[SeedGrants], defaults: Mapping[str, Iterable[str]], permissions: Iterable[str], *, constant: str
) -> None:
    """Each mapping of the seed grants every role of the shared defaults exactly its keys, all of them known keys.

    A seed that writes the shared constant itself grants what it holds: its keys must still be known ones.
    """
    __tracebackhide__ = True
    known = set(permissions)
    problems = []
    for grant in grants:
        roles = defaults if grant.roles is None else grant.roles  # None: the seed writes the shared constant itself
        for role in sorted(set(defaults) - set(roles)):
            problems.append(f"{grant.where}, role {role}: not granted anything")
        for role, keys in sorted(roles.items()):
            keys, expected = set(keys), set(defaults.get(role, ()))
            if keys != expected:
                problems.append(
                    f"{grant.where}, role {role}: " + key_changes(missing=expected - keys, extra=keys - expected)
                )
            if keys - known:
                problems.append(f"{grant.where}, role {role}: unknown key(s) {', '.join(sorted(keys - known))}")
    if problems:
        raise ContractViolation(
            f"the seed's role grants differ from the shared {constant} in {len(problems)} place(s): {listed(problems)}",
            f"the seed grants each role exactly {constant}[role]",
            listed(problems),
        )
