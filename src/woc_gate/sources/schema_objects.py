"""The events, routines, triggers and views that Prisma migration scripts create (raw SQL: ``schema.prisma`` has none).

The scripts are read in order; a later ``DROP`` takes back an earlier ``CREATE``. Strings and
comments are blanked first, so a name quoted in either is not taken for a statement.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from woc_gate.sources.prisma import Migration

_KIND = r"(EVENT|FUNCTION|PROCEDURE|TRIGGER|VIEW)"
_NAME = r"((?:`[^`]+`|\w+)(?:\s*\.\s*(?:`[^`]+`|\w+))?)"
CREATE = re.compile(
    r"\bCREATE\s+(?:OR\s+REPLACE\s+)?(?:ALGORITHM\s*=\s*\w+\s+)?(?:DEFINER\s*=\s*\S+\s+)?"
    rf"(?:SQL\s+SECURITY\s+\w+\s+)?(?:AGGREGATE\s+)?{_KIND}\s+(?:IF\s+NOT\s+EXISTS\s+)?{_NAME}",
    re.IGNORECASE,
)
DROP = re.compile(rf"\bDROP\s+{_KIND}\s+(?:IF\s+EXISTS\s+)?{_NAME}", re.IGNORECASE)
BLANKED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|(?:--\s|#)[^\n]*|/\*.*?\*/", re.DOTALL)


def schema_object(kind: str, name: str) -> str:
    """How an object is named in reports and manifests: ``trigger woc_screenshots_guard``."""
    return f"{kind.lower()} {name}"


def created_by_migrations(migrations: Iterable[Migration]) -> dict[str, str]:
    """Every object the scripts leave created, each with the migration that created it last."""
    created: dict[str, str] = {}
    for migration in migrations:
        script = BLANKED.sub(" ", migration.sql_path.read_text(encoding="utf-8", errors="replace"))
        statements = sorted([*CREATE.finditer(script), *DROP.finditer(script)], key=lambda found: found.start())
        for found in statements:
            name = re.split(r"\s*\.\s*", found.group(2))[-1].strip("`")
            key = schema_object(found.group(1), name)
            if found.re is CREATE:
                created[key] = migration.name
            else:
                created.pop(key, None)
    return created
