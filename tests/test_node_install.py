"""woc_gate.sources.nodesetup: node tools without node_modules (as in a wheel) are installed on first use."""

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from woc_gate.errors import SourceError
from woc_gate.sources import nodesetup
from woc_gate.sources.nodetools import NODE_DIR, TOOL_PACKAGES, NodeTools

pytestmark = pytest.mark.slow  # each test installs node packages into a fresh cache

UNCONVERTIBLE = Path(__file__).parent / "data" / "shared_unconvertible"


@pytest.fixture
def bare_node_dir(tmp_path):
    """The node scripts, package.json and lockfile as a wheel carries them: no node_modules."""
    node_dir = tmp_path / "node"
    node_dir.mkdir()
    for path in [*NODE_DIR.glob("*.mjs"), NODE_DIR / "package.json", NODE_DIR / "package-lock.json"]:
        shutil.copy(path, node_dir)
    return node_dir


def test_a_checkout_with_node_modules_runs_its_scripts_in_place(tmp_path):
    assert nodesetup.scripts_dir(NODE_DIR, tmp_path, TOOL_PACKAGES) == NODE_DIR
    assert list(tmp_path.iterdir()) == []


def test_missing_node_modules_are_installed_into_the_cache_on_first_use(bare_node_dir, tmp_path):
    tools = NodeTools(cache_dir=tmp_path / "cache", node_dir=bare_node_dir)
    reply = tools.call("constants.mjs", {"entry": str(UNCONVERTIBLE / "src" / "index.ts")})
    assert reply["values"]["ROLE_DEFAULTS"]["MEMBER"] == ["users.read"]
    [home] = [path for path in (tmp_path / "cache" / "node-tools").iterdir() if path.is_dir()]
    assert nodesetup.has_packages(home, TOOL_PACKAGES)
    [scripts] = (home / "scripts").iterdir()
    assert sorted(path.name for path in scripts.iterdir()) == sorted(path.name for path in NODE_DIR.glob("*.mjs"))
    assert not (bare_node_dir / "node_modules").exists()


def test_two_workers_at_once_install_once(bare_node_dir, tmp_path):
    with ThreadPoolExecutor(max_workers=2) as pool:
        first, second = pool.map(lambda _: nodesetup.scripts_dir(bare_node_dir, tmp_path, TOOL_PACKAGES), range(2))
    assert first == second
    assert sorted(path.suffix for path in (tmp_path / "node-tools").iterdir()) == ["", ".lock"]


def test_changed_scripts_reuse_the_installed_packages(bare_node_dir, tmp_path):
    before = nodesetup.scripts_dir(bare_node_dir, tmp_path, TOOL_PACKAGES)
    (bare_node_dir / "protocol.mjs").write_text((bare_node_dir / "protocol.mjs").read_text() + "\n// changed\n")
    after = nodesetup.scripts_dir(bare_node_dir, tmp_path, TOOL_PACKAGES)
    assert before != after and before.parents[1] == after.parents[1]
    assert (after / "protocol.mjs").read_text().endswith("// changed\n")


def test_missing_npm_says_what_to_install(bare_node_dir, tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "node").symlink_to(shutil.which("node"))
    monkeypatch.setenv("PATH", str(bin_dir))
    with pytest.raises(SourceError) as raised:
        NodeTools(cache_dir=tmp_path / "cache", node_dir=bare_node_dir).call("constants.mjs", {})
    assert str(raised.value) == (
        "npm was not found on PATH; install Node.js 20 or later with npm "
        "(woc-gate installs its node tools with npm ci on first use)"
    )


def test_a_failed_npm_ci_names_its_error(bare_node_dir, tmp_path):
    manifest = bare_node_dir / "package.json"
    manifest.write_text(manifest.read_text().replace('"esbuild": "0.28.2"', '"esbuild": "0.27.0"'))
    with pytest.raises(SourceError) as raised:
        nodesetup.scripts_dir(bare_node_dir, tmp_path, TOOL_PACKAGES)
    message = str(raised.value)
    home = tmp_path / "node-tools" / nodesetup._digest(bare_node_dir, nodesetup.MANIFESTS)
    assert message.startswith(
        f"npm ci failed (exit 1) installing woc-gate's node tools in {home}: `npm ci` can only install packages "
        "when your package.json and package-lock.json or npm-shrinkwrap.json are in sync."
    )
    assert message.endswith("; check the network or npm's registry settings and run again")
    assert "\n" not in message


def test_an_unwritable_cache_dir_says_how_to_move_it(bare_node_dir, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(SourceError) as raised:
        nodesetup.scripts_dir(bare_node_dir, blocker / "cache", TOOL_PACKAGES)
    assert str(raised.value) == (
        f"cannot install woc-gate's node tools in {blocker}/cache/node-tools/"
        f"{nodesetup._digest(bare_node_dir, nodesetup.MANIFESTS)}: Not a directory; "
        "set WOC_GATE_CACHE_DIR to a writable directory"
    )


def test_a_crash_of_an_installed_copy_says_to_remove_it(bare_node_dir, tmp_path):
    with pytest.raises(SourceError) as raised:
        NodeTools(cache_dir=tmp_path, node_dir=bare_node_dir).call("constants.mjs", {})
    [home] = [path for path in (tmp_path / "node-tools").iterdir() if path.is_dir()]
    assert str(raised.value).endswith(f"; reinstall the node tools: remove {home} and run again")
