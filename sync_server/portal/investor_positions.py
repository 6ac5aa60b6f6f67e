"""An investor's positions as the portal shows them, computed by the reports' own code.

Each figure comes from the function the desktop and the command line use on the same
ledger: :func:`core.reports.ledger_reader.read_fund_ledger_at` reads the LP's ledger from
the server's projections (that LP's allocations and payments only) and the server's op
log; :func:`core.reports.capital_account.performance_at` gives paid-in, distributed,
unfunded, NAV share, TVPI, DPI and IRR — the performance block of the capital account
statement; :func:`core.reports.fund_records.lp_nav_share` the NAV share. Nothing here
restates a rule of fund math.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection, select

from core.fund_math.irr_basis import irr_label
from core.fund_math.metrics import Metrics
from core.reports import fund_records
from core.reports.capital_account import NavLookup, performance_at
from core.reports.errors import RecordNotFound
from core.reports.ledger_reader import read_fund_ledger_at
from core.reports.ledger_values import CallEntry, DistributionEntry, LpLedger, NavShare
from core.reports.periods import ReportPeriod
from core.store.schema import commitments, funds, lps
from sync_server.portal.investor_access import NotSeen, PortalViewer, server_op_log
from sync_server.server_schema import org_heads

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


# An LP's NAV share is the whole fund's NAV split pro rata to every LP's paid-in at the
# mark: reading it tallies every LP of the fund. It is the same for every day that has the
# same latest mark (and the same answer to "had the LP committed by then"), and it cannot
# change while the organization's log does not grow: so it is kept per log position.
_NAV_SHARES: dict[tuple[object, ...], NavShare | None] = {}
_NAV_LOCK = threading.Lock()
_NAV_KEPT = 4096


def nav_lookup(conn: Connection, viewer: PortalViewer, ledger: LpLedger) -> NavLookup:
    """The LP's share of the fund NAV on a day (:func:`core.reports.fund_records.
    lp_nav_share`), read in the page's transaction."""
    org, fund, lp = viewer.org_id, ledger.fund.fund_id, ledger.investor.lp_id
    log = server_op_log(org)
    seq = conn.execute(select(org_heads.c.last_seq).where(org_heads.c.org_id == org)).scalar()
    table = fund_records.projection_table(fund_records.VALUATIONS_TABLE)
    marks: list[tuple[str, str]] = []
    if table is not None:
        marks = sorted(
            (str(r[0]), str(r[1]))
            for r in conn.execute(
                select(table.c.as_of, table.c.valuation_id).where(
                    table.c.org_id == org, table.c.fund_id == fund
                )
            )
        )
    committed = [c.committed_on for c in ledger.commitments]

    def lookup(day: dt.date) -> NavShare | None:
        mark = max((m for m in marks if m[0] <= day.isoformat()), default=None)
        key = (org, seq, fund, lp, mark, any(on <= day for on in committed))
        with _NAV_LOCK:
            if key in _NAV_SHARES:
                return _NAV_SHARES[key]
        share = fund_records.lp_nav_share(conn, org, fund, lp, day, log=log)
        with _NAV_LOCK:
            if len(_NAV_SHARES) >= _NAV_KEPT:
                _NAV_SHARES.clear()
            _NAV_SHARES[key] = share
        return share

    return lookup


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
