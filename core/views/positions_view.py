"""Every LP's position in one fund as of a date, by name: what ``dealos report positions``
prints and exports.

The figures are :class:`core.positions.Position` — the one definition of commitment,
called, paid-in, called not paid, distributed, unfunded and NAV share that the reducers
split with and every notice, statement and screen states — with the LPs' names beside
them and the fund's totals under them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from core.commands.reading import reading
from core.commands.workspace import Workspace
from core.positions import Position, Term, positions_as_of
from core.reports.errors import RecordNotFound
from core.store.schema import funds, lps
from core.store.sql_projection import SqlProjection

__all__ = ["PositionLine", "PositionsReport", "positions_report"]


@dataclass(frozen=True, slots=True)
class PositionLine:
    name: str
    position: Position


@dataclass(frozen=True, slots=True)
class PositionsReport:
    fund_id: str
    fund_name: str
    currency: str
    as_of: dt.date
    nav: Decimal | None
    nav_as_of: dt.date | None
    lines: tuple[PositionLine, ...]  # by LP name, then id

    def total(self, term: Term) -> Decimal:
        """The fund's total of ``term`` (``commitment``, ``unfunded`` …) over its LPs."""
        return sum((getattr(line.position, term) for line in self.lines), Decimal(0))

    def nav_total(self) -> Decimal | None:
        if self.nav is None:
            return None
        return sum((line.position.nav_share or Decimal(0) for line in self.lines), Decimal(0))


def positions_report(ws: Workspace, fund_id: str, as_of: dt.date) -> PositionsReport:
    """Each LP with a commitment to ``fund_id`` by ``as_of``, and its position then."""
    with reading(ws) as conn:
        fund = conn.execute(
            select(funds.c.name, funds.c.currency).where(
                funds.c.org_id == ws.org_id, funds.c.fund_id == fund_id
            )
        ).first()
        if fund is None:
            raise RecordNotFound(f"--fund {fund_id!r}: no such fund in this organization")
        positions = positions_as_of(SqlProjection(conn, ws.org_id), fund_id, as_of)
        names = {
            str(lp_id): str(name)
            for lp_id, name in conn.execute(
                select(lps.c.lp_id, lps.c.name).where(
                    lps.c.org_id == ws.org_id, lps.c.lp_id.in_(positions.lp_ids)
                )
            )
        }
    lines = sorted(
        (PositionLine(names.get(lp, lp), p) for lp, p in positions.positions.items()),
        key=lambda line: (line.name, line.position.lp_id),
    )
    return PositionsReport(
        fund_id=fund_id,
        fund_name=str(fund.name),
        currency=str(fund.currency),
        as_of=as_of,
        nav=positions.nav,
        nav_as_of=positions.nav_as_of,
        lines=tuple(lines),
    )
