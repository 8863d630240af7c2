"""woc-gate built as an sdist and a wheel, installed into a fresh virtualenv outside the checkout, run from a
temporary directory (the slow packaging test: about a minute; select it with -m packaging, skip it with
-m "not slow")."""

import configparser
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from filelock import FileLock

pytestmark = [pytest.mark.packaging, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
NOT_SOURCES = (".venv", ".git", "node_modules", "__pycache__", "build", "dist", "*.egg-info", ".woc-gate-sandbox")
NOT_SOURCES += (".hypothesis", ".pytest_cache", ".helpers", "gate-report.*")
SUITE = "woc_gate/_suite/"


def suite_files() -> set[str]:
    """The checkout's pytest.ini, gate-test folders and fixtures: what the wheel must carry, relative paths."""
    ini = configparser.ConfigParser()
    ini.read(ROOT / "pytest.ini")
    folders = [*ini.get("pytest", "testpaths").split(), "fixtures"]
    files = {"pytest.ini"} | ({"conftest.py"} if (ROOT / "conftest.py").is_file() else set())
    for folder in folders:
        files |= {
            path.relative_to(ROOT).as_posix()
            for path in (ROOT / folder).rglob("*")
            if path.is_file() and "__pycache__" not in path.parts
        }
    return files


def run(*command, cwd: Path, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def packaging_dir(tmp_path_factory, worker_id) -> Path:
    """A folder the xdist workers share, so the wheel is built and installed once per run."""
    base = tmp_path_factory.getbasetemp()
    return (base if worker_id == "master" else base.parent) / "packaging"


@pytest.fixture(scope="module")
def dist(packaging_dir) -> Path:
    """The sdist, and the wheel built from it, of a copy of the checkout's sources; and a venv with the wheel."""
    with FileLock(f"{packaging_dir}.lock"):
        if not (packaging_dir / "ready").is_file():
            shutil.rmtree(packaging_dir, ignore_errors=True)
            _build(packaging_dir)
            _install(packaging_dir / "dist", packaging_dir / "venv")
            _install(packaging_dir / "dist", packaging_dir / "sandbox-venv", extra="[sandbox]")
            (packaging_dir / "ready").touch()
    return packaging_dir / "dist"


@pytest.fixture(scope="module")
def venv(dist) -> Path:
    """A fresh virtualenv (no system site-packages) with the wheel and its pinned dependencies, as an operator has."""
    return dist.parent / "venv"


@pytest.fixture(scope="module")
def sandbox_venv(dist) -> Path:
    """Likewise, with the reference stack's extra (``woc-gate[sandbox]``)."""
    return dist.parent / "sandbox-venv"


def _build(work: Path) -> None:
    sources = shutil.copytree(ROOT, work / "sources", ignore=shutil.ignore_patterns(*NOT_SOURCES))
    built = run(sys.executable, "-m", "build", "--outdir", str(work / "dist"), str(sources), cwd=work)
    assert built.returncode == 0, built.stdout + built.stderr


def _install(dist: Path, venv: Path, extra: str = "") -> None:
    """A fresh venv on the base interpreter, with pip as ``python -m venv`` makes it, and the wheel with its pinned
    dependencies, installed by uv: what pip would install, in seconds rather than half a minute per venv."""
    uv = str(Path(sys.executable).with_name("uv"))
    created = run(uv, "venv", "--seed", "--quiet", "--python", sys.executable, str(venv), cwd=dist)
    assert created.returncode == 0, created.stdout + created.stderr
    [wheel] = dist.glob("*.whl")
    installed = run(
        uv, "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"), f"{wheel}{extra}", cwd=dist
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr


@pytest.fixture
def operator_env(packaging_dir) -> dict:
    """An environment with no trace of the checkout, and a woc-gate cache the packaging tests share (empty at first).

    The first of them to need the node tools or a stack template installs or builds it there, as an operator's
    first run does; the others reuse it, as an operator's later runs do.
    """
    leaks = ("PYTHON", "PYTEST_", "WOC_GATE_", "VIRTUAL_ENV")
    env = {key: value for key, value in os.environ.items() if not key.startswith(leaks)}
    return env | {"WOC_GATE_CACHE_DIR": str(packaging_dir / "operator-cache")}


def installed_package(venv: Path) -> Path:
    [site_packages] = venv.glob("lib/python3*/site-packages")
    return site_packages / "woc_gate"


def test_the_wheel_carries_the_gate_tests_the_reference_tree_and_the_node_tools_without_node_modules(dist):
    [wheel] = dist.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {name.removeprefix(SUITE) for name in names if name.startswith(SUITE)} == suite_files()
    node_files = {name for name in names if name.startswith("woc_gate/sources/node/")}
    assert {Path(name).name for name in node_files} >= {"package.json", "package-lock.json", "schema.mjs"}
    assert not [name for name in names if "node_modules" in name or "__pycache__" in name]


def test_the_sdist_carries_the_suites_tree(dist):
    [sdist] = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.partition("/")[2] for name in archive.getnames()}
    assert suite_files() <= names
    assert "setup.py" in names


def test_the_installed_package_is_the_wheels_not_the_checkouts(venv, tmp_path, operator_env):
    code = "import woc_gate.suite as s; print(s.SUITE_ROOT)"
    found = run(str(venv / "bin" / "python"), "-c", code, cwd=tmp_path, env=operator_env)
    assert found.stdout.strip() == str(installed_package(venv) / "_suite")


def test_without_the_sandbox_extra_nothing_of_the_reference_stack_is_installed_and_sandbox_says_how_to_add_it(
    venv, tmp_path, operator_env
):
    for module in ("starlette", "uvicorn", "moto"):
        assert not list(installed_package(venv).parent.glob(f"{module}*")), module
    done = run(str(venv / "bin" / "woc-gate"), "run", "--sandbox", cwd=tmp_path, env=operator_env)
    assert done.returncode == pytest.ExitCode.USAGE_ERROR, done.stdout + done.stderr
    assert [line for line in done.stderr.splitlines() if line] == [
        "ERROR: woc-gate: the reference stack needs woc-gate's sandbox extra (starlette, uvicorn, multipart, jwt, "
        "itsdangerous, tomli_w, moto not installed): pip install 'woc-gate[sandbox]'"
    ]


def test_run_sandbox_from_a_temporary_directory_installs_the_node_tools_and_writes_both_reports(
    sandbox_venv, tmp_path, operator_env
):
    venv = sandbox_venv
    cwd = tmp_path / "operator"
    cwd.mkdir()
    done = run(str(venv / "bin" / "woc-gate"), "run", "--sandbox", "-k", "prisma_role_key", cwd=cwd, env=operator_env)
    assert done.returncode == 1, done.stdout + done.stderr  # one contract proven, the gate still blocked
    assert f"rootdir: {installed_package(venv) / '_suite'}" in done.stdout
    assert "configfile: pytest.ini" in done.stdout
    assert "RELEASE GATE BLOCKED: 11 of 11 items not proven" in done.stdout
    assert re.search(r"\b1 passed, \d+ deselected", done.stdout), done.stdout
    assert "\ncontracts/test_prisma_shared.py ." in done.stdout and "../" not in done.stdout  # ids of the suite
    assert "warnings summary" not in done.stdout
    assert sorted(path.name for path in cwd.iterdir()) == [
        ".woc-gate",
        "gate-report.html",
        "gate-report.json",
        "gate-report.md",
    ]
    assert json.loads((cwd / "gate-report.json").read_text())["target"]["kind"] == "sandbox"
    cache = Path(operator_env["WOC_GATE_CACHE_DIR"])
    assert len(list((cache / "node-tools").glob("*/node_modules/typescript"))) == 1
    assert not (installed_package(venv) / "sources" / "node" / "node_modules").exists()
    assert not (installed_package(venv) / "_suite" / ".pytest_cache").exists()  # -p no:cacheprovider applies


def test_without_the_extra_run_with_a_profile_written_by_sandbox_up_proves_the_schema_contracts(
    venv, sandbox_venv, tmp_path, operator_env
):
    cwd = tmp_path / "operator"
    cwd.mkdir()
    state = tmp_path / "stack"
    stack_command = str(sandbox_venv / "bin" / "woc-gate")
    up = run(stack_command, "sandbox", "up", "--state", str(state), cwd=cwd, env=operator_env)
    assert up.returncode == 0, up.stdout + up.stderr
    try:
        shutil.copy(state / "profile.toml", cwd / "staging.toml")
        woc_gate = str(venv / "bin" / "woc-gate")
        done = run(woc_gate, "run", "--woc-config", "staging.toml", "-k", "contracts", cwd=cwd, env=operator_env)
    finally:
        run(stack_command, "sandbox", "down", "--state", str(state), cwd=cwd, env=operator_env)
    assert done.returncode == 1, done.stdout + done.stderr  # schema-contracts proven, other items not yet
    assert [line.split()[:2] for line in done.stdout.splitlines() if line.startswith("schema-contracts")] == [
        ["schema-contracts", "PASS"]
    ]
    assert "RELEASE GATE BLOCKED: 10 of 11 items not proven" in done.stdout
    record = json.loads((cwd / "gate-report.json").read_text())
    assert record["target"]["kind"] == "configured"
    assert (cwd / "gate-report.md").is_file()
    assert 'id="item-schema-contracts"' in (cwd / "gate-report.html").read_text()  # the template is in the wheel
