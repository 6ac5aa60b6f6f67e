"""fund terms, NAV marks and waterfall distributions (core migration 0002's tables)

The same projection tables and columns the desktop's migration 0002 adds, each new
tenant table under row-level security like those of 0003.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

NEW_TENANT_TABLES = (
    "fund_terms",
    "fund_valuations",
    "distribution_allocation_tiers",
    "distribution_explanations",
)
ORG = "current_setting('dealos.org_id', true)"


def _id(name: str, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=36), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "fund_terms",
        _id("org_id"),
        _id("fund_id"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("style", sa.String(length=16), nullable=False),
        sa.Column("preferred_return", sa.String(length=16), nullable=False),
        sa.Column("compounding", sa.String(length=16), nullable=False),
        sa.Column("carried_interest", sa.String(length=16), nullable=False),
        sa.Column("catch_up", sa.String(length=16), nullable=True),
        sa.Column("apportionment", sa.String(length=16), nullable=False),
        sa.Column("gp_name", sa.String(length=200), nullable=False),
        _id("gp_commitment_lp_id", nullable=True),
        sa.Column("gp_commitment_bears_carry", sa.Boolean(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "fund_id", "version", name="pk_fund_terms"),
    )
    op.create_table(
        "fund_valuations",
        _id("org_id"),
        _id("valuation_id"),
        _id("fund_id"),
        sa.Column("as_of", sa.String(length=10), nullable=False),
        sa.Column("nav", sa.String(length=40), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "valuation_id", name="pk_fund_valuations"),
    )
    op.create_index("ix_fund_valuations_fund_id", "fund_valuations", ["org_id", "fund_id"])
    op.create_table(
        "distribution_allocation_tiers",
        _id("org_id"),
        _id("distribution_id"),
        _id("lp_id"),
        sa.Column("tier", sa.String(length=32), nullable=False),
        sa.Column("amount", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint(
            "org_id", "distribution_id", "lp_id", "tier", name="pk_distribution_allocation_tiers"
        ),
    )
    op.create_table(
        "distribution_explanations",
        _id("org_id"),
        _id("distribution_id"),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint(
            "org_id", "distribution_id", "line_no", name="pk_distribution_explanations"
        ),
    )
    op.add_column("distribution_allocations", sa.Column("carry", sa.String(length=40)))
    op.add_column("distributions", sa.Column("terms_version", sa.Integer()))
    op.add_column("distributions", sa.Column("carried_interest", sa.String(length=40)))
    op.add_column("funds", sa.Column("payment_instructions", sa.Text()))
    for table in NEW_TENANT_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY tenant_isolation ON {table} "
            f"USING (org_id = {ORG}) WITH CHECK (org_id = {ORG})"
        )


def downgrade() -> None:
    op.drop_column("funds", "payment_instructions")
    op.drop_column("distributions", "carried_interest")
    op.drop_column("distributions", "terms_version")
    op.drop_column("distribution_allocations", "carry")
    for table in reversed(NEW_TENANT_TABLES):
        op.drop_table(table)
