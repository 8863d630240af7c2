"""The runtime API's SQL, read from its TypeScript with the compiler API (node script ``sql.mjs``).

Every call to one of the query methods (``query``, ``execute`` by default) gives its statements: the
text of a string literal; for a template or concatenation whose substitutions are constants or of a
literal union type, one statement per combination of their values (``binding`` says which); otherwise
the source of the expression that builds it at run time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from woc_gate.errors import SourceError
from woc_gate.sources.nodetools import NodeTools


@dataclass(frozen=True)
class RuntimeStatement:
    """One SQL statement of the runtime API, or the expression that builds it at run time (``sql`` is None)."""

    file: str
    line: int
    method: str
    sql: str | None
    expression: str | None
    binding: str | None = None  # the values substituted into this statement: "table = 'woc_projects'"


def source_files(repo: Path, globs: str) -> list[Path]:
    """The files the comma-separated ``globs`` name under ``repo``, sorted."""
    patterns = [pattern.strip() for pattern in globs.split(",") if pattern.strip()]
    files = sorted({path for pattern in patterns for path in repo.glob(pattern) if path.is_file()})
    if not files:
        raise SourceError(
            f"no runtime API source matches {globs} under {repo}; set [layout] runtime_sql in the profile"
        )
    return files


def runtime_statements(
    repo: Path, globs: str, methods: str, *, cache_dir: Path | None = None
) -> list[RuntimeStatement]:
    """Every statement passed to one of the comma-separated query ``methods`` in the files ``globs`` names."""
    files = [str(path.resolve()) for path in source_files(repo, globs)]
    wanted = [method.strip() for method in methods.split(",") if method.strip()]
    found = NodeTools.configured(cache_dir).call("sql.mjs", {"files": files, "methods": wanted}, root=repo.resolve())
    return [RuntimeStatement(**entry) for entry in found]
