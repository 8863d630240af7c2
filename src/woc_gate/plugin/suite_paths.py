"""``woc-gate run`` shows node ids relative to the suite, wherever it is started.

pytest prints node ids and test files relative to the directory it was started from. ``woc-gate run``
starts it in the operator's directory with the suite's rootdir, which in a wheel is inside
site-packages, so every id would read ``../venv/lib/python3.11/site-packages/woc_gate/_suite/…``.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest


class SuiteRelativePaths:
    """A plugin for ``pytest.main``: node ids and test files are shown as the suite names them.

    The working directory stays the operator's: reports, JUnit XML and browser artifacts are written there.
    """

    def __init__(self) -> None:
        self.started_in = Path.cwd()

    @pytest.hookimpl(tryfirst=True)  # before the terminal reporter takes its start path
    def pytest_configure(self, config: pytest.Config) -> None:
        config.invocation_params = dataclasses.replace(config.invocation_params, dir=config.rootpath)

    @pytest.hookimpl(wrapper=True)
    def pytest_sessionfinish(self):
        os.chdir(self.started_in)  # pytest has just gone back to what it takes for its start path
        return (yield)
