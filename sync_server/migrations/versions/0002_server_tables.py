"""server tables: op log, device heads, sessions, credentials, magic links, audit

Irreversible for the data: the downgrade drops the op log, the audit chain, the
credentials and sessions with their tables. Going below 0002 is for an empty database (a
test walking the chain, a failed first install). A server that holds organizations is
brought back to an earlier state from a backup instead: ``pg_restore`` of the last
``pg_dump -Fc`` taken before the upgrade, or pgBackRest's point-in-time restore to just
before it (docs/OPERATIONS.md, "Bad migration").

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "org_heads",
        sa.Column("org_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("audit_seq", sa.BigInteger(), nullable=False),
        sa.Column("audit_hash", sa.String(64), nullable=False),
        sa.Column("audit_signature", sa.String(86), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("org_id", name="pk_org_heads"),
    )
    op.create_table(
        "op_log",
        sa.Column("org_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("server_seq", sa.BigInteger(), nullable=False),
        sa.Column("op_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("device_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("device_seq", sa.BigInteger(), nullable=False),
        sa.Column("actor_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("entity_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("envelope", sa.LargeBinary(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "server_seq", name="pk_op_log"),
    )
    op.create_index("uq_op_log_org_id_op_id", "op_log", ["org_id", "op_id"], unique=True)
    op.create_table(
        "device_heads",
        sa.Column("org_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("device_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("highest_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "device_id", name="pk_device_heads"),
    )
    op.create_table(
        "service_accounts",
        sa.Column("org_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("user_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("device_id", sa.String(36, collation="C"), nullable=False),
        sa.PrimaryKeyConstraint("org_id", name="pk_service_accounts"),
    )
    op.create_table(
        "credentials",
        sa.Column("org_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("user_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "user_id", name="pk_credentials"),
    )
    op.create_table(
        "sessions",
        sa.Column("org_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("session_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("token_hash", sa.String(64, collation="C"), nullable=False),
        sa.Column("user_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("device_id", sa.String(36, collation="C"), nullable=True),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("org_id", "session_id", name="pk_sessions"),
    )
    op.create_index("ix_sessions_user_id", "sessions", ["org_id", "user_id"], unique=False)
    op.create_index("uq_sessions_token_hash", "sessions", ["token_hash"], unique=True)
    op.create_table(
        "magic_links",
        sa.Column("org_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("link_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("token_hash", sa.String(64, collation="C"), nullable=False),
        sa.Column("user_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("org_id", "link_id", name="pk_magic_links"),
    )
    op.create_index("uq_magic_links_token_hash", "magic_links", ["token_hash"], unique=True)
    op.create_table(
        "server_audit",
        sa.Column("org_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("event", sa.String(40), nullable=False),
        sa.Column("op_id", sa.String(36, collation="C"), nullable=True),
        sa.Column("kind", sa.String(64), nullable=True),
        sa.Column("entity_id", sa.String(36, collation="C"), nullable=True),
        sa.Column("actor_id", sa.String(36, collation="C"), nullable=True),
        sa.Column("device_id", sa.String(36, collation="C"), nullable=True),
        sa.Column("code", sa.String(40), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "seq", name="pk_server_audit"),
    )
    op.create_table(
        "rate_limits",
        sa.Column("bucket", sa.String(64, collation="C"), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hits", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("bucket", name="pk_rate_limits"),
    )
    op.create_table(
        "org_invitations",
        sa.Column("code_hash", sa.String(64, collation="C"), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attached_org_id", sa.String(36, collation="C"), nullable=True),
        sa.PrimaryKeyConstraint("code_hash", name="pk_org_invitations"),
    )


SERVER_TABLES = (
    "org_heads",
    "op_log",
    "device_heads",
    "service_accounts",
    "credentials",
    "sessions",
    "magic_links",
    "server_audit",
    "rate_limits",
    "org_invitations",
)


def downgrade() -> None:
    for table in reversed(SERVER_TABLES):
        op.drop_table(table)
