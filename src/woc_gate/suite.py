"""Where the gate tests, their pytest.ini and the reference tree are: in a checkout or in an installed wheel.

A checkout keeps them at its top level (``contracts/``, ``smoke/``…, ``pytest.ini``, ``fixtures/``):
that is the source of truth, and ``pytest -m gate`` runs there. The wheel carries a copy of the same
tree under ``woc_gate/_suite/`` (made by the build step in ``setup.py``), so ``woc-gate run`` works
from any directory once woc-gate is installed.
"""

from __future__ import annotations

import configparser
from pathlib import Path

from woc_gate.errors import WocGateError

PACKAGE_DIR = Path(__file__).resolve().parent
PACKAGED_SUITE = PACKAGE_DIR / "_suite"  # what the wheel carries
CHECKOUT = PACKAGE_DIR.parents[1]  # src/woc_gate -> the checkout's top level
PYTEST_INI = "pytest.ini"


def suite_root() -> Path:
    """The folder holding pytest.ini, the gate-test folders and ``fixtures/``: the wheel's copy, else the checkout."""
    return PACKAGED_SUITE if (PACKAGED_SUITE / PYTEST_INI).is_file() else CHECKOUT


SUITE_ROOT = suite_root()
FIXTURES_DIR = SUITE_ROOT / "fixtures"
REFERENCE_TREE = FIXTURES_DIR / "workonclock"
SEED_PATH = FIXTURES_DIR / "data" / "seed.toml"


def pytest_ini() -> Path:
    """The suite's pytest.ini; a one-line error when this installation has none."""
    ini = SUITE_ROOT / PYTEST_INI
    if not ini.is_file():
        raise WocGateError(f"woc-gate's gate tests are missing ({ini} not found); reinstall woc-gate")
    return ini


def gate_test_folders() -> list[Path]:
    """The folders of gate tests: the ``testpaths`` of the suite's pytest.ini."""
    ini = configparser.ConfigParser()
    ini.read(pytest_ini())
    return [SUITE_ROOT / folder for folder in ini.get("pytest", "testpaths", fallback="").split()]
