"""Progress bars: on a terminal only, moving on every step, past an estimate, also from a fixture under capture."""

from __future__ import annotations

import io
import sys

from woc_gate.backup import progress
from woc_gate.backup.progress import Progress

pytest_plugins = ["pytester"]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_bar_is_drawn_on_a_terminal_only_and_grows_past_an_estimate(monkeypatch):
    monkeypatch.setattr(progress, "REDRAW_SECONDS", 0)
    terminal, pipe = Terminal(), io.StringIO()
    for stream in (terminal, pipe):
        with Progress(stream, total=2, unit="rows") as bar:
            for rows in (1, 2, 3):
                bar.reach(rows, "woc_time_entries")
    assert pipe.getvalue() == ""
    drawn = terminal.getvalue().split("\r")[1:]
    assert [line.split("]")[1].split("rows")[0].strip() for line in drawn] == ["1/2", "2/2", "3/3", "3/3"]


PROGRESS_IN_A_FIXTURE = """
import pytest

@pytest.fixture(scope="session")
def scanned(woc_progress):
    with woc_progress("TLS scan", 3, "endpoints scanned") as bar:
        for endpoint in ("web:443", "api:443", "desktop:443"):
            bar.advance(endpoint)

def test_scans(scanned):
    pass
"""


def test_a_fixtures_bar_is_drawn_past_the_capture_on_a_terminal_and_nowhere_else(pytester):
    pytester.makepyfile(PROGRESS_IN_A_FIXTURE)
    command = f"{sys.executable} -m pytest -p no:cacheprovider -p no:xdist"
    on_a_terminal = pytester.run("script", "-qec", command, "/dev/null")
    assert on_a_terminal.ret == 0
    drawn = on_a_terminal.stdout.str().replace("\r\n", "\n").split("\r")
    assert any("3/3 endpoints scanned" in part and "desktop:443" in part for part in drawn)
    piped = pytester.runpytest_inprocess("-p", "no:xdist")
    assert piped.ret == 0 and "endpoints scanned" not in piped.stdout.str()
