"""Loading the plugin imports none of the heavy libraries: they load inside the fixtures that need them."""

import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow  # pytest in subprocesses with other plugin orders

HEAVY = ("playwright", "deepdiff", "PIL", "boto3", "botocore", "lief", "gnupg", "httpx", "pymysql", "jsonschema")
HEAVY += ("sqlglot", "sslyze", "woc_gate.sandbox", "woc_gate.target.clients", "woc_gate.checks.desktop")
# pytest-playwright's own plugin imports playwright; it is left out so that only woc-gate's imports are seen
LOADED = """
import sys, pytest
pytest.main(["--collect-only", "-q", "-p", "no:cacheprovider", "-p", "no:playwright"])
print("\\n".join(sorted(sys.modules)))
"""


def test_loading_the_plugin_imports_no_heavy_library(tmp_path):
    done = subprocess.run([sys.executable, "-c", LOADED], cwd=tmp_path, capture_output=True, text=True, check=True)
    loaded = set(done.stdout.split())
    assert "woc_gate.plugin.hooks" in loaded
    assert sorted(name for name in loaded if name.split(".")[0] in HEAVY or name.startswith(HEAVY)) == []


def test_the_browser_fixtures_are_woc_gates_whichever_plugin_loads_first(tmp_path):
    """woc-gate loaded before pytest-playwright (as an unlucky order of installed distributions does) still wins."""
    (tmp_path / "test_launch.py").write_text("def test_launch(browser_type_launch_args, new_context): pass\n")
    for order in ([], ["-p", "no:woc_gate", "-p", "woc_gate.plugin.hooks"]):
        shown = subprocess.run(
            [sys.executable, "-m", "pytest", "--fixtures-per-test", "-p", "no:cacheprovider", *order],
            cwd=tmp_path,
            capture_output=True,
            text=True,
        )
        used = [
            line for line in shown.stdout.splitlines() if line.startswith(("browser_type_launch_args", "new_context"))
        ]
        assert len(used) == 2 and all("woc_gate/plugin/browser.py" in line for line in used), shown.stdout
