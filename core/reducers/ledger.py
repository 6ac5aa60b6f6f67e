"""Ledger positions read from the projection: what each LP committed, was called, paid.

The reducers' invariants ("calls never exceed commitments", "payments never exceed what
was called") and the fund's reports read positions through these functions, so both
count the same way: draft calls reserve commitment as issued ones do, so two drafts
cannot together call an LP beyond its commitment.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from core.store.projection import Projection

__all__ = ["FundPositions", "fund_positions"]


@dataclass(frozen=True, slots=True)
class FundPositions:
    """Per-LP totals of one fund, in the fund's currency."""

    committed: dict[str, Decimal]
    called: dict[str, Decimal]
    paid: dict[str, Decimal]
    distributed: dict[str, Decimal]

    def unfunded(self, lp_id: str) -> Decimal:
        return self.committed.get(lp_id, Decimal(0)) - self.called.get(lp_id, Decimal(0))


def fund_positions(store: Projection, fund_id: str) -> FundPositions:
    committed: dict[str, Decimal] = defaultdict(Decimal)
    for c in store.rows("commitments", {"fund_id": fund_id}):
        committed[c["lp_id"]] += Decimal(c["amount"])
    called: dict[str, Decimal] = defaultdict(Decimal)
    paid: dict[str, Decimal] = defaultdict(Decimal)
    for call in store.rows("capital_calls", {"fund_id": fund_id}):
        for a in store.rows("call_allocations", {"call_id": call["call_id"]}):
            called[a["lp_id"]] += Decimal(a["amount"])
            paid[a["lp_id"]] += Decimal(a["paid"])
    distributed: dict[str, Decimal] = defaultdict(Decimal)
    for d in store.rows("distributions", {"fund_id": fund_id}):
        if d["status"] != "issued":
            continue
        for a in store.rows("distribution_allocations", {"distribution_id": d["distribution_id"]}):
            distributed[a["lp_id"]] += Decimal(a["amount"])
    return FundPositions(dict(committed), dict(called), dict(paid), dict(distributed))
