"""The drill's ``object_keys`` validation: every ``objectKey`` of the restored screenshots names an object in storage.

Storage is read once (``target.storage``): from the bucket's S3 Inventory report, a listing, or a folder walk; the
restored rows' keys are streamed past it once (``checks.restore.compare_object_keys``), never all in memory. A
report knows only the objects written before it began: the rows created since are not judged (counted), and a
report much older than the backup fails the validation, since it leaves too many rows unjudged.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from ..checks import restore as checks
from ..target.storage import StoredObjects

if TYPE_CHECKING:
    from .drill import DrillResult

READ_FROM = {"inventory": "the S3 inventory", "listing": "a listing", "folder": "a walk"}
ORPHANS_KEPT = 100  # objects without a row the result names (all are counted)
# S3 Inventory is eventually consistent: a report may miss objects written shortly before it began
INVENTORY_LAG = dt.timedelta(hours=1)


def validate(
    connection, table: str, storage: StoredObjects, backed_up_at: str, max_age_hours: int, result: DrillResult
) -> None:
    """Every objectKey storage can answer for names an object; what was read, and the objects without a row, go
    into ``result``."""
    __tracebackhide__ = True
    created = storage.inventory_created_at
    rows = checks.screenshot_keys(connection, table, created - INVENTORY_LAG if created else None)
    found = checks.compare_object_keys(rows, storage.keys)
    result.orphan_objects = found.unnamed[:ORPHANS_KEPT]
    result.object_storage = storage.figures() | {
        "objects_without_a_row": len(found.unnamed),
        "rows_not_judged": found.rows - found.judged,
    }
    backup = dt.datetime.fromisoformat(backed_up_at)
    if created is not None:
        result.object_storage["inventory_hours_before_backup"] = round((backup - created).total_seconds() / 3600, 1)
    checks.every_object_key_in_storage(found.missing, storage.named, table)
    if created is not None:
        checks.inventory_covers_the_backup(created, backup, max_age_hours, storage.inventory)


def objects_read(figures: dict) -> str:
    """What the drill read of screenshot storage, for a terminal: how many objects, from what, how fast."""
    line = f"objects: {figures['objects']:,} read from {READ_FROM[figures['source']]} of {figures['where']}"
    line += f" in {figures['seconds']} s"
    if figures.get("objects_per_second"):
        line += f" ({figures['objects_per_second']:,} objects/s)"
    if "inventory" in figures:
        line += f": {figures['inventory']}, begun {figures['inventory_created_at']}"
    if "inventory_hours_before_backup" in figures:
        hours = figures["inventory_hours_before_backup"]
        line += f", {abs(hours)} h {'before' if hours >= 0 else 'after'} the backup"
    if figures.get("rows_not_judged"):
        line += f"; {figures['rows_not_judged']:,} screenshot row(s) newer than the report not judged"
    return line
