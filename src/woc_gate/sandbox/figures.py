"""What a running stack holds, left in its state dir (``figures.json``) for ``sandbox up`` and ``status`` to print.

Rows and objects are counted as the seed made them (a fault may remove one); the bytes are measured:
the objects' folder with ``du``, the bucket as it was filled, the database as its server counts it.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from woc_gate.sandbox.target_profile import write_private

FIGURES_FILE = "figures.json"
MAIN_TABLES = ("woc_organizations", "woc_users", "woc_projects", "woc_time_entries", "woc_screenshots")


@dataclass(frozen=True)
class Figures:
    """Rows by table and objects as seeded, where the objects are, and what they and the database take."""

    rows: dict[str, int]
    objects: int
    object_bytes: int
    storage: str  # "the folder DIR" or "the bucket NAME"
    storage_disk_bytes: int | None  # the objects' folder on disk; None for a bucket
    database_bytes: int  # data and indexes, as the server counts them

    def lines(self) -> list[str]:
        """The figures as ``sandbox up`` prints them."""
        main = ", ".join(f"{self.rows.get(table, 0):,} {table.removeprefix('woc_')}" for table in MAIN_TABLES)
        on_disk = f" ({_size(self.storage_disk_bytes)} on disk)" if self.storage_disk_bytes is not None else ""
        return [
            f"rows:     {main} ({sum(self.rows.values()):,} in all)",
            f"objects:  {self.objects:,} screenshots, {_size(self.object_bytes)}{on_disk} in {self.storage}",
            f"database: {_size(self.database_bytes)} of data and indexes",
        ]


def on_disk(seeded: dict, storage_dir: Path, database_bytes: int) -> Figures:
    """The figures of a stack whose objects are files in ``storage_dir``."""
    return Figures(
        rows=seeded["counts"],
        objects=seeded["objects"],
        object_bytes=seeded["object_bytes"],
        storage=f"the folder {storage_dir}",
        storage_disk_bytes=disk_usage(storage_dir),
        database_bytes=database_bytes,
    )


def in_bucket(seeded: dict, bucket: str, objects: int, object_bytes: int, database_bytes: int) -> Figures:
    """The figures of a stack whose objects were put in ``bucket``."""
    return Figures(seeded["counts"], objects, object_bytes, f"the bucket {bucket}", None, database_bytes)


def database_bytes(connection, database: str) -> int:
    """The data and index bytes of ``database``, as the server counts them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(SUM(data_length + index_length), 0) FROM information_schema.tables"
            " WHERE table_schema = %s",
            (database,),
        )
        return int(cursor.fetchone()[0])


def disk_usage(folder: Path) -> int:
    """The bytes ``folder`` takes on disk (``du``: blocks, each hard-linked file once)."""
    done = subprocess.run(["du", "-s", "-B1", str(folder)], capture_output=True, text=True, check=False)
    return int(done.stdout.split()[0]) if done.returncode == 0 else 0


def write_figures(state_dir: Path, figures: Figures) -> None:
    """Leave what the stack holds in its state dir."""
    write_private(state_dir / FIGURES_FILE, json.dumps(dataclasses.asdict(figures), indent=1))


def read_figures(state_dir: Path) -> Figures:
    """What the stack in ``state_dir`` holds, as its daemon wrote it."""
    return Figures(**json.loads((state_dir / FIGURES_FILE).read_text()))


def _size(count: float) -> str:
    """``count`` bytes in B, KB, MB or GB (powers of 1000)."""
    units = ("B", "KB", "MB", "GB")
    power = 0
    while count >= 1000 and power < len(units) - 1:
        count, power = count / 1000, power + 1
    return f"{count:,.0f} B" if power == 0 else f"{count:,.1f} {units[power]}"
