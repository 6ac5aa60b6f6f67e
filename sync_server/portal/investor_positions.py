"""An investor's positions as the portal shows them, computed by the reports' own code.

Each figure comes from the function the desktop and the command line use on the same
ledger: :func:`core.reports.ledger_reader.read_fund_ledger_at` reads the LP's ledger from
the server's projections (that LP's allocations and payments only) and the server's op
log; :func:`core.reports.capital_account.performance_at` gives paid-in, distributed,
unfunded, NAV share, TVPI, DPI and IRR — the performance block of the capital account
statement. The NAV share is :func:`core.reports.fund_records.lp_nav_share`'s, split from
every LP's paid-in summed by Postgres (:mod:`sync_server.portal.nav_shares`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection, select

from core.fund_math.irr_basis import irr_label
from core.fund_math.metrics import Metrics
from core.reports.capital_account import NavLookup, performance_at
from core.reports.errors import RecordNotFound
from core.reports.ledger_reader import read_fund_ledger_at
from core.reports.ledger_values import CallEntry, DistributionEntry, LpLedger, NavShare
from core.reports.periods import ReportPeriod
from core.store.schema import commitments, funds, lps
from sync_server.portal.investor_access import NotSeen, PortalViewer, server_op_log
from sync_server.portal.nav_shares import NavShares

__all__ = [
    "PositionKey",
    "PositionSummary",
    "call_status",
    "distribution_status",
    "nav_lookup",
    "position_keys",
    "read_ledger",
    "statement_periods",
    "summarize",
]


@dataclass(frozen=True, slots=True, order=True)
class PositionKey:
    """One LP's commitment to one fund, by the names a person knows them by."""

    fund_name: str
    investor_name: str
    fund_id: str
    lp_id: str


@dataclass(frozen=True, slots=True)
class PositionSummary:
    key: PositionKey
    currency: str
    as_of: dt.date
    metrics: Metrics
    irr_label: str
    nav: NavShare | None
    called_not_paid: Decimal
    ledger: LpLedger


def position_keys(conn: Connection, viewer: PortalViewer) -> list[PositionKey]:
    """Every (LP, fund) the viewer's LPs are committed to, by fund then LP name."""
    if not viewer.scope.lps:
        return []
    org = viewer.org_id
    rows = conn.execute(
        select(funds.c.name, lps.c.name, funds.c.fund_id, lps.c.lp_id)
        .distinct()
        .select_from(commitments)
        .join(
            funds,
            (funds.c.org_id == commitments.c.org_id) & (funds.c.fund_id == commitments.c.fund_id),
        )
        .join(lps, (lps.c.org_id == commitments.c.org_id) & (lps.c.lp_id == commitments.c.lp_id))
        .where(commitments.c.org_id == org, commitments.c.lp_id.in_(sorted(viewer.scope.lps)))
    )
    return sorted(PositionKey(*row) for row in rows)


def read_ledger(conn: Connection, viewer: PortalViewer, lp_id: str, fund_id: str) -> LpLedger:
    """The viewer's LP ``lp_id`` in ``fund_id``; NotSeen for anyone else's, or none."""
    viewer.require_lp(lp_id)
    org = viewer.org_id
    try:
        fund = read_fund_ledger_at(conn, org, fund_id, lp_id=lp_id, log=server_op_log(org))
    except RecordNotFound:
        raise NotSeen("a fund position", fund_id) from None
    ledger = fund.of(lp_id)
    if ledger is None:
        raise NotSeen("a fund position", fund_id)
    return ledger


def nav_lookup(conn: Connection, viewer: PortalViewer, ledger: LpLedger) -> NavLookup:
    """The LP's share of the fund NAV on a day, as :func:`core.reports.fund_records.
    lp_nav_share` states it (:class:`sync_server.portal.nav_shares.NavShares`), read in
    the page's transaction."""
    shares = NavShares(
        conn,
        viewer.org_id,
        ledger.fund.fund_id,
        ledger.investor.lp_id,
        server_op_log(viewer.org_id),
    )
    return shares.on


def summarize(
    conn: Connection, viewer: PortalViewer, key: PositionKey, today: dt.date
) -> PositionSummary:
    ledger = read_ledger(conn, viewer, key.lp_id, key.fund_id)
    nav = nav_lookup(conn, viewer, ledger)(today)
    return PositionSummary(
        key=key,
        currency=ledger.currency,
        as_of=today,
        metrics=performance_at(ledger, today, nav),
        irr_label=irr_label(None if nav is None else nav.as_of, today),
        nav=nav,
        called_not_paid=ledger.called_not_paid(today),
        ledger=ledger,
    )


def call_status(call: CallEntry, today: dt.date) -> str:
    """How an investor reads where a call stands."""
    if call.outstanding <= 0:
        return "Paid"
    if call.due_date < today:
        return "Overdue"
    if call.paid > 0:
        return "Partly paid"
    return "Awaiting payment"


def distribution_status(entry: DistributionEntry) -> str:
    return "Paid" if entry.paid > 0 else "Issued"


def statement_periods(ledger: LpLedger, today: dt.date) -> list[ReportPeriod]:
    """Every quarter from the LP's first commitment to today's, newest first."""
    if not ledger.commitments:
        return []
    first = min(c.committed_on for c in ledger.commitments)
    year, quarter = first.year, (first.month - 1) // 3 + 1
    periods = []
    while (year, quarter) <= (today.year, (today.month - 1) // 3 + 1):
        periods.append(ReportPeriod.quarter(year, quarter))
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return periods[::-1]
