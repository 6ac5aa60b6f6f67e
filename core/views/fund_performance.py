"""Fund performance as of a date, per fund, per LP and per deal, read from the ledger.

Rows come from one read-only snapshot (:func:`core.commands.reading.reading`), every metric
from :mod:`core.fund_math`; this module only decides which rows count as of the date:

* **committed** — commitments dated on or before it; **unfunded** — commitment less the
  shares of *issued* calls dated on or before it;
* **paid-in** — payments received (``paid_on``) on or before it, not amounts called;
* **distributed** — LPs' allocations of *issued* distributions dated on or before it
  (net of any GP carry: what LPs received);
* **NAV** — the latest fund NAV mark (``fund.nav.record``) on or before it, else ``None``.
  An LP's NAV is its share of that mark by the capital account statement's rule
  (:attr:`core.positions.Position.nav_share`: pro rata to capital paid in by the
  mark's date, largest remainder), so LP NAVs add up to the fund's to the cent;
* **TVPI, RVPI** — ``None`` without a NAV or with nothing paid in; **DPI** needs no NAV.
  Each multiple is rounded on its own to four places, so TVPI may differ from DPI + RVPI
  by 0.0001 (:mod:`core.fund_math.metrics`);
* **XIRR** — contributions negative on ``paid_on``, distributions positive, and the NAV
  mark, if any, a final inflow on the as-of date (an older mark is carried to it
  unchanged). With no NAV it is the rate of the cash alone, understating a fund that
  still holds assets, and :attr:`FundPerformance.irr_label` says so.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, select

from core.commands.reading import reading
from core.commands.workspace import Workspace
from core.fund_math import CashFlow
from core.fund_math import metrics as fm
from core.fund_math.irr_basis import irr_label
from core.fund_math.metrics import Metrics, account_metrics
from core.positions import positions_as_of
from core.reports.errors import RecordNotFound
from core.store.schema import (
    capital_calls,
    deals,
    distribution_allocations,
    distributions,
    fund_valuations,
    funds,
    lps,
    payments,
)
from core.store.sql_projection import SqlProjection

__all__ = [
    "DealPerformance",
    "FundPerformance",
    "LpPerformance",
    "Metrics",
    "fund_performance",
]

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class LpPerformance:
    lp_id: str
    name: str
    metrics: Metrics


@dataclass(frozen=True, slots=True)
class DealPerformance:
    """Capital a deal took and returned, from calls and distributions tagged to it.

    No NAV is kept per deal (fund NAV marks are whole-fund), so ``moic`` is the *realized*
    multiple only: distributed / invested, with nothing for value still held.
    """

    deal_id: str
    name: str
    called: Decimal  # issued calls tagged to the deal, dated on or before the as-of date
    invested: Decimal  # payments against those calls received on or before the date
    distributed: Decimal  # LP allocations of issued distributions tagged to the deal
    moic: Decimal | None


@dataclass(frozen=True, slots=True)
class FundPerformance:
    fund_id: str
    name: str
    currency: str
    as_of: dt.date
    nav_as_of: dt.date | None  # the date of the NAV mark used, if any
    metrics: Metrics
    lps: tuple[LpPerformance, ...]  # by LP name; only the LP asked for, when one was
    deals: tuple[DealPerformance, ...]  # by deal name; untagged calls count in no deal

    @property
    def irr_label(self) -> str:
        """What the IRRs of this fund and its LPs are called wherever they are shown:
        ``"IRR (distributions only: no NAV recorded as of …)"`` without a NAV mark."""
        return irr_label(self.nav_as_of, self.as_of)


def fund_performance(
    ws: Workspace, fund_id: str, *, as_of: dt.date, lp_id: str | None = None
) -> FundPerformance:
    """The fund's performance as of ``as_of``; LP lines for every LP, or only ``lp_id``."""
    with reading(ws) as conn:
        return _Reader(conn, ws.org_id, fund_id, as_of).read(lp_id)


class _Reader:
    def __init__(self, conn: Connection, org_id: str, fund_id: str, as_of: dt.date) -> None:
        self.conn = conn
        self.org_id = org_id
        self.fund_id = fund_id
        self.as_of = as_of
        self.day = as_of.isoformat()

    def read(self, lp_id: str | None) -> FundPerformance:
        org, fund, day = self.org_id, self.fund_id, self.day
        head = self.conn.execute(
            select(funds.c.name, funds.c.currency).where(
                funds.c.org_id == org, funds.c.fund_id == fund
            )
        ).first()
        if head is None:
            raise RecordNotFound(f"no fund {fund!r} in this organization")
        # Committed and called are the LPs' positions as of the date (core.positions).
        positions = positions_as_of(SqlProjection(self.conn, org), fund, self.as_of)
        committed = {lp: p.commitment for lp, p in positions.positions.items()}
        if lp_id is not None and lp_id not in committed:
            raise RecordNotFound(f"LP {lp_id} has no commitment to {head.name} by {day}")
        called = {lp: p.called for lp, p in positions.positions.items()}
        paid = self.conn.execute(
            select(payments.c.lp_id, payments.c.amount, payments.c.paid_on, capital_calls.c.deal_id)
            .join(capital_calls, _same(capital_calls, payments, "call_id"))
            .where(payments.c.org_id == org, capital_calls.c.fund_id == fund)
            .where(payments.c.paid_on <= day)
        ).all()
        returned = self.conn.execute(
            select(
                distribution_allocations.c.lp_id,
                distribution_allocations.c.amount,
                distributions.c.distribution_date,
                distributions.c.deal_id,
            )
            .join(distributions, _same(distributions, distribution_allocations, "distribution_id"))
            .where(distribution_allocations.c.org_id == org, distributions.c.fund_id == fund)
            .where(distributions.c.status == "issued", distributions.c.distribution_date <= day)
        ).all()
        mark = self.conn.execute(
            select(fund_valuations.c.as_of, fund_valuations.c.nav)
            .where(fund_valuations.c.org_id == org, fund_valuations.c.fund_id == fund)
            .where(fund_valuations.c.as_of <= day)
            .order_by(fund_valuations.c.as_of.desc())
            .limit(1)
        ).first()
        nav = None if mark is None else Decimal(mark.nav)
        into, out = _flows(paid, "paid_on"), _flows(returned, "distribution_date")
        wanted = sorted(committed if lp_id is None else [lp_id])
        names = self._names(lps.c.lp_id, lps.c.name, wanted)
        lines = []
        for lp in wanted:
            share = None
            if nav is not None:
                held = positions.of(lp).nav_share
                share = _ZERO if held is None else held
            block = account_metrics(
                self.as_of, committed[lp], called.get(lp, _ZERO), into[lp], out[lp], share
            )
            lines.append(LpPerformance(lp, names.get(lp, lp), block))
        total, drawn = sum(committed.values(), _ZERO), sum(called.values(), _ZERO)
        every = [*chain.from_iterable(into.values())], [*chain.from_iterable(out.values())]
        return FundPerformance(
            fund_id=fund,
            name=str(head.name),
            currency=str(head.currency),
            as_of=self.as_of,
            nav_as_of=None if mark is None else _date(mark.as_of),
            metrics=account_metrics(self.as_of, total, drawn, *every, nav),
            lps=tuple(sorted(lines, key=lambda line: (line.name, line.lp_id))),
            deals=self._deals(paid, returned),
        )

    def _names(self, key: Any, name: Any, ids: Iterable[str]) -> dict[str, str]:
        rows = self.conn.execute(
            select(key, name).where(key.table.c.org_id == self.org_id, key.in_(sorted(ids)))
        )
        return {str(k): str(n) for k, n in rows}

    def _deals(self, paid: Sequence[Any], returned: Sequence[Any]) -> tuple[DealPerformance, ...]:
        org, fund, day = self.org_id, self.fund_id, self.day
        invested = _sum_by_key((r.deal_id, r.amount) for r in paid if r.deal_id is not None)
        back = _sum_by_key((r.deal_id, r.amount) for r in returned if r.deal_id is not None)
        called = _sum_by_key(
            self.conn.execute(
                select(capital_calls.c.deal_id, capital_calls.c.amount)
                .where(capital_calls.c.org_id == org, capital_calls.c.fund_id == fund)
                .where(capital_calls.c.deal_id.is_not(None), _issued(day))
            )
        )
        tagged = set(called) | set(invested) | set(back)
        names = self._names(deals.c.deal_id, deals.c.name, tagged)
        lines = [
            DealPerformance(
                deal_id=deal,
                name=names.get(deal, deal),
                called=called.get(deal, _ZERO),
                invested=invested.get(deal, _ZERO),
                distributed=back.get(deal, _ZERO),
                moic=fm.moic(back.get(deal, _ZERO), _ZERO, invested.get(deal, _ZERO)),
            )
            for deal in tagged
        ]
        return tuple(sorted(lines, key=lambda line: (line.name, line.deal_id)))


def _issued(day: str) -> ColumnElement[bool]:
    """Calls that count: issued, and dated on or before ``day``."""
    return (capital_calls.c.status == "issued") & (capital_calls.c.call_date <= day)


def _same(left: Table, right: Table, column: str) -> ColumnElement[bool]:
    return (left.c.org_id == right.c.org_id) & (left.c[column] == right.c[column])


def _sum_by_key(rows: Iterable[Any]) -> dict[str, Decimal]:
    """``(key, amount)`` rows summed per key (an LP or a deal), amounts as Decimal."""
    found: dict[str, Decimal] = defaultdict(Decimal)
    for key, amount in rows:
        found[key] += Decimal(amount)
    return dict(found)


def _flows(rows: Sequence[Any], date: str) -> defaultdict[str, list[CashFlow]]:
    """Each LP's dated amounts, positive: ``lp_cash_flows`` applies the XIRR signs."""
    found: defaultdict[str, list[CashFlow]] = defaultdict(list)
    for r in rows:
        found[r.lp_id].append(CashFlow(_date(r._mapping[date]), Decimal(r.amount)))
    return found


def _date(raw: str) -> dt.date:
    return dt.date.fromisoformat(raw)
