"""A fund's distributions as a controller reads them at the command line: numbered, with
each LP's amount, the GP's carry, the tax withheld, the set-off against unpaid calls and
what reaches the LP's bank.

The row, version and four-eyes standing come from
:func:`core.views.capital_view.list_distributions`; numbers and each LP's figures from the
LPs' ledgers (:func:`core.reports.read_fund_ledger`); the GP's carry from what the reducer
stored (:func:`core.views.distribution_view.drafted_distribution`). A draft's number when
issued is the count of the fund's issued distributions dated on or before it, plus one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from core.commands.workspace import Workspace
from core.reports import read_fund_ledger
from core.reports.ledger_index import fund_of_distribution
from core.views.capital_view import Approval, list_distributions, list_funds
from core.views.distribution_view import drafted_distribution

__all__ = [
    "DistributionRecord",
    "DistributionSheet",
    "LpDistribution",
    "distribution_records",
    "distribution_sheet",
]

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class DistributionRecord:
    distribution_id: str
    fund_id: str
    fund_name: str
    currency: str
    number: int | None  # counts the fund's issued distributions; None for a draft
    next_number: int
    distribution_date: dt.date
    amount: Decimal
    gp_carry: Decimal
    basis: str
    source: str
    deal_name: str | None
    status: str
    recallable: bool
    offsets_unpaid_calls: bool
    investors: int
    version: int
    approval: Approval

    @property
    def label(self) -> str:
        """``distribution 2``, or ``the draft distribution of 2026-12-31``."""
        if self.number is None:
            return f"the draft distribution of {self.distribution_date.isoformat()}"
        return f"distribution {self.number}"


@dataclass(frozen=True, slots=True)
class LpDistribution:
    """One LP's part: ``amount`` after the GP's carry, before withholding and set-off;
    ``paid`` is what reaches the LP's bank."""

    lp_id: str
    lp_name: str
    amount: Decimal
    carry: Decimal
    withheld: Decimal
    offset: Decimal
    paid: Decimal


@dataclass(frozen=True, slots=True)
class DistributionSheet:
    distribution: DistributionRecord
    shares: tuple[LpDistribution, ...]


def _sheets(ws: Workspace, fund_id: str, fund_name: str, currency: str) -> list[DistributionSheet]:
    lines = list_distributions(ws, fund_id=fund_id)
    ledger = read_fund_ledger(ws, fund_id)
    numbers: dict[str, int] = {}
    flags: dict[str, tuple[bool, bool]] = {}
    shares: dict[str, list[LpDistribution]] = {}
    for lp in ledger.ledgers:
        for d in lp.distributions:
            if d.number is not None:
                numbers[d.distribution_id] = d.number
            flags[d.distribution_id] = (d.recallable, d.offsets_unpaid_calls)
            shares.setdefault(d.distribution_id, []).append(
                LpDistribution(
                    lp.investor.lp_id,
                    lp.investor.name,
                    d.amount,
                    d.carry,
                    d.withheld,
                    d.call_offset,
                    d.paid,
                )
            )
    issued = sorted(
        dt.date.fromisoformat(line.distribution_date) for line in lines if line.status == "issued"
    )
    sheets = []
    for line in lines:
        on = dt.date.fromisoformat(line.distribution_date)
        stored = drafted_distribution(ws, line.distribution_id)
        mine = tuple(shares.get(line.distribution_id, ()))
        recallable, offsets = flags.get(line.distribution_id, (False, False))
        record = DistributionRecord(
            distribution_id=line.distribution_id,
            fund_id=fund_id,
            fund_name=fund_name,
            currency=currency,
            number=numbers.get(line.distribution_id) if line.status == "issued" else None,
            next_number=sum(1 for d in issued if d <= on) + 1,
            distribution_date=on,
            amount=line.amount,
            gp_carry=_ZERO if stored is None else stored.gp_carry,
            basis=line.basis,
            source=line.source,
            deal_name=line.deal_name,
            status=line.status,
            recallable=recallable,
            offsets_unpaid_calls=offsets,
            investors=len(mine),
            version=line.version,
            approval=line.approval,
        )
        sheets.append(DistributionSheet(record, mine))
    return sheets


def distribution_records(
    ws: Workspace, *, fund_id: str | None = None
) -> list[tuple[str, list[DistributionRecord]]]:
    """Each fund (by name, or only ``fund_id``) with its distributions, newest first."""
    return [
        (f.fund_id, [s.distribution for s in _sheets(ws, f.fund_id, f.name, f.currency)])
        for f in list_funds(ws)
        if fund_id is None or f.fund_id == fund_id
    ]


def distribution_sheet(ws: Workspace, distribution_id: str) -> DistributionSheet:
    """One distribution with every LP's part; ``RecordNotFound`` for an unknown one."""
    fund_id = fund_of_distribution(ws, distribution_id)
    fund = next(f for f in list_funds(ws) if f.fund_id == fund_id)
    sheets = _sheets(ws, fund_id, fund.name, fund.currency)
    return next(s for s in sheets if s.distribution.distribution_id == distribution_id)
