"""Alembic migrations of the desktop's SQLite store, numbered from the first table."""
