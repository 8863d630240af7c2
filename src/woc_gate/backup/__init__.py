"""The operator's backup and restore drill (runbook §4, §5): take a dump with its manifest, prove it restores."""
