"""What an unset setting costs: the gate items whose tests cannot prove them without it.

Each setting, profile table and runbook variable declares the items it is ``needed_by`` beside its own
declaration; a required runbook variable is also needed by ``env-inventory``. ``unset_costs`` reads them back
for the settings of one run.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from .settings import OPTIONS, TABLES, Settings
from .variables import VARIABLES

ENV_INVENTORY = "env-inventory"
ACCOUNT_PARTS = ("_email", "_password")  # a smoke account needs both; the organization is optional


@dataclass(frozen=True)
class Cost:
    """An unset setting, how to give it, and the items it leaves unproven."""

    name: str  # as the profile spells it: ``screenshot_storage_dir``, ``DATABASE_URL``, ``smoke.b.admin_password``
    variable: str  # its environment variable ("" when it has none)
    items: tuple[str, ...]

    def __str__(self) -> str:
        via = f" (or {self.variable})" if self.variable and self.variable != self.name else ""
        return f"without `{self.name}`{via}, {', '.join(self.items)} cannot be proven"


def unset_costs(settings: Settings) -> list[Cost]:
    """Every unset setting that leaves an item unproven, in declaration order (settings, variables, smoke)."""
    return [*_settings(settings), *_variables(settings), *_smoke(settings)]


def _settings(settings: Settings) -> Iterator[Cost]:
    for option in OPTIONS:
        stood_in = option.stood_in_by is not None and option.stood_in_by(settings)
        if option.needed_by and getattr(settings, option.name) in (None, "") and not stood_in:
            yield Cost(option.name, option.variable, option.needed_by)


def _variables(settings: Settings) -> Iterator[Cost]:
    for variable in VARIABLES:
        items = ((ENV_INVENTORY,) if variable.required else ()) + variable.needed_by
        stood_in = variable.stood_in_by is not None and variable.stood_in_by(settings)
        if items and not settings.var(variable.name) and not stood_in:
            yield Cost(variable.name, variable.name, items)


def _smoke(settings: Settings) -> Iterator[Cost]:
    smoke = next(table for table in TABLES if table.name == "smoke")
    for key in smoke.all_keys():
        if key.endswith(ACCOUNT_PARTS) and smoke.address(key) not in settings.sources:
            yield Cost(smoke.address(key), smoke.variable(key) or "", smoke.needed_by)
