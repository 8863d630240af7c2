"""The restore drill at volume: the dump cut into statements block by block, the throwaway server sized to the dump
and the machine, the object keys compared in one pass over a stream."""

from __future__ import annotations

import io

import pytest

from woc_gate.backup import dump_scan
from woc_gate.backup.dump_scan import Rows, scan
from woc_gate.checks.restore import compare_object_keys
from woc_gate.target import scratch_server
from woc_gate.target.scratch_server import bulk_load_tuning

DUMP = (
    b"/*!40101 SET NAMES utf8mb4 */;\n"
    b"CREATE TABLE `a` (\n  `v` text\n);\n"
    b"INSERT INTO `a` VALUES ('x;'),\n('y),\\n(z');\n"
    b"INSERT INTO `a` VALUES ('last');\n"
    b"DELIMITER ;;\n"
    b"CREATE PROCEDURE p() BEGIN\n"
    b"INSERT INTO `a` VALUES ('in a body');\n"
    b"END ;;\n"
    b"DELIMITER ;\n"
    b"INSERT INTO `a` VALUES ('no newline at the end');"
)


@pytest.mark.parametrize("block", [dump_scan.BLOCK, 7, 1])
def test_a_dump_is_cut_into_its_statements_and_lines_whatever_the_block_size(block, monkeypatch):
    monkeypatch.setattr(dump_scan, "BLOCK", block)
    pieces = list(scan(io.BytesIO(DUMP)))
    assert b"".join(piece.statement if isinstance(piece, Rows) else piece for piece in pieces) == DUMP
    assert [piece.statement for piece in pieces if isinstance(piece, Rows)] == [
        b"INSERT INTO `a` VALUES ('x;'),\n('y),\\n(z');\n",
        b"INSERT INTO `a` VALUES ('last');\n",
        b"INSERT INTO `a` VALUES ('no newline at the end');",
    ]
    assert b"INSERT INTO `a` VALUES ('in a body');\n" in pieces  # a routine's line, not rows


def test_the_scan_never_asks_for_the_whole_dump_at_once(monkeypatch):
    asked = []

    class Source(io.BytesIO):
        def read(self, size=-1):
            asked.append(size)
            return super().read(size)

    monkeypatch.setattr(dump_scan, "BLOCK", 64)
    list(scan(Source(DUMP)))
    assert set(asked) == {64}


GiB = 1 << 30


@pytest.mark.parametrize(
    ("sql_bytes", "memory", "pool", "log"),
    [
        (100_000, 24 * GiB, "256M", "128M"),  # a small dump: the smallest pool
        (1_027_066_493, 24 * GiB, "2048M", "1024M"),  # 5 M time entries: twice the SQL, in whole 128 MiB chunks
        (20 * GiB, 24 * GiB, "6144M", "3072M"),  # more than the machine can spare: a quarter of its memory
        (20 * GiB, 512 << 20, "256M", "128M"),  # a small machine: never under the smallest pool
    ],
)
def test_the_throwaway_servers_pool_follows_the_dump_within_a_quarter_of_the_machine(
    sql_bytes, memory, pool, log, monkeypatch
):
    monkeypatch.setattr(scratch_server, "physical_memory", lambda: memory)
    flags = bulk_load_tuning("mariadb", sql_bytes, clients=4)
    assert f"--innodb-buffer-pool-size={pool}" in flags
    assert f"--innodb-log-file-size={log}" in flags
    assert "--max-connections=20" in flags
    assert f"--innodb-redo-log-capacity={log}" in bulk_load_tuning("mysql", sql_bytes, clients=4)


def test_object_keys_are_compared_in_one_pass_over_a_stream():
    rows = [("k/1", True), ("k/2", True), ("k/missing", True), ("k/2", True), ("k/gone", True), ("k/new", False)]
    keys = iter(rows)  # a stream: read once
    found = compare_object_keys(keys, {"k/1", "k/2", "k/3", "k/4"})
    assert (found.missing, found.unnamed) == (["k/gone", "k/missing"], ["k/3", "k/4"])  # k/new is not judged
    assert (found.rows, found.judged, next(keys, None)) == (6, 5, None)
