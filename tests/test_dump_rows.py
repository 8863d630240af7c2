"""The dump's rows are counted from the stream, whatever the values hold and however the client lays them out."""

from __future__ import annotations

import pytest

from woc_gate.backup.dump import RowCounter

ONE_LINE = [
    b"-- Dumping data for table `woc_users`\n",
    b"INSERT INTO `woc_users` VALUES ('a','it''s (1),(2)',NULL),('b','\\'),(\\'',0x28),(3,'x\\\\',1.5);\n",
]
ONE_TUPLE_PER_LINE = [
    b"-- Dumping data for table `woc_users`\n",
    b"INSERT INTO `woc_users` VALUES\n",
    b"('a','(',NULL),\n",
    b"('b','),(',2),\n",
    b"('c','\\');',3);\n",
]
EMPTY = [b"-- Dumping data for table `woc_invites`\n", b"-- no rows\n"]


@pytest.mark.parametrize(("lines", "counts"), [(ONE_LINE, {"woc_users": 3}), (ONE_TUPLE_PER_LINE, {"woc_users": 3})])
def test_rows_are_counted_with_parentheses_and_quotes_inside_strings(lines, counts):
    counter = RowCounter(None)
    for line in lines:
        counter.feed(line, 0)
    assert counter.counts == counts


def test_a_table_without_rows_counts_zero_and_moves_the_progress():
    seen = []
    counter = RowCounter(lambda table, size: seen.append(table))
    for line in EMPTY:
        counter.feed(line, 0)
    assert (counter.counts, seen) == ({"woc_invites": 0}, ["woc_invites"])


def test_the_progress_moves_on_every_line_of_a_table_by_its_rows():
    seen = []
    counter = RowCounter(lambda table, rows: seen.append((table, rows)))
    for line in EMPTY + ONE_TUPLE_PER_LINE:
        counter.feed(line, 0)
    rows = [
        ("woc_invites", 0),
        ("woc_users", 0),
        ("woc_users", 0),
        ("woc_users", 1),
        ("woc_users", 2),
        ("woc_users", 3),
    ]
    assert seen == rows


def test_several_statements_of_one_table_add_up():
    counter = RowCounter(None)
    for line in ONE_LINE + ONE_LINE[1:] + ONE_TUPLE_PER_LINE[1:]:
        counter.feed(line, 0)
    assert counter.counts == {"woc_users": 9}
