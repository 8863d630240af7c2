"""woc-gate: the release-gate suite for WorkOnClock."""

__version__ = "0.1.0"
