"""Fixtures shared across the suite: a real Postgres for the server tests (tests/pg_fixture.py),
the reliability figures printed at the end of every run (tests/reliability_figures.py), and
reproducible hypothesis examples (tests/hypothesis_profiles.py)."""

import hypothesis_profiles  # noqa: F401 - loads the suite's hypothesis profile
from live_server import live_server
from pg_fixture import pg_admin_url, pg_database
from reliability_figures import pytest_configure, pytest_terminal_summary, pytest_unconfigure

__all__ = [
    "live_server",
    "pg_admin_url",
    "pg_database",
    "pytest_configure",
    "pytest_terminal_summary",
    "pytest_unconfigure",
]
