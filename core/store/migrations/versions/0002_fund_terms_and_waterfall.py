"""fund terms, valuations and waterfall distributions

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
        "distribution_allocation_tiers",
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("distribution_id", sa.String(length=36), nullable=False),
        sa.Column("lp_id", sa.String(length=36), nullable=False),
        sa.Column("tier", sa.String(length=32), nullable=False),
        sa.Column("amount", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint(
            "org_id",
            "distribution_id",
            "lp_id",
            "tier",
            name=op.f("pk_distribution_allocation_tiers"),
        ),
    )
    op.create_table(
        "distribution_explanations",
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("distribution_id", sa.String(length=36), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint(
            "org_id", "distribution_id", "line_no", name=op.f("pk_distribution_explanations")
        ),
    )
    op.create_table(
        "fund_terms",
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("fund_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("style", sa.String(length=16), nullable=False),
        sa.Column("preferred_return", sa.String(length=16), nullable=False),
        sa.Column("compounding", sa.String(length=16), nullable=False),
        sa.Column("carried_interest", sa.String(length=16), nullable=False),
        sa.Column("catch_up", sa.String(length=16), nullable=True),
        sa.Column("apportionment", sa.String(length=16), nullable=False),
        sa.Column("gp_name", sa.String(length=200), nullable=False),
        sa.Column("gp_commitment_lp_id", sa.String(length=36), nullable=True),
        sa.Column("gp_commitment_bears_carry", sa.Boolean(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "fund_id", "version", name=op.f("pk_fund_terms")),
    )
    op.create_table(
        "fund_valuations",
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("valuation_id", sa.String(length=36), nullable=False),
        sa.Column("fund_id", sa.String(length=36), nullable=False),
        sa.Column("as_of", sa.String(length=10), nullable=False),
        sa.Column("nav", sa.String(length=40), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "valuation_id", name=op.f("pk_fund_valuations")),
    )
    with op.batch_alter_table("fund_valuations", schema=None) as batch_op:
        batch_op.create_index("ix_fund_valuations_fund_id", ["org_id", "fund_id"], unique=False)

    with op.batch_alter_table("distribution_allocations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("carry", sa.String(length=40), nullable=True))

    with op.batch_alter_table("distributions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("terms_version", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("carried_interest", sa.String(length=40), nullable=True))

    with op.batch_alter_table("funds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payment_instructions", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("funds", schema=None) as batch_op:
        batch_op.drop_column("payment_instructions")

    with op.batch_alter_table("distributions", schema=None) as batch_op:
        batch_op.drop_column("carried_interest")
        batch_op.drop_column("terms_version")

    with op.batch_alter_table("distribution_allocations", schema=None) as batch_op:
        batch_op.drop_column("carry")

    with op.batch_alter_table("fund_valuations", schema=None) as batch_op:
        batch_op.drop_index("ix_fund_valuations_fund_id")

    op.drop_table("fund_valuations")
    op.drop_table("fund_terms")
    op.drop_table("distribution_explanations")
    op.drop_table("distribution_allocation_tiers")
