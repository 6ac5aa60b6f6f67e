"""every unique key of a tenant table includes org_id (DESIGN §8, Citus's rule)

Sessions, magic links and invitation codes were unique on their token's hash alone. Each
is now unique on (org_id, hash), with a plain index on the hash for the sign-in lookups
that find a token before its organization is known. A token is 256 (or 160) random bits:
two organizations never draw the same one, so nothing that was unique stops being so.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

# (table, column, unique index, lookup index, WHERE of a partial index)
_KEYS = (
    ("sessions", "token_hash", "uq_sessions_token_hash", "ix_sessions_token_hash", ""),
    ("magic_links", "token_hash", "uq_magic_links_token_hash", "ix_magic_links_token_hash", ""),
    (
        "notice_outbox",
        "code_hash",
        "uq_notice_outbox_code_hash",
        "ix_notice_outbox_code_hash",
        " WHERE code_hash IS NOT NULL",
    ),
)


def upgrade() -> None:
    for table, column, unique, lookup, where in _KEYS:
        op.execute(f"DROP INDEX {unique}")
        op.execute(f"CREATE UNIQUE INDEX {unique} ON {table} (org_id, {column}){where}")
        op.execute(f"CREATE INDEX {lookup} ON {table} ({column}){where}")


def downgrade() -> None:
    for table, column, unique, lookup, where in _KEYS:
        op.execute(f"DROP INDEX {lookup}")
        op.execute(f"DROP INDEX {unique}")
        op.execute(f"CREATE UNIQUE INDEX {unique} ON {table} ({column}){where}")
