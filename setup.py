"""Build step: the wheel carries the gate tests, their pytest.ini and the reference tree as ``woc_gate/_suite``.

The checkout's top-level folders stay the source of truth (``pytest -m gate`` runs there). Every
file under them is copied whole into the build and listed for the sdist, so files added later
(conftest.py, data, sub-folders) travel without editing a list. ``woc_gate.suite`` finds either copy.
"""

import configparser
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

PACKAGED_SUITE = Path("woc_gate", "_suite")
SUITE_FILES = ("pytest.ini", "conftest.py")
DATA_FOLDERS = ("fixtures",)  # the reference WorkOnClock tree and its seed
NOT_SHIPPED = {"__pycache__", "node_modules", ".pytest_cache", ".hypothesis", ".woc-gate-sandbox"}


def gate_test_folders() -> list[str]:
    """The ``testpaths`` of pytest.ini: contracts, smoke, tenant, restore, migration, readiness."""
    ini = configparser.ConfigParser()
    ini.read("pytest.ini")
    return ini.get("pytest", "testpaths").split()


def suite_files() -> list[Path]:
    """Every file of the suite's tree, relative to the checkout."""
    files = [Path(name) for name in SUITE_FILES if Path(name).is_file()]
    for folder in [*gate_test_folders(), *DATA_FOLDERS]:
        files += sorted(
            path
            for path in Path(folder).rglob("*")
            if path.is_file() and not NOT_SHIPPED.intersection(path.parts) and path.suffix != ".pyc"
        )
    return files


class BuildPyWithSuite(build_py):
    """build_py that also copies the suite's tree into ``woc_gate/_suite`` (not for editable installs)."""

    def run(self):
        super().run()
        if self.editable_mode:  # an editable install runs from the checkout, which has the tree itself
            return
        for source in suite_files():
            target = Path(self.build_lib) / PACKAGED_SUITE / source
            self.mkpath(str(target.parent))
            self.copy_file(str(source), str(target))

    def get_source_files(self):
        return [*super().get_source_files(), *map(str, suite_files())]


setup(cmdclass={"build_py": BuildPyWithSuite})
