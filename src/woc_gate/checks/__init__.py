"""The checks, one module per family, each a set of small functions named for an expectation.

A check returns nothing when its expectation holds and raises ``CheckFailure`` when it does not.
The plugin prints a failure's text alone (title, blank line, ``Expected:`` / ``Received:``), without
the frames of the check that found it.
"""

from __future__ import annotations

import json
from typing import Any


class CheckFailure(AssertionError):
    """A release-gate expectation the target does not meet: what was expected, what was found, where."""

    def __init__(self, title: str, expected: Any, received: Any) -> None:
        super().__init__(f"{title}\n\nExpected: {shown(expected)}\nReceived: {shown(received)}")
        self.title = title


SHOWN_LIMIT = 400  # characters of a value a failure text shows; a finding names the violation, not a dump


def shown(value: Any) -> str:
    """A value as a failure text shows it: strings as they are, anything else as sorted JSON, long ones cut."""
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    if len(text) <= SHOWN_LIMIT:
        return text
    return f"{text[:SHOWN_LIMIT]}… ({len(text) - SHOWN_LIMIT} more characters)"


def listed(problems: list[str], limit: int = 5) -> str:
    """The first problems of a list, joined, and how many more there are: a finding, not a dump."""
    more = len(problems) - limit
    return "; ".join(problems[:limit]) + (f"; and {more} more" if more > 0 else "")
