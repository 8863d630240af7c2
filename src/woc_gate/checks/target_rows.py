"""What the target's rows say about a pending statement, asked in its read-only session.

Row estimates come from ``information_schema.TABLES``; InnoDB's estimate can read 0 for a table with
rows, so whether a table or column holds data, and whether a table is above a row threshold, is asked
of the rows themselves (counted no further than the threshold).
"""

from __future__ import annotations

from woc_gate.checks.schema_changes import Source
from woc_gate.target.db import Session, query


class TargetRows:
    """Counts and existence questions about the target's tables and columns."""

    def __init__(self, session: Session) -> None:
        self.session = session
        rows = query(
            session,
            "SELECT TABLE_NAME AS name, COALESCE(TABLE_ROWS, 0) AS estimate FROM information_schema.TABLES"
            " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'",
        )
        self.estimates = {row["name"]: int(row["estimate"]) for row in rows}

    def estimate(self, table: str) -> int:
        """``TABLE_ROWS`` of the table."""
        return self.estimates.get(table, 0)

    def rows_up_to(self, table: str, limit: int) -> int:
        """How many rows the table holds, counted up to ``limit + 1``; beyond that InnoDB's estimate if larger."""
        counted = self._count(
            f"SELECT COUNT(*) AS n FROM (SELECT 1 FROM {_name(table)} LIMIT {limit + 1}) AS first_rows"
        )
        return max(counted, self.estimate(table)) if counted > limit else counted

    def holds_rows(self, table: str) -> bool:
        """Whether the table has a row."""
        return self._exists(f"SELECT 1 FROM {_name(table)}")

    def holds_values(self, source: Source) -> bool:
        """Whether a row holds a value (not NULL) in the column."""
        if source.column is None:
            return source.default is not None and self.holds_rows(source.table)
        return self._exists(f"SELECT 1 FROM {_name(source.table)} WHERE {_name(source.column)} IS NOT NULL")

    def nulls(self, source: Source) -> int:
        """How many rows hold NULL in the column."""
        if source.column is None:
            return 0 if source.default is not None else self._count(f"SELECT COUNT(*) AS n FROM {_name(source.table)}")
        return self._count(f"SELECT COUNT(*) AS n FROM {_name(source.table)} WHERE {_name(source.column)} IS NULL")

    def duplicates(self, sources: list[Source]) -> tuple[int, int]:
        """How many values of the columns repeat, and over how many rows (a value with a NULL never clashes)."""
        if any(source.column is None and source.default is None for source in sources):
            return 0, 0
        columns = [_name(source.column) for source in sources if source.column is not None]  # the rest: one value
        grouped = f" WHERE {' AND '.join(f'{c} IS NOT NULL' for c in columns)} GROUP BY {', '.join(columns)}"
        row = query(
            self.session,
            f"SELECT COUNT(*) AS value_count, COALESCE(SUM(n), 0) AS n FROM (SELECT COUNT(*) AS n"
            f" FROM {_name(sources[0].table)}{grouped if columns else ''} HAVING COUNT(*) > 1) AS repeated_values",
        )[0]
        return int(row["value_count"]), int(row["n"])

    def orphans(self, children: list[Source], parents: list[Source]) -> int:
        """How many rows reference no row of the parent (a reference with a NULL references none)."""
        if any(source.column is None for source in (*children, *parents)):
            return 0  # a new column holds its default, which no parent row is known to hold
        pairs = zip(children, parents, strict=True)
        joined = " AND ".join(f"c.{_name(child.column)} = p.{_name(parent.column)}" for child, parent in pairs)
        not_null = " AND ".join(f"c.{_name(child.column)} IS NOT NULL" for child in children)
        return self._count(
            f"SELECT COUNT(*) AS n FROM {_name(children[0].table)} AS c LEFT JOIN {_name(parents[0].table)} AS p"
            f" ON {joined} WHERE {not_null} AND p.{_name(parents[0].column)} IS NULL"
        )

    def size(self, table: str) -> str:
        """The table's size as a finding shows it: ``~1200 rows``, else whether it holds rows."""
        estimate = self.estimate(table)
        return f"~{estimate} rows" if estimate else ("holds rows" if self.holds_rows(table) else "empty")

    def _exists(self, select: str) -> bool:
        return bool(query(self.session, f"SELECT EXISTS({select}) AS found")[0]["found"])

    def _count(self, select: str) -> int:
        return int(query(self.session, select)[0]["n"])


def _name(identifier: str) -> str:
    return "`" + identifier.replace("`", "``") + "`"
