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

from core.allocation import allocate_pro_rata
from core.reports.errors import TraceabilityError
from core.reports.ledger_values import NavShare, TierAmount
from core.store import schema
from core.store.local_schema import op_log
from core.store.schema import capital_calls, commitments, funds, payments

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
    conn: Connection, org_id: str, fund_id: str, lp_id: str, on: dt.date
) -> NavShare | None:
    """The LP's share of the latest fund NAV recorded on or before ``on`` (``fund.nav.record``).

    Until the fund's LPA allocation rule is kept (a hypothetical liquidation through the
    waterfall, say), the NAV is shared pro rata to capital contributed by the NAV date —
    the basis distributions are apportioned on — by largest remainder, so the LPs' shares
    add up to the fund NAV to the cent. ``None`` when no NAV is recorded by ``on``.
    """
    table = projection_table(VALUATIONS_TABLE)
    if table is None:
        return None
    mark = (
        conn.execute(
            select(table.c.valuation_id, table.c.as_of, table.c.nav)
            .where(
                table.c.org_id == org_id,
                table.c.fund_id == fund_id,
                table.c.as_of <= on.isoformat(),
            )
            .order_by(table.c.as_of.desc())
            .limit(1)
        )
        .mappings()
        .first()
    )
    if mark is None:
        return None
    as_of = dt.date.fromisoformat(mark["as_of"])
    currency = conn.execute(
        select(funds.c.currency).where(funds.c.org_id == org_id, funds.c.fund_id == fund_id)
    ).scalar_one()
    weights = _contributed(conn, org_id, fund_id, as_of)
    if not any(weights.values()):
        weights = _committed(conn, org_id, fund_id)
    if lp_id not in weights:
        return None
    shares = allocate_pro_rata(Decimal(mark["nav"]), weights, currency)
    return NavShare(as_of, shares[lp_id], _nav_op(conn, fund_id, mark["valuation_id"]))


def _contributed(conn: Connection, org_id: str, fund_id: str, as_of: dt.date) -> dict[str, Decimal]:
    weights = _committed(conn, org_id, fund_id)
    weights = {lp: Decimal(0) for lp in weights}
    rows = conn.execute(
        select(payments.c.lp_id, payments.c.amount)
        .join(
            capital_calls,
            (capital_calls.c.org_id == payments.c.org_id)
            & (capital_calls.c.call_id == payments.c.call_id),
        )
        .where(
            payments.c.org_id == org_id,
            capital_calls.c.fund_id == fund_id,
            payments.c.paid_on <= as_of.isoformat(),
        )
    )
    for lp, amount in rows:
        weights[lp] = weights.get(lp, Decimal(0)) + Decimal(amount)
    return weights


def _committed(conn: Connection, org_id: str, fund_id: str) -> dict[str, Decimal]:
    weights: dict[str, Decimal] = defaultdict(Decimal)
    rows = conn.execute(
        select(commitments.c.lp_id, commitments.c.amount).where(
            commitments.c.org_id == org_id, commitments.c.fund_id == fund_id
        )
    )
    for lp, amount in rows:
        weights[lp] += Decimal(amount)
    return dict(weights)


def _nav_op(conn: Connection, fund_id: str, valuation_id: str) -> str:
    rows = conn.execute(
        select(op_log.c.op_id, op_log.c.envelope).where(
            op_log.c.kind == "fund.nav.record",
            op_log.c.entity_id == fund_id,
            op_log.c.status != "rejected",
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
