"""Alembic environment of the sync server: runs on the owner's connection that
:func:`sync_server.database.migrate` hands over in ``config.attributes``."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("server migrations run through `dealos serve --migrate-only`")

context.configure(connection=connection, version_table="alembic_version_server")
with context.begin_transaction():
    context.run_migrations()
