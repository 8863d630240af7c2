"""woc-gate: the release-gate suite for WorkOnClock.

PYTEST_DONT_REWRITE: ``woc-gate run`` imports this package before pytest starts, so pytest could
not rewrite it anyway (and would warn about it when woc-gate is installed from a wheel).
"""

__version__ = "0.1.0"
