"""What a run leaves on disk stays private: kept browser artifacts scrubbed and 0600, the run's private folder removed.

The files a failing test keeps (pytest-playwright's ``playwright_*`` user properties: traces, screenshots)
are rewritten through the settings' redactor as soon as the test's report is made, 0600 in 0700 folders
up to ``--output``; one that cannot be scrubbed is removed. Files that hold target data or credentials while
the run needs them (the drill's full dump, the browser's logged-in states) go under the run's private folder
(``private_temp``): made 0700 by the controller at configure, handed to xdist workers, removed at unconfigure
(after failures and Ctrl-C too; a killed run leaves it in the system's temp folder).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from ..artifacts import keep_private
from ..files import PRIVATE_FILE, PRIVATE_FOLDER
from .outcomes import ARTIFACT_PREFIX

PRIVATE_DIR_KEY = "woc_gate_private_dir"  # workerinput: the controller's private folder for the run
_FOLDER_KEY = pytest.StashKey[Path]()
_JUNIT_KEY = pytest.StashKey[Path | None]()


def private_temp(config: pytest.Config, name: str) -> Path:
    """A 0700 folder ``name`` in the run's private folder (one for all xdist workers), removed when the run ends."""
    folder = config.stash[_FOLDER_KEY] / name
    folder.mkdir(mode=PRIVATE_FOLDER, exist_ok=True)
    return folder


def pytest_configure(config: pytest.Config) -> None:
    given = getattr(config, "workerinput", {}).get(PRIVATE_DIR_KEY)
    config.stash[_FOLDER_KEY] = Path(given) if given else Path(tempfile.mkdtemp(prefix="woc-gate-private-"))
    junit = getattr(config.option, "xmlpath", None)
    config.stash[_JUNIT_KEY] = Path(junit).absolute() if junit else None  # as pytest's junitxml takes it


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:
    node.workerinput[PRIVATE_DIR_KEY] = str(node.config.stash[_FOLDER_KEY])


def pytest_unconfigure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):
        return
    shutil.rmtree(config.stash[_FOLDER_KEY], ignore_errors=True)
    junit = config.stash[_JUNIT_KEY]
    if junit is not None and junit.is_file():
        junit.chmod(PRIVATE_FILE)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    report = yield
    kept = [(name, value) for name, value in report.user_properties if name.startswith(ARTIFACT_PREFIX)]
    if kept:
        from .hooks import woc_run

        redact = woc_run(item.config).settings.redactor()
        here = Path.cwd()  # artifacts are named relative to it (woc-gate run starts pytest elsewhere than its rootdir)
        output = here / item.config.getoption("--output", default="test-results")  # pytest-playwright's default
        for name, value in kept:
            try:
                keep_private(here / value, redact, output)
            except Exception as error:  # a file that cannot be scrubbed is not kept, whatever stopped the scrub
                (here / value).unlink(missing_ok=True)
                report.user_properties.remove((name, value))
                report.sections.append(("woc-gate", f"removed {value}: it could not be scrubbed of secrets ({error})"))
    return report
