"""The node tools' packages (``node_modules``): next to the scripts in a checkout, else installed on first use.

A checkout has them beside the scripts (``scripts/setup`` runs ``npm ci`` there). An installed wheel
carries only the scripts, ``package.json`` and the lockfile: the first run copies the two into
``<cache>/node-tools/<hash of both>/`` and runs ``npm ci`` there, once for all xdist workers (a file
lock). Node resolves an ES module's imports from the script's folder upwards, so the scripts are
copied below the packages, into a folder named for their own hash.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Iterable
from pathlib import Path

from filelock import FileLock

from woc_gate.errors import SourceError
from woc_gate.target.processes import require_program, run

MANIFESTS = ("package.json", "package-lock.json")
INSTALL_TIMEOUT = 600.0
NPM_CI = ("ci", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error")
NPM_ADVICE = "check the network or npm's registry settings and run again"
NPM_MESSAGE = re.compile(r"npm (?:error|ERR!) (?!(?:code|errno|syscall|path|dest) )(\S.*)")


def scripts_dir(node_dir: Path, cache_dir: Path, packages: Iterable[str]) -> Path:
    """A folder with the scripts of ``node_dir`` where ``packages`` resolve: ``node_dir`` or its copy in the cache."""
    packages = tuple(packages)
    if has_packages(node_dir, packages):
        return node_dir
    home = cache_dir / "node-tools" / _digest(node_dir, MANIFESTS)
    scripts = sorted(path.name for path in node_dir.glob("*.mjs"))
    copy = home / "scripts" / _digest(node_dir, scripts)
    try:
        home.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(f"{home}.lock"):
            if not has_packages(home, packages):
                _install(node_dir, home)
            if not copy.is_dir():
                _copy_atomically(node_dir, scripts, copy)
    except OSError as error:
        raise SourceError(
            f"cannot install woc-gate's node tools in {home}: {error.strerror}; "
            "set WOC_GATE_CACHE_DIR to a writable directory"
        ) from None
    return copy


def reinstall_advice(node_dir: Path, scripts: Path) -> str:
    """How to reinstall the packages that the scripts in ``scripts`` (from ``scripts_dir``) use."""
    if scripts == node_dir:
        return f"run npm ci --prefix {node_dir}"
    return f"remove {scripts.parents[1]} and run again"


def has_packages(folder: Path, packages: tuple[str, ...]) -> bool:
    """True when every package is installed in ``folder/node_modules``."""
    return all((folder / "node_modules" / name / "package.json").is_file() for name in packages)


def _install(node_dir: Path, home: Path) -> None:
    npm = require_program(
        ["npm"],
        "install Node.js 20 or later with npm (woc-gate installs its node tools with npm ci on first use)",
        SourceError,
    )
    staging = home.with_name(home.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    _copy_atomically(node_dir, MANIFESTS, staging)
    done = run(
        [str(npm), *NPM_CI],
        what=f"npm ci installing woc-gate's node tools in {home}",
        advice=NPM_ADVICE,
        error=SourceError,
        cwd=staging,
        capture_output=True,
        timeout=INSTALL_TIMEOUT,
    )
    if done.returncode != 0:
        raise SourceError(
            f"npm ci failed (exit {done.returncode}) installing woc-gate's node tools in {home}: "
            f"{_first_error(done.stderr)}; {NPM_ADVICE}"
        )
    shutil.rmtree(home, ignore_errors=True)
    staging.rename(home)


def _copy_atomically(source: Path, names: Iterable[str], destination: Path) -> None:
    partial = destination.with_name(destination.name + ".copying")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    for name in names:
        shutil.copy(source / name, partial / name)
    partial.rename(destination)


def _digest(folder: Path, names: Iterable[str]) -> str:
    digest = hashlib.sha256()
    for name in names:
        digest.update(name.encode() + b"\0" + (folder / name).read_bytes())
    return digest.hexdigest()[:16]


def _first_error(stderr: bytes) -> str:
    """npm's first line that says what went wrong (after its ``code``, ``errno``… lines), without the prefix."""
    lines = [line.strip() for line in stderr.decode(errors="replace").splitlines() if line.strip()]
    matches = (NPM_MESSAGE.match(line) for line in lines)
    return next((match.group(1) for match in matches if match), lines[0] if lines else "no output")
