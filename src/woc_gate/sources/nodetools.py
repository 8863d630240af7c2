"""Run woc-gate's node scripts (in ``node/``) and cache their answers by content.

A script reads one JSON request on stdin and writes ``{"result", "inputs"}`` or
``{"error": {"file", "line", "message"}}`` on stdout. An answer is cached under the hash of
the script, the tool versions in the lockfile and the request, together with the hash of
every input file the script reported reading; while none of them changes, node is not run.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from woc_gate.errors import SourceError
from woc_gate.files import write_atomically
from woc_gate.sources import nodesetup
from woc_gate.target.processes import Runner, require_program, run

NODE_DIR = Path(__file__).parent / "node"
TOOL_PACKAGES = ("@prisma/prisma-schema-wasm", "esbuild", "ts-json-schema-generator", "typescript")
PROTOCOL_SCRIPT = "protocol.mjs"
CACHE_DIR_ENV = "WOC_GATE_CACHE_DIR"
DEFAULT_TIMEOUT = 120.0
INSTALL_NODE = "install Node.js 20 or later with npm"


def default_cache_dir() -> Path:
    """Where answers are cached: ``$WOC_GATE_CACHE_DIR``, else the user's cache directory."""
    if os.environ.get(CACHE_DIR_ENV):
        return Path(os.environ[CACHE_DIR_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "woc-gate"


def location(file: str | None, line: int | None) -> str:
    """``file:line`` as far as either is known."""
    return ":".join(str(part) for part in (file, line) if part is not None)


def problem_error(problem: dict) -> SourceError:
    """The one-line error for a ``{file, line, message}`` problem a script reported."""
    where = location(problem["file"], problem["line"])
    return SourceError(f"{where}: {problem['message']}" if where else problem["message"])


@dataclass(frozen=True)
class NodeTools:
    """The installed node scripts, how to run them, and where their answers are cached."""

    cache_dir: Path = field(default_factory=default_cache_dir)
    runner: Runner | None = None  # subprocess.run unless a test counts the runs
    node_dir: Path = NODE_DIR
    timeout: float = DEFAULT_TIMEOUT

    @classmethod
    def configured(cls, cache_dir: Path | None = None, runner: Runner | None = None) -> NodeTools:
        """The tools with the given cache dir and runner, defaults for what is ``None``."""
        options: dict[str, Any] = {"cache_dir": Path(cache_dir)} if cache_dir else {}
        return cls(runner=runner, **options)

    def call(self, script: str, request: dict, *, root: Path | None = None) -> Any:
        """The result of ``node script`` for ``request``, from the cache while its inputs are unchanged.

        Paths under ``root`` are cached relative to it, so an identical copy of the source folder
        elsewhere (the reference stack copies its tree for every start) reuses the answer.
        """
        relocation = _Relocation(root)
        portable = relocation.portable(request)
        entry_path = self.cache_dir / f"{Path(script).stem}-{self._request_key(script, portable)}.json"
        cached = _read_entry(entry_path)
        if cached is not None and _inputs_unchanged(relocation.local(cached["inputs"])):
            return relocation.local(cached["result"])
        reply = self._run(script, request)
        if "error" in reply:
            raise problem_error(reply["error"])
        entry = {"inputs": _digests(reply["inputs"]), "result": reply["result"]}
        self._store(entry_path, relocation.portable(entry))
        return reply["result"]

    def _request_key(self, script: str, request: dict) -> str:
        key = hashlib.sha256()
        for name in (script, PROTOCOL_SCRIPT):
            key.update(name.encode())
            key.update((self.node_dir / name).read_bytes())
        key.update(json.dumps(_tool_versions(self.node_dir / "package-lock.json"), sort_keys=True).encode())
        key.update(json.dumps(request, sort_keys=True).encode())
        return key.hexdigest()

    def _run(self, script: str, request: dict) -> dict:
        node = require_program(["node"], INSTALL_NODE, SourceError)
        scripts = nodesetup.scripts_dir(self.node_dir, self.cache_dir, TOOL_PACKAGES)
        done = run(
            [str(node), str(scripts / script)],
            what=f"node {script}",
            advice="check the machine's load and run again",
            error=SourceError,
            runner=self.runner,
            input=json.dumps(request).encode(),
            capture_output=True,
            timeout=self.timeout,
        )
        try:
            return json.loads(done.stdout)
        except ValueError as error:
            raise SourceError(
                f"node {script} failed (exit {done.returncode}): {crash_summary(done.stderr)}; "
                f"reinstall the node tools: {nodesetup.reinstall_advice(self.node_dir, scripts)}"
            ) from error

    def _store(self, path: Path, entry: dict) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(path, json.dumps(entry))  # another xdist worker may be reading it
        except OSError as error:
            raise SourceError(
                f"cannot write the cache {path.parent}: {error.strerror}; set {CACHE_DIR_ENV} to a writable directory"
            ) from None


def crash_summary(stderr: bytes | str) -> str:
    """The line of a node program's output that names its error (``TypeError: …``), else its first line."""
    text = stderr.decode(errors="replace") if isinstance(stderr, bytes) else stderr
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if re.match(r"[A-Za-z]*Error\b", line)]
    return (errors or lines or ["no output"])[0]


@cache
def _tool_versions(lockfile: Path) -> dict[str, str]:
    try:
        packages = json.loads(lockfile.read_text())["packages"]
    except (OSError, ValueError, KeyError):
        raise SourceError(f"{lockfile} is missing or unreadable; restore it from woc-gate's source") from None
    return {name: packages.get(f"node_modules/{name}", {}).get("version", "") for name in TOOL_PACKAGES}


class _Relocation:
    """Swaps a source folder's path for a placeholder in cached JSON, and back."""

    MARK = "<woc-gate-source-root>"

    def __init__(self, root: Path | None) -> None:
        self._needle = json.dumps(str(Path(root).resolve()))[1:-1] if root else None

    def portable(self, value: Any) -> Any:
        return self._swap(value, self._needle, self.MARK)

    def local(self, value: Any) -> Any:
        return self._swap(value, self.MARK, self._needle)

    @staticmethod
    def _swap(value: Any, old: str | None, new: str | None) -> Any:
        if old is None or new is None:
            return value
        return json.loads(json.dumps(value).replace(old, new))


def _read_entry(path: Path) -> dict | None:
    try:
        return json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None


def _digest(path: str) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def _digests(paths: list[str]) -> dict[str, str | None]:
    return {path: _digest(path) for path in paths}


def _inputs_unchanged(inputs: dict[str, str | None]) -> bool:
    return all(_digest(path) == digest for path, digest in inputs.items())
