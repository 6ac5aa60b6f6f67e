"""Fixtures shared across the suite: a real Postgres for the server tests (tests/pg_fixture.py)."""

from live_server import live_server
from pg_fixture import pg_admin_url, pg_database

__all__ = ["live_server", "pg_admin_url", "pg_database"]
