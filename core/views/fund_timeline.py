"""A fund's called, distributed and unfunded capital over time, for the GP's chart.

Issued calls count on their call date and issued distributions on theirs; drafts are
plans, not history, and stay off the chart. Called and unfunded are the fund's totals of
its LPs' positions as of each day (:func:`core.positions.positions_as_of`), the figures
every other screen and report shows; distributed is what the fund paid out, GP carry
included.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from core.commands.reading import reading
from core.commands.workspace import Workspace
from core.positions import ledger_book
from core.store.schema import capital_calls, commitments, distributions, funds
from core.store.sql_projection import SqlProjection

__all__ = ["FundTimeline", "TimelinePoint", "fund_timeline"]


@dataclass(frozen=True, slots=True)
class TimelinePoint:
    on: str  # ISO date
    called: Decimal  # cumulative
    distributed: Decimal  # cumulative
    unfunded: Decimal


@dataclass(frozen=True, slots=True)
class FundTimeline:
    fund_id: str
    fund_name: str
    currency: str
    committed: Decimal
    points: tuple[TimelinePoint, ...]


def fund_timeline(ws: Workspace, fund_id: str) -> FundTimeline:
    with reading(ws) as conn:
        fund = conn.execute(
            select(funds.c.name, funds.c.currency).where(
                funds.c.org_id == ws.org_id, funds.c.fund_id == fund_id
            )
        ).one()
        events: list[tuple[str, str, Decimal]] = [
            (on, "committed", Decimal(amount))
            for on, amount in conn.execute(
                select(commitments.c.committed_on, commitments.c.amount).where(
                    commitments.c.org_id == ws.org_id, commitments.c.fund_id == fund_id
                )
            )
        ]
        events += [
            (on, "called", Decimal(amount))
            for on, amount in conn.execute(
                select(capital_calls.c.call_date, capital_calls.c.amount).where(
                    capital_calls.c.org_id == ws.org_id,
                    capital_calls.c.fund_id == fund_id,
                    capital_calls.c.status != "draft",
                )
            )
        ]
        events += [
            (on, "distributed", Decimal(amount))
            for on, amount in conn.execute(
                select(distributions.c.distribution_date, distributions.c.amount).where(
                    distributions.c.org_id == ws.org_id,
                    distributions.c.fund_id == fund_id,
                    distributions.c.status == "issued",
                )
            )
        ]
        book = ledger_book(SqlProjection(conn, ws.org_id), fund_id)
        days = sorted({on for on, _what, _amount in events})
        standing = {on: book.as_of(dt.date.fromisoformat(on), with_nav=False) for on in days}
    totals = {"committed": Decimal(0), "distributed": Decimal(0)}
    points: list[TimelinePoint] = []
    for on, what, amount in sorted(events):
        if what != "called":
            totals[what] += amount
        at = standing[on]
        point = TimelinePoint(on, at.total("called"), totals["distributed"], at.total("unfunded"))
        if points and points[-1].on == on:
            points[-1] = point
        else:
            points.append(point)
    return FundTimeline(fund_id, fund.name, fund.currency, totals["committed"], tuple(points))
