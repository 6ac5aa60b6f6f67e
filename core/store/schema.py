"""Projection tables, shared by the desktop's SQLite and the server's Postgres.

Every table leads with ``org_id`` and every primary key starts with it, so tenants can
be sharded by organization without a schema change (DESIGN §8). Money columns hold
canonical decimal strings quantized to the currency (``"1250000.00"``): never floats.
The state digest covers exactly the tables in :data:`PROJECTION_TABLES`, in that order.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import BigInteger, Boolean, Column, Index, Integer, MetaData, String, Table, Text

__all__ = ["PROJECTION_TABLES", "metadata"]

metadata = MetaData(
    naming_convention={
        "pk": "pk_%(table_name)s",
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    }
)

ID = 36


def _id(name: str, *, primary_key: bool = False, nullable: bool = False) -> Column[str]:
    return Column(name, String(ID), primary_key=primary_key, nullable=nullable)


def _org() -> Column[str]:
    return _id("org_id", primary_key=True)


def _money(name: str) -> Column[str]:
    return Column(name, String(40), nullable=False)


organizations = Table(
    "organizations",
    metadata,
    _org(),
    Column("name", String(200), nullable=False),
    Column("base_currency", String(3), nullable=False),
)

entities = Table(
    "entities",
    metadata,
    _org(),
    _id("entity_id", primary_key=True),
    Column("entity_type", String(32), nullable=False),
    Column("version", Integer, nullable=False),
)

users = Table(
    "users",
    metadata,
    _org(),
    _id("user_id", primary_key=True),
    Column("email", String(320), nullable=False),
    Column("display_name", String(200), nullable=False),
    Column("active", Boolean, nullable=False),
)

memberships = Table(
    "memberships",
    metadata,
    _org(),
    _id("user_id", primary_key=True),
    Column("role", String(16), primary_key=True),
)

devices = Table(
    "devices",
    metadata,
    _org(),
    _id("device_id", primary_key=True),
    _id("user_id"),
    Column("public_key", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("status", String(16), nullable=False),
)

funds = Table(
    "funds",
    metadata,
    _org(),
    _id("fund_id", primary_key=True),
    Column("name", String(200), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("vintage_year", Integer, nullable=True),
    # JSON of the bank details LPs pay calls into (fund.update); printed on call notices.
    Column("payment_instructions", Text, nullable=True),
    # Four-eyes (fund.four_eyes.set): issuing a call or distribution above this amount needs
    # a second GP's approval; null: no such control.
    Column("four_eyes_threshold", String(40), nullable=True),
    # The fund's final close (fund.close): no commitment dated after it; null: still open.
    Column("final_close_date", String(10), nullable=True),
)

# Versioned LPA distribution terms (fund.terms.set); rates are decimal-fraction strings.
fund_terms = Table(
    "fund_terms",
    metadata,
    _org(),
    _id("fund_id", primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("style", String(16), nullable=False),
    Column("preferred_return", String(16), nullable=False),
    Column("compounding", String(16), nullable=False),
    Column("carried_interest", String(16), nullable=False),
    Column("catch_up", String(16), nullable=True),
    Column("apportionment", String(16), nullable=False),
    Column("gp_name", String(200), nullable=False),
    _id("gp_commitment_lp_id", nullable=True),
    Column("gp_commitment_bears_carry", Boolean, nullable=False),
    Column("label", Text, nullable=False),
    # The share of each LP's gross distribution the GP withholds (null: none).
    Column("withholding_rate", String(16), nullable=True),
    # The hypothetical tax rate an American waterfall's clawback is net of (null: gross).
    Column("clawback_tax_rate", String(16), nullable=True),
    # The day the version takes effect; null: from the fund's start.
    Column("effective_date", String(10), nullable=True),
)

# The fund's NAV marks (fund.nav.record).
fund_valuations = Table(
    "fund_valuations",
    metadata,
    _org(),
    _id("valuation_id", primary_key=True),
    _id("fund_id"),
    Column("as_of", String(10), nullable=False),
    _money("nav"),
    Column("note", Text, nullable=False),
)

deals = Table(
    "deals",
    metadata,
    _org(),
    _id("deal_id", primary_key=True),
    Column("name", String(200), nullable=False),
    Column("stage", String(16), nullable=False),
    # The deal's version when it entered its stage: IC votes count only if cast after it.
    Column("stage_version", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    _id("fund_id", nullable=True),
    _id("created_by"),
)

deal_fields = Table(
    "deal_fields",
    metadata,
    _org(),
    _id("deal_id", primary_key=True),
    Column("field", String(32), primary_key=True),
    Column("value", Text, nullable=False),
    Column("provenance", String(16), nullable=False),
    _id("source_document_id", nullable=True),
    Column("source_page", Integer, nullable=True),
)

documents = Table(
    "documents",
    metadata,
    _org(),
    _id("document_id", primary_key=True),
    _id("deal_id", nullable=True),
    _id("fund_id", nullable=True),
    Column("filename", String(200), nullable=False),
    Column("title", String(200), nullable=True),
    Column("media_type", String(100), nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    # "internal", or "lps": a fund's document shared with the fund's LPs (core.visibility).
    Column("audience", String(16), nullable=False, server_default="internal"),
)

approvals = Table(
    "approvals",
    metadata,
    _org(),
    _id("approval_id", primary_key=True),
    _id("deal_id"),
    Column("approval_type", String(16), nullable=False),
    Column("decision", String(16), nullable=False),
    _id("decided_by"),
    Column("note", Text, nullable=False),
    # The deal's version this approval produced: orders approvals in server order.
    Column("recorded_version", Integer, nullable=False),
)

lps = Table(
    "lps",
    metadata,
    _org(),
    _id("lp_id", primary_key=True),
    Column("name", String(200), nullable=False),
    Column("lp_type", String(16), nullable=False),
)

lp_contacts = Table(
    "lp_contacts",
    metadata,
    _org(),
    _id("contact_id", primary_key=True),
    _id("lp_id"),
    Column("name", String(200), nullable=False),
    Column("email", String(320), nullable=False),
    Column("phone", String(40), nullable=True),
    Column("title", String(200), nullable=True),
)

commitments = Table(
    "commitments",
    metadata,
    _org(),
    _id("commitment_id", primary_key=True),
    _id("fund_id"),
    _id("lp_id"),
    _money("amount"),
    Column("currency", String(3), nullable=False),
    Column("committed_on", String(10), nullable=False),
)

capital_calls = Table(
    "capital_calls",
    metadata,
    _org(),
    _id("call_id", primary_key=True),
    _id("fund_id"),
    _id("deal_id", nullable=True),
    _money("amount"),
    Column("currency", String(3), nullable=False),
    Column("basis", String(16), nullable=False),
    Column("call_date", String(10), nullable=False),
    Column("due_date", String(10), nullable=False),
    Column("purpose", Text, nullable=False),
    Column("status", String(16), nullable=False),
    # Who drafted it (null for drafts made before this was recorded) and the second GP who
    # approved it for issue (capital_call.approve), if any.
    _id("drafted_by", nullable=True),
    _id("approved_by", nullable=True),
)

call_allocations = Table(
    "call_allocations",
    metadata,
    _org(),
    _id("call_id", primary_key=True),
    _id("lp_id", primary_key=True),
    _money("amount"),
    _money("paid"),
)

payments = Table(
    "payments",
    metadata,
    _org(),
    _id("payment_id", primary_key=True),
    _id("call_id"),
    _id("lp_id"),
    _money("amount"),
    Column("paid_on", String(10), nullable=False),
)

distributions = Table(
    "distributions",
    metadata,
    _org(),
    _id("distribution_id", primary_key=True),
    _id("fund_id"),
    _id("deal_id", nullable=True),
    _money("amount"),
    Column("currency", String(3), nullable=False),
    Column("basis", String(16), nullable=False),
    Column("distribution_date", String(10), nullable=False),
    Column("source", String(24), nullable=False),
    Column("note", Text, nullable=False),
    Column("status", String(16), nullable=False),
    # Waterfall distributions: the terms version they ran under, and the GP's carry.
    Column("terms_version", Integer, nullable=True),
    Column("carried_interest", String(40), nullable=True),
    _id("drafted_by", nullable=True),
    _id("approved_by", nullable=True),
    # Whether the LPs' amounts may be called again (null: drafted before it was asked), and
    # whether the GP sets them off against unpaid calls (core.distribution_classes).
    Column("recallable", Boolean, nullable=True),
    Column("offsets_unpaid_calls", Boolean, nullable=True),
)

distribution_allocations = Table(
    "distribution_allocations",
    metadata,
    _org(),
    _id("distribution_id", primary_key=True),
    _id("lp_id", primary_key=True),
    _money("amount"),
    # What the GP took out of this LP's portion as catch-up and carry (waterfall only).
    Column("carry", String(40), nullable=True),
    # The gross amount by class, what is withheld and what is set off against unpaid calls,
    # fixed when drafted (core.distribution_classes); null on a distribution drafted before.
    Column("return_of_capital", String(40), nullable=True),
    Column("gain", String(40), nullable=True),
    Column("income", String(40), nullable=True),
    Column("withheld", String(40), nullable=True),
    Column("call_offset", String(40), nullable=True),
)

# A waterfall distribution's amount to each LP, tier by tier.
distribution_allocation_tiers = Table(
    "distribution_allocation_tiers",
    metadata,
    _org(),
    _id("distribution_id", primary_key=True),
    _id("lp_id", primary_key=True),
    Column("tier", String(32), primary_key=True),
    _money("amount"),
)

# The plain-language explanation of a waterfall distribution, line by line.
distribution_explanations = Table(
    "distribution_explanations",
    metadata,
    _org(),
    _id("distribution_id", primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("text", Text, nullable=False),
)

entitlements = Table(
    "entitlements",
    metadata,
    _org(),
    _id("entitlement_id", primary_key=True),
    _id("user_id"),
    Column("scope_type", String(8), nullable=False),
    _id("scope_id"),
    Column("active", Boolean, nullable=False),
)

PROJECTION_TABLES: Final[tuple[Table, ...]] = (
    organizations,
    entities,
    users,
    memberships,
    devices,
    funds,
    deals,
    deal_fields,
    documents,
    approvals,
    lps,
    lp_contacts,
    commitments,
    capital_calls,
    call_allocations,
    payments,
    distributions,
    distribution_allocations,
    entitlements,
    fund_terms,
    fund_valuations,
    distribution_allocation_tiers,
    distribution_explanations,
)


def _org_index(table: Table, *columns: str) -> None:
    Index(f"ix_{table.name}_{'_'.join(columns)}", table.c.org_id, *(table.c[c] for c in columns))


for _table, _columns in (
    (users, ("email",)),
    (devices, ("public_key",)),
    (deals, ("stage",)),
    (documents, ("deal_id",)),
    (approvals, ("deal_id",)),
    (lp_contacts, ("lp_id",)),
    (commitments, ("fund_id", "lp_id")),
    (capital_calls, ("fund_id",)),
    (payments, ("call_id",)),
    (distributions, ("fund_id",)),
    (fund_valuations, ("fund_id",)),
    (entitlements, ("user_id",)),
):
    _org_index(_table, *_columns)
