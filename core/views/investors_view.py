"""Investors as the desktop shows them: LPs with their totals, contacts, commitments and a
capital account per fund.

Positions come from :func:`core.positions.positions_as_of`, the one definition of
committed, called, paid-in, called not paid, distributed and unfunded that the reducers
split with and every report states; here they count every record, whatever its date.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import Connection, select

from core.commands.reading import reading
from core.commands.workspace import Workspace
from core.errors import DealOSError
from core.positions import FundPositions, Position, positions_as_of
from core.store.schema import commitments, funds, lp_contacts, lps
from core.store.sql_projection import SqlProjection
from core.views.viewer import Viewer

__all__ = [
    "CapitalAccount",
    "CommitmentLine",
    "ContactLine",
    "LpDetail",
    "LpLine",
    "Totals",
    "list_investors",
    "lp_detail",
]

Totals = dict[str, Decimal]  # amount by currency


@dataclass(frozen=True, slots=True)
class LpLine:
    lp_id: str
    name: str
    lp_type: str
    funds: int
    committed: Totals
    called: Totals
    paid: Totals
    unfunded: Totals
    distributed: Totals
    # Unpaid on calls past their due date, as of today (core.positions).
    overdue: Totals = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ContactLine:
    name: str
    email: str
    phone: str | None
    title: str | None


@dataclass(frozen=True, slots=True)
class CommitmentLine:
    commitment_id: str
    fund_name: str
    amount: Decimal
    currency: str
    committed_on: str


@dataclass(frozen=True, slots=True)
class CapitalAccount:
    """One LP in one fund: what it promised, was asked for, paid and got back."""

    fund_id: str
    fund_name: str
    currency: str
    position: Position

    @property
    def committed(self) -> Decimal:
        return self.position.commitment

    @property
    def called(self) -> Decimal:
        return self.position.called

    @property
    def paid(self) -> Decimal:
        """Paid-in: contributions received."""
        return self.position.paid_in

    @property
    def distributed(self) -> Decimal:
        return self.position.distributed

    @property
    def unfunded(self) -> Decimal:
        return self.position.unfunded

    @property
    def outstanding(self) -> Decimal:
        """Called not paid."""
        return self.position.called_not_paid


@dataclass(frozen=True, slots=True)
class LpDetail:
    lp_id: str
    name: str
    lp_type: str
    contacts: tuple[ContactLine, ...]
    commitments: tuple[CommitmentLine, ...]
    accounts: tuple[CapitalAccount, ...]


def _positions(
    conn: Connection, ws: Workspace, as_of: dt.date | None = None
) -> list[tuple[str, str, str, FundPositions]]:
    projection = SqlProjection(conn, ws.org_id)
    rows = conn.execute(
        select(funds.c.fund_id, funds.c.name, funds.c.currency)
        .where(funds.c.org_id == ws.org_id)
        .order_by(funds.c.name)
    ).all()
    return [(f, n, c, positions_as_of(projection, f, as_of)) for f, n, c in rows]


def list_investors(ws: Workspace, viewer: Viewer, *, text: str = "") -> list[LpLine]:
    stmt = select(lps.c.lp_id, lps.c.name, lps.c.lp_type).where(lps.c.org_id == ws.org_id)
    visible = viewer.scope.lp_clause(lps.c.lp_id)
    if visible is not None:
        stmt = stmt.where(visible)
    with reading(ws) as conn:
        rows = conn.execute(stmt.order_by(lps.c.name, lps.c.lp_id)).all()
        positions = _positions(conn, ws)
        today = _positions(conn, ws, dt.date.today())
    sums: dict[str, dict[str, Totals]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(Decimal))
    )
    fund_count: dict[str, int] = defaultdict(int)
    for _fund_id, _name, currency, pos in positions:
        for lp_id, at in pos.positions.items():
            fund_count[lp_id] += 1
            lp = sums[lp_id]
            lp["committed"][currency] += at.commitment
            lp["called"][currency] += at.called
            lp["paid"][currency] += at.paid_in
            lp["unfunded"][currency] += at.unfunded
            lp["distributed"][currency] += at.distributed
    for _fund_id, _name, currency, pos in today:
        for lp_id, at in pos.positions.items():
            if at.overdue:
                sums[lp_id]["overdue"][currency] += at.overdue
    needle = text.strip().casefold()
    out = []
    for lp_id, name, lp_type in rows:
        if needle and needle not in name.casefold():
            continue
        lp = sums.get(lp_id, {})
        out.append(
            LpLine(
                lp_id,
                name,
                lp_type,
                fund_count.get(lp_id, 0),
                *(
                    dict(lp.get(k, {}))
                    for k in ("committed", "called", "paid", "unfunded", "distributed", "overdue")
                ),
            )
        )
    return out


def lp_detail(ws: Workspace, viewer: Viewer, lp_id: str) -> LpDetail:
    with reading(ws) as conn:
        lp = conn.execute(
            select(lps.c.name, lps.c.lp_type).where(lps.c.org_id == ws.org_id, lps.c.lp_id == lp_id)
        ).first()
        if lp is None or not viewer.scope.sees_lp(lp_id):
            raise DealOSError(f"no investor {lp_id} (or it is not shared with you)")
        contacts = (
            conn.execute(
                select(lp_contacts)
                .where(lp_contacts.c.org_id == ws.org_id, lp_contacts.c.lp_id == lp_id)
                .order_by(lp_contacts.c.name)
            )
            .mappings()
            .all()
        )
        pledges = (
            conn.execute(
                select(commitments, funds.c.name.label("fund_name"))
                .join(
                    funds,
                    (funds.c.org_id == commitments.c.org_id)
                    & (funds.c.fund_id == commitments.c.fund_id),
                )
                .where(commitments.c.org_id == ws.org_id, commitments.c.lp_id == lp_id)
                .order_by(commitments.c.committed_on, funds.c.name)
            )
            .mappings()
            .all()
        )
        positions = _positions(conn, ws)
    accounts = tuple(
        CapitalAccount(fund_id, name, currency, pos.positions[lp_id])
        for fund_id, name, currency, pos in positions
        if lp_id in pos.positions
    )
    return LpDetail(
        lp_id=lp_id,
        name=lp.name,
        lp_type=lp.lp_type,
        contacts=tuple(
            ContactLine(c["name"], c["email"], c["phone"], c["title"]) for c in contacts
        ),
        commitments=tuple(
            CommitmentLine(
                p["commitment_id"],
                p["fund_name"],
                Decimal(p["amount"]),
                p["currency"],
                p["committed_on"],
            )
            for p in pledges
        ),
        accounts=accounts,
    )
