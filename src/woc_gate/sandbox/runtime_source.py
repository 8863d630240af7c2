"""A runtime-API service the tree faults and variants add: a report whose table is a TypeScript literal union.

``runtime-sql-union-table`` gives the union two tables the schema has; ``runtime-sql-union-missing-table``
gives it one the schema lacks, so that one value of the union names a table no migration created.
"""

from __future__ import annotations

from pathlib import Path

REPORTS_SERVICE = Path("apps/api/src/reports/reports.service.ts")
TEMPLATE = """\
import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../database/database.service';

/** Where tracked time is kept: the report reads one of these tables. */
export type TrackedTable = %(union)s;

@Injectable()
export class ReportsService {
  constructor(private readonly db: DatabaseService) {}

  /** Minutes tracked per user of an organization, from one of the tracked tables. */
  minutesPerUser(organizationId: string, table: TrackedTable): Promise<{ userId: string; minutes: number }[]> {
    return this.db.query(
      `SELECT userId, SUM(TIMESTAMPDIFF(MINUTE, startedAt, COALESCE(endedAt, UTC_TIMESTAMP(3)))) AS minutes
         FROM ${table}
        WHERE organizationId = ?
        GROUP BY userId`,
      [organizationId],
    );
  }
}
"""


def add_reports_service(tree: Path, tables: tuple[str, ...]) -> None:
    """Write the reports service into the tree copy, its ``TrackedTable`` union listing ``tables``."""
    path = tree / REPORTS_SERVICE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(TEMPLATE % {"union": " | ".join(f"'{table}'" for table in tables)})
