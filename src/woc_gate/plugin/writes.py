"""The ``writes`` marker enforced, as pytest-django enforces ``django_db``: every phase of a test (setup, call,
teardown) runs with the target's writes refused unless the test is marked ``writes``."""

from __future__ import annotations

import contextlib

import pytest

from ..target.writes import BLOCKER


def armed_for(item: pytest.Item) -> contextlib.AbstractContextManager[None]:
    """The writes blocker armed for ``item``: open when it is marked writes, closed otherwise."""
    return BLOCKER.test(item.nodeid, allowed=item.get_closest_marker("writes") is not None)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item):
    with armed_for(item):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    with armed_for(item):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    with armed_for(item):
        return (yield)
