"""Alembic environment: runs on the connection the store hands over in ``attributes``."""

from __future__ import annotations

from alembic import context

from core.store.local_schema import local_metadata
from core.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("migrations run through core.store.local.LocalStore, not the CLI")

context.configure(
    connection=connection,
    target_metadata=[metadata, local_metadata],
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()
