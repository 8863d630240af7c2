"""Reaching a deployment: read-only database sessions, API and web clients; library errors mapped here."""
