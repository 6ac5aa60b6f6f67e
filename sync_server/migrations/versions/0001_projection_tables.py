"""projection tables, shared with the desktop (core.store.schema)

Every text column uses the "C" collation: rows then sort by byte value, as in SQLite, so
the state digest and the order reducers read rows in are the same on both sides whatever
locale the database was created with.

Irreversible for the data: the downgrade drops every projection table with its rows. The
tables are rebuilt from the op log (``dealos server rebuild``) while 0002's tables hold
it; below that, restore a backup (docs/OPERATIONS.md, "Bad migration").

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organizations",
        sa.Column("org_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("name", sa.String(200, collation="C"), nullable=False),
        sa.Column("base_currency", sa.String(3, collation="C"), nullable=False),
        sa.PrimaryKeyConstraint("org_id", name="pk_organizations"),
    )
    op.create_table(
        "entities",
        sa.Column("org_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("entity_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("entity_type", sa.String(32, collation="C"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "entity_id", name="pk_entities"),
    )
    op.create_table(
        "users",
        sa.Column("org_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("user_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("email", sa.String(320, collation="C"), nullable=False),
        sa.Column("display_name", sa.String(200, collation="C"), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "user_id", name="pk_users"),
    )
    op.create_index("ix_users_email", "users", ["org_id", "email"], unique=False)
    op.create_table(
        "memberships",
        sa.Column("org_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("user_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("role", sa.String(16, collation="C"), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "user_id", "role", name="pk_memberships"),
    )
    op.create_table(
        "devices",
        sa.Column("org_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("device_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("user_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("public_key", sa.String(64, collation="C"), nullable=False),
        sa.Column("name", sa.String(200, collation="C"), nullable=False),
        sa.Column("status", sa.String(16, collation="C"), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "device_id", name="pk_devices"),
    )
    op.create_index("ix_devices_public_key", "devices", ["org_id", "public_key"], unique=False)
    op.create_table(
        "funds",
        sa.Column("org_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("fund_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("name", sa.String(200, collation="C"), nullable=False),
        sa.Column("currency", sa.String(3, collation="C"), nullable=False),
        sa.Column("vintage_year", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("org_id", "fund_id", name="pk_funds"),
    )
    op.create_table(
        "deals",
        sa.Column("org_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("deal_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("name", sa.String(200, collation="C"), nullable=False),
        sa.Column("stage", sa.String(16, collation="C"), nullable=False),
        sa.Column("stage_version", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(3, collation="C"), nullable=False),
        sa.Column("fund_id", sa.String(36, collation="C"), nullable=True),
        sa.Column("created_by", sa.String(36, collation="C"), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "deal_id", name="pk_deals"),
    )
    op.create_index("ix_deals_stage", "deals", ["org_id", "stage"], unique=False)
    op.create_table(
        "deal_fields",
        sa.Column("org_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("deal_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("field", sa.String(32, collation="C"), nullable=False),
        sa.Column("value", sa.Text(collation="C"), nullable=False),
        sa.Column("provenance", sa.String(16, collation="C"), nullable=False),
        sa.Column("source_document_id", sa.String(36, collation="C"), nullable=True),
        sa.Column("source_page", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("org_id", "deal_id", "field", name="pk_deal_fields"),
    )
    op.create_table(
        "documents",
        sa.Column("org_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("document_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("deal_id", sa.String(36, collation="C"), nullable=True),
        sa.Column("fund_id", sa.String(36, collation="C"), nullable=True),
        sa.Column("filename", sa.String(200, collation="C"), nullable=False),
        sa.Column("title", sa.String(200, collation="C"), nullable=True),
        sa.Column("media_type", sa.String(100, collation="C"), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64, collation="C"), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "document_id", name="pk_documents"),
    )
    op.create_index("ix_documents_deal_id", "documents", ["org_id", "deal_id"], unique=False)
    op.create_table(
        "approvals",
        sa.Column("org_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("approval_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("deal_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("approval_type", sa.String(16, collation="C"), nullable=False),
        sa.Column("decision", sa.String(16, collation="C"), nullable=False),
        sa.Column("decided_by", sa.String(36, collation="C"), nullable=False),
        sa.Column("note", sa.Text(collation="C"), nullable=False),
        sa.Column("recorded_version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "approval_id", name="pk_approvals"),
    )
    op.create_index("ix_approvals_deal_id", "approvals", ["org_id", "deal_id"], unique=False)
    op.create_table(
        "lps",
        sa.Column("org_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("lp_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("name", sa.String(200, collation="C"), nullable=False),
        sa.Column("lp_type", sa.String(16, collation="C"), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "lp_id", name="pk_lps"),
    )
    op.create_table(
        "lp_contacts",
        sa.Column("org_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("contact_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("lp_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("name", sa.String(200, collation="C"), nullable=False),
        sa.Column("email", sa.String(320, collation="C"), nullable=False),
        sa.Column("phone", sa.String(40, collation="C"), nullable=True),
        sa.Column("title", sa.String(200, collation="C"), nullable=True),
        sa.PrimaryKeyConstraint("org_id", "contact_id", name="pk_lp_contacts"),
    )
    op.create_index("ix_lp_contacts_lp_id", "lp_contacts", ["org_id", "lp_id"], unique=False)
    op.create_table(
        "commitments",
        sa.Column("org_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("commitment_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("fund_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("lp_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("amount", sa.String(40, collation="C"), nullable=False),
        sa.Column("currency", sa.String(3, collation="C"), nullable=False),
        sa.Column("committed_on", sa.String(10, collation="C"), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "commitment_id", name="pk_commitments"),
    )
    op.create_index(
        "ix_commitments_fund_id_lp_id", "commitments", ["org_id", "fund_id", "lp_id"], unique=False
    )
    op.create_table(
        "capital_calls",
        sa.Column("org_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("call_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("fund_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("deal_id", sa.String(36, collation="C"), nullable=True),
        sa.Column("amount", sa.String(40, collation="C"), nullable=False),
        sa.Column("currency", sa.String(3, collation="C"), nullable=False),
        sa.Column("basis", sa.String(16, collation="C"), nullable=False),
        sa.Column("call_date", sa.String(10, collation="C"), nullable=False),
        sa.Column("due_date", sa.String(10, collation="C"), nullable=False),
        sa.Column("purpose", sa.Text(collation="C"), nullable=False),
        sa.Column("status", sa.String(16, collation="C"), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "call_id", name="pk_capital_calls"),
    )
    op.create_index(
        "ix_capital_calls_fund_id", "capital_calls", ["org_id", "fund_id"], unique=False
    )
    op.create_table(
        "call_allocations",
        sa.Column("org_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("call_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("lp_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("amount", sa.String(40, collation="C"), nullable=False),
        sa.Column("paid", sa.String(40, collation="C"), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "call_id", "lp_id", name="pk_call_allocations"),
    )
    op.create_table(
        "payments",
        sa.Column("org_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("payment_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("call_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("lp_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("amount", sa.String(40, collation="C"), nullable=False),
        sa.Column("paid_on", sa.String(10, collation="C"), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "payment_id", name="pk_payments"),
    )
    op.create_index("ix_payments_call_id", "payments", ["org_id", "call_id"], unique=False)
    op.create_table(
        "distributions",
        sa.Column("org_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("distribution_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("fund_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("deal_id", sa.String(36, collation="C"), nullable=True),
        sa.Column("amount", sa.String(40, collation="C"), nullable=False),
        sa.Column("currency", sa.String(3, collation="C"), nullable=False),
        sa.Column("basis", sa.String(16, collation="C"), nullable=False),
        sa.Column("distribution_date", sa.String(10, collation="C"), nullable=False),
        sa.Column("source", sa.String(24, collation="C"), nullable=False),
        sa.Column("note", sa.Text(collation="C"), nullable=False),
        sa.Column("status", sa.String(16, collation="C"), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "distribution_id", name="pk_distributions"),
    )
    op.create_index(
        "ix_distributions_fund_id", "distributions", ["org_id", "fund_id"], unique=False
    )
    op.create_table(
        "distribution_allocations",
        sa.Column("org_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("distribution_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("lp_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("amount", sa.String(40, collation="C"), nullable=False),
        sa.PrimaryKeyConstraint(
            "org_id", "distribution_id", "lp_id", name="pk_distribution_allocations"
        ),
    )
    op.create_table(
        "entitlements",
        sa.Column("org_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("entitlement_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("user_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("scope_type", sa.String(8, collation="C"), nullable=False),
        sa.Column("scope_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "entitlement_id", name="pk_entitlements"),
    )
    op.create_index("ix_entitlements_user_id", "entitlements", ["org_id", "user_id"], unique=False)


PROJECTION_TABLES = (
    "organizations",
    "entities",
    "users",
    "memberships",
    "devices",
    "funds",
    "deals",
    "deal_fields",
    "documents",
    "approvals",
    "lps",
    "lp_contacts",
    "commitments",
    "capital_calls",
    "call_allocations",
    "payments",
    "distributions",
    "distribution_allocations",
    "entitlements",
)


def downgrade() -> None:
    for table in reversed(PROJECTION_TABLES):
        op.drop_table(table)  # its indexes go with it
