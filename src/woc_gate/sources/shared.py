"""The shared contracts of ``packages/shared``: exported types as JSON schemas, constants as values.

Types are converted by ts-json-schema-generator, constants evaluated from an esbuild bundle,
both on first use and cached by content (see ``nodetools``). A type that cannot be converted
raises its error only when that type is asked for.
"""

from __future__ import annotations

import copy
from functools import cached_property
from pathlib import Path
from typing import Any

from woc_gate.errors import SourceError
from woc_gate.sources.nodetools import NodeTools, Runner, problem_error

ENTRY = Path("src") / "index.ts"
TSCONFIG = "tsconfig.json"


def load_shared(package_dir: Path, *, cache_dir: Path | None = None, runner: Runner | None = None) -> SharedSource:
    """The shared package at ``package_dir`` (the checkout's ``packages/shared``), read lazily."""
    package_dir = Path(package_dir).resolve()
    entry = package_dir / ENTRY
    if not entry.is_file():
        raise SourceError(
            f"{entry} not found: {package_dir} is not a shared package with the entry {ENTRY.as_posix()}; "
            "point woc-gate at the packages/shared folder of a WorkOnClock checkout"
        )
    tsconfig = package_dir / TSCONFIG
    return SharedSource(entry, tsconfig if tsconfig.is_file() else None, NodeTools.configured(cache_dir, runner))


class SharedSource:
    """The exported types and constants of one shared package."""

    def __init__(self, entry: Path, tsconfig: Path | None, tools: NodeTools) -> None:
        self.entry = entry
        self._package_dir = entry.parent.parent
        self._tsconfig = tsconfig
        self._tools = tools

    @property
    def type_names(self) -> tuple[str, ...]:
        """The names of the exported types, convertible or not, sorted."""
        return tuple(sorted(self._types))

    def schema(self, type_name: str) -> dict:
        """A standalone draft-07 JSON schema of the exported type ``type_name``."""
        converted = self._types.get(type_name)
        if converted is None:
            raise SourceError(
                f"{self.entry} exports no type {type_name}; exported types: {', '.join(self.type_names) or 'none'}"
            )
        if "error" in converted:
            problem = converted["error"]
            message = f"type {type_name} cannot be converted to a JSON schema: {problem['message']}"
            raise problem_error({**problem, "message": message})
        return copy.deepcopy(converted["schema"])

    def constant(self, name: str) -> Any:
        """The evaluated value of the exported constant ``name``."""
        if name in self._constants["values"]:
            return copy.deepcopy(self._constants["values"][name])
        if name in self._constants["other"]:
            raise SourceError(f"{self.entry}: the export {name} is not a JSON value (a function, class or the like)")
        known = ", ".join(sorted(self._constants["values"])) or "none"
        raise SourceError(f"{self.entry} exports no constant {name}; exported constants: {known}")

    @cached_property
    def _types(self) -> dict[str, dict]:
        tsconfig = str(self._tsconfig) if self._tsconfig else None
        request = {"entry": str(self.entry), "tsconfig": tsconfig}
        return self._tools.call("schema.mjs", request, root=self._package_dir)["types"]

    @cached_property
    def _constants(self) -> dict[str, Any]:
        return self._tools.call("constants.mjs", {"entry": str(self.entry)}, root=self._package_dir)
