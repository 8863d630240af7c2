"""The settings of one run: declared once (``settings``), loaded by precedence (``load``), checked like a schema.

declaration   how a setting or a profile table is declared, and how a raw value becomes its value
variables     the runbook's own variables (§2): meaning, form, secret-ness
settings      ``Settings``: every setting and table, declared as its fields
defaults      the profile tables' defaults, which describe the reference WorkOnClock
profile       reading ``woc-gate.toml`` against the declarations
load          command line > reference stack > environment > profile > default, with provenance
readme        the README's tables of settings (``python -m woc_gate.config --markdown``)
"""

from .defaults import DEFAULT_ROUTES
from .load import PROFILE_NAME, environment_of, load, read_profile
from .settings import ENVIRONMENTS, OPTIONS, SMOKE_TENANTS, TABLES, TARGETS, Settings, SmokeAccount, SmokeTenant
from .variables import PUBLIC_URLS, RUNBOOK_VARIABLES, SECRET_VARIABLES, STRONG_SECRETS

__all__ = [
    "DEFAULT_ROUTES",
    "ENVIRONMENTS",
    "OPTIONS",
    "PROFILE_NAME",
    "PUBLIC_URLS",
    "RUNBOOK_VARIABLES",
    "SECRET_VARIABLES",
    "SMOKE_TENANTS",
    "STRONG_SECRETS",
    "TABLES",
    "TARGETS",
    "environment_of",
    "Settings",
    "SmokeAccount",
    "SmokeTenant",
    "load",
    "read_profile",
]
