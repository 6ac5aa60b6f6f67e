"""Which funds an LP, a call or a distribution belongs to, before a ledger is read.

Each lookup refuses an id that is not in the organization with a :class:`RecordNotFound`
naming it, so ``dealos report notice --lp <typo>`` answers in one readable line.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, select

from core.commands.reading import reading
from core.commands.workspace import Workspace
from core.reports.errors import RecordNotFound
from core.store.schema import capital_calls, commitments, distributions, funds, lps

__all__ = [
    "fund_ids",
    "fund_of_call",
    "fund_of_distribution",
    "funds_of_lp",
    "lines_for_lp",
    "lp_name",
]


def lines_for_lp(lines: Iterable[str], other_names: Iterable[str]) -> tuple[str, ...]:
    """The lines that name no other LP: an LP never learns another LP's identity or share."""
    others = [name for name in other_names if name]
    return tuple(line for line in lines if not any(name in line for name in others))


def lp_name(conn: Connection, org_id: str, lp_id: str) -> str:
    name = conn.execute(
        select(lps.c.name).where(lps.c.org_id == org_id, lps.c.lp_id == lp_id)
    ).scalar()
    if name is None:
        raise RecordNotFound(f"no LP {lp_id!r} in this organization")
    return str(name)


def fund_ids(ws: Workspace) -> tuple[str, ...]:
    """Every fund of the organization, by name."""
    with reading(ws) as conn:
        rows = conn.execute(
            select(funds.c.fund_id).where(funds.c.org_id == ws.org_id).order_by(funds.c.name)
        )
        return tuple(r[0] for r in rows)


def funds_of_lp(ws: Workspace, lp_id: str) -> tuple[str, ...]:
    """The funds ``lp_id`` has committed to, by fund name; refuses an unknown LP."""
    with reading(ws) as conn:
        lp_name(conn, ws.org_id, lp_id)
        rows = conn.execute(
            select(funds.c.fund_id)
            .join(commitments, commitments.c.fund_id == funds.c.fund_id)
            .where(
                funds.c.org_id == ws.org_id,
                commitments.c.org_id == ws.org_id,
                commitments.c.lp_id == lp_id,
            )
            .group_by(funds.c.fund_id, funds.c.name)
            .order_by(funds.c.name)
        )
        return tuple(r[0] for r in rows)


def fund_of_call(ws: Workspace, call_id: str) -> str:
    with reading(ws) as conn:
        fund_id = conn.execute(
            select(capital_calls.c.fund_id).where(
                capital_calls.c.org_id == ws.org_id, capital_calls.c.call_id == call_id
            )
        ).scalar()
    if fund_id is None:
        raise RecordNotFound(f"no capital call {call_id!r} in this organization")
    return str(fund_id)


def fund_of_distribution(ws: Workspace, distribution_id: str) -> str:
    with reading(ws) as conn:
        fund_id = conn.execute(
            select(distributions.c.fund_id).where(
                distributions.c.org_id == ws.org_id,
                distributions.c.distribution_id == distribution_id,
            )
        ).scalar()
    if fund_id is None:
        raise RecordNotFound(f"no distribution {distribution_id!r} in this organization")
    return str(fund_id)
