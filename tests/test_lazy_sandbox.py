"""With --woc-target=sandbox the reference stack starts when the first selected test needs a target, not before."""

import pytest

pytestmark = pytest.mark.slow  # a gate run in a subprocess that starts its own stack

pytest_plugins = ["pytester"]

LAZY_TESTS = """
from woc_gate.plugin.hooks import woc_run

def test_needs_no_target(request):
    assert woc_run(request.config).sandbox_profile is None

def test_needs_the_target(woc_settings):
    assert woc_settings.api_url.startswith("https://127.0.0.1:")
    assert woc_settings.sources["API_BASE_URL"] == "from sandbox"
"""


def test_a_run_that_needs_no_target_starts_no_stack(pytester):
    pytester.makepyfile(test_lazy=LAZY_TESTS)
    result = pytester.runpytest("--woc-target=sandbox", "test_lazy.py::test_needs_no_target")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*1 passed in*"])


def test_the_stack_starts_at_the_first_test_that_needs_a_target(pytester):
    pytester.makepyfile(test_lazy=LAZY_TESTS)
    result = pytester.runpytest("--woc-target=sandbox", "-p", "no:randomly")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*2 passed*"])


def test_an_unknown_fault_is_refused_before_anything_starts(pytester):
    pytester.makepyfile(test_lazy=LAZY_TESTS)
    result = pytester.runpytest("--woc-target=sandbox", "--woc-fault", "nope")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert result.stderr.lines[0].startswith("ERROR: woc-gate: unknown fault nope; known faults: ")
