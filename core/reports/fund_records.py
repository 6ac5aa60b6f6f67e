"""Fund records that LP documents use: NAV marks, waterfall tiers, explanations, wiring.

They are projections of signed ops kept by other parts of Deal OS:

* ``fund_valuations`` (op ``fund.nav.record``) — the fund's NAV as of a date;
* ``distribution_allocation_tiers`` (distribution_id, lp_id, tier, amount) — each LP's
  share of a waterfall distribution, tier by tier;
* ``distribution_explanations`` (distribution_id, line_no, text) — the waterfall's
  plain-language lines;
* ``funds.payment_instructions`` (op ``fund.update``) — where LPs wire a call.

All are declared in :mod:`core.store.schema` (migration 0002). Reports read them through
these functions only, and each looks its table (or column) up in the schema by name: the
report code holds no second copy of their shape, and the documents degrade in a stated way
when a record is absent — stated at cost, distributions by source, "payment instructions
will follow under separate cover" — which the tests exercise by hiding the tables.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection, Table, select

from core.positions import positions_as_of
from core.reports.errors import TraceabilityError
from core.reports.ledger_values import NavShare, TierAmount
from core.reports.op_trail import REPLICA_OP_LOG, OpLog
from core.store import schema
from core.store.schema import funds
from core.store.sql_projection import SqlProjection

__all__ = [
    "EXPLANATIONS_TABLE",
    "TIERS_TABLE",
    "VALUATIONS_TABLE",
    "PaymentInstructions",
    "distribution_explanations",
    "distribution_tiers",
    "fund_payment_instructions",
    "lp_nav_share",
    "projection_table",
]

TIERS_TABLE = "distribution_allocation_tiers"
EXPLANATIONS_TABLE = "distribution_explanations"
VALUATIONS_TABLE = "fund_valuations"


@dataclass(frozen=True, slots=True)
class PaymentInstructions:
    """Where an LP wires a capital call. Printed on the notice exactly as given."""

    bank_name: str
    account_name: str
    account_number: str
    routing_number: str | None = None
    swift_bic: str | None = None
    reference: str | None = None

    def lines(self) -> tuple[tuple[str, str], ...]:
        rows = [
            ("Bank", self.bank_name),
            ("Account name", self.account_name),
            ("Account number", self.account_number),
            ("ABA routing number", self.routing_number),
            ("SWIFT/BIC", self.swift_bic),
            ("Reference", self.reference),
        ]
        return tuple((label, value) for label, value in rows if value)


def projection_table(name: str) -> Table | None:
    """The projection table called ``name``, if this build declares it."""
    return schema.metadata.tables.get(name)


def distribution_tiers(
    conn: Connection, org_id: str, distribution_ids: Collection[str]
) -> dict[tuple[str, str], tuple[TierAmount, ...]]:
    """Per-tier amounts of each (distribution, LP) allocation; empty until tiers are kept."""
    table = projection_table(TIERS_TABLE)
    if table is None or not distribution_ids:
        return {}
    found: dict[tuple[str, str], list[TierAmount]] = defaultdict(list)
    rows = conn.execute(
        select(table.c.distribution_id, table.c.lp_id, table.c.tier, table.c.amount).where(
            table.c.org_id == org_id, table.c.distribution_id.in_(list(distribution_ids))
        )
    )
    for distribution_id, lp_id, tier, amount in rows:
        found[(distribution_id, lp_id)].append(TierAmount(tier, Decimal(amount)))
    return {key: tuple(_in_waterfall_order(tiers)) for key, tiers in found.items()}


_TIER_ORDER = ("return_of_capital", "preferred_return", "catch_up", "carried_interest")


def _in_waterfall_order(tiers: list[TierAmount]) -> list[TierAmount]:
    def rank(t: TierAmount) -> tuple[int, str]:
        known = t.tier in _TIER_ORDER
        return (_TIER_ORDER.index(t.tier) if known else len(_TIER_ORDER), t.tier)

    return sorted(tiers, key=rank)


def distribution_explanations(
    conn: Connection, org_id: str, distribution_ids: Collection[str]
) -> dict[str, tuple[str, ...]]:
    """The waterfall's explanation lines of each distribution, in order; empty until kept.

    These lines name every LP of the fund; a notice keeps only the lines fit for its LP
    (see :func:`core.reports.ledger_reader.lines_for_lp`).
    """
    table = projection_table(EXPLANATIONS_TABLE)
    if table is None or not distribution_ids:
        return {}
    found: dict[str, list[str]] = defaultdict(list)
    rows = conn.execute(
        select(table.c.distribution_id, table.c.text)
        .where(table.c.org_id == org_id, table.c.distribution_id.in_(list(distribution_ids)))
        .order_by(table.c.distribution_id, table.c.line_no)
    )
    for distribution_id, text in rows:
        found[distribution_id].append(str(text))
    return {key: tuple(lines) for key, lines in found.items()}


def lp_nav_share(
    conn: Connection,
    org_id: str,
    fund_id: str,
    lp_id: str,
    on: dt.date,
    *,
    log: OpLog = REPLICA_OP_LOG,
) -> NavShare | None:
    """The LP's share of the latest fund NAV recorded on or before ``on`` (``fund.nav.record``).

    The share is the NAV share of the LP's position as of ``on``
    (:func:`core.positions.positions_as_of`): until the fund's LPA allocation rule is kept
    (a hypothetical liquidation through the waterfall, say), the NAV is shared pro rata to
    capital paid in by the NAV date — the basis distributions are apportioned on — by
    largest remainder, so the LPs' shares add up to the fund NAV to the cent. ``None`` when
    no NAV is recorded by ``on``, or the LP had no commitment by then.
    """
    if projection_table(VALUATIONS_TABLE) is None:
        return None
    positions = positions_as_of(SqlProjection(conn, org_id), fund_id, on)
    if positions.nav_as_of is None or positions.nav_valuation_id is None:
        return None
    share = positions.positions.get(lp_id)
    if share is None or share.nav_share is None:
        return None
    return NavShare(
        positions.nav_as_of,
        share.nav_share,
        _nav_op(conn, fund_id, positions.nav_valuation_id, log),
    )


def _nav_op(conn: Connection, fund_id: str, valuation_id: str, log: OpLog) -> str:
    c = log.table.c
    rows = conn.execute(
        select(c.op_id, c.envelope).where(
            c.kind == "fund.nav.record", c.entity_id == fund_id, log.kept
        )
    )
    for op_id, raw in rows:
        if json.loads(raw)["payload"].get("valuation_id") == valuation_id:
            return str(op_id)
    raise TraceabilityError(f"no fund.nav.record op in the op log records valuation {valuation_id}")


def fund_payment_instructions(
    conn: Connection, org_id: str, fund_id: str
) -> PaymentInstructions | None:
    """The wiring instructions kept on the fund (``fund.update``), if any."""
    column = funds.c.get("payment_instructions")
    if column is None:
        return None
    raw = conn.execute(
        select(column).where(funds.c.org_id == org_id, funds.c.fund_id == fund_id)
    ).scalar()
    if not raw:
        return None
    kept = json.loads(raw)
    return PaymentInstructions(
        bank_name=kept["bank_name"],
        account_name=kept["account_name"],
        account_number=kept["account_number"],
        routing_number=kept.get("routing"),
        swift_bic=kept.get("swift"),
        reference=kept.get("reference"),
    )
