"""What a capital call or distribution would allocate, asked of the reducers with the very
command about to be signed.

:func:`preview_draft` runs the command through :meth:`Workspace.dry_run` and reads back the
rows the reducer wrote before the rollback: each LP's share, and for a distribution the
GP's carry, the tax withheld and the set-off against unpaid calls. A refusal is the
reducer's own :class:`~core.errors.OpRejected`, field and all, so a caller can name the
option that caused it. Beside each share stand the LP's commitment and the figure the split
weighs by (unfunded or paid-in) as of the draft's own date, from :mod:`core.positions`;
nothing here restates a split rule.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection, select

from core.commands.reading import reading
from core.commands.workspace import OpResult, Workspace
from core.errors import OpRejected
from core.ops.payloads.capital import CapitalCallCreatePayload, DistributionCreatePayload
from core.positions import positions_as_of
from core.store.schema import call_allocations, distribution_allocations, distributions, lps
from core.store.sql_projection import SqlProjection

__all__ = ["DraftPreview", "PreviewShare", "preview_draft"]

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class PreviewShare:
    """One LP's share of the draft, with its commitment and the split's weight figure
    (``unfunded`` for a call, ``paid_in`` for a distribution) as of the draft's date.
    ``withheld`` and ``offset`` come off a distribution share before it is paid."""

    lp_id: str
    lp_name: str
    committed: Decimal
    weighed: Decimal
    share: Decimal
    carry: Decimal = _ZERO
    withheld: Decimal = _ZERO
    offset: Decimal = _ZERO


@dataclass(frozen=True, slots=True)
class DraftPreview:
    """The shares the draft would get, or the reducer's refusal (``shares`` then empty)."""

    currency: str
    amount: Decimal
    weighed_by: str  # what ``PreviewShare.weighed`` is: "unfunded" or "paid-in"
    shares: tuple[PreviewShare, ...]
    gp_carry: Decimal
    refusal: OpRejected | None

    @property
    def total(self) -> Decimal:
        """What the LPs get together; with the GP's carry it is the draft's amount."""
        return sum((s.share for s in self.shares), _ZERO)


Draft = CapitalCallCreatePayload | DistributionCreatePayload


def _rows(
    conn: Connection, ws: Workspace, command: Draft, result: OpResult
) -> tuple[dict[str, tuple[Decimal, Decimal, Decimal, Decimal]], Decimal]:
    """Each LP's (share, carry, withheld, offset) the reducer wrote, and the GP's carry."""
    if isinstance(command, CapitalCallCreatePayload):
        rows = conn.execute(
            select(call_allocations.c.lp_id, call_allocations.c.amount).where(
                call_allocations.c.org_id == ws.org_id,
                call_allocations.c.call_id == result.entity_id,
            )
        )
        return {lp: (Decimal(a), _ZERO, _ZERO, _ZERO) for lp, a in rows}, _ZERO
    t = distribution_allocations
    found = conn.execute(
        select(t.c.lp_id, t.c.amount, t.c.carry, t.c.withheld, t.c.call_offset).where(
            t.c.org_id == ws.org_id, t.c.distribution_id == result.entity_id
        )
    )
    shares = {
        lp: (Decimal(a), Decimal(c or 0), Decimal(w or 0), Decimal(o or 0))
        for lp, a, c, w, o in found
    }
    carry = conn.execute(
        select(distributions.c.carried_interest).where(
            distributions.c.org_id == ws.org_id,
            distributions.c.distribution_id == result.entity_id,
        )
    ).scalar()
    return shares, Decimal(carry or 0)


def preview_draft(ws: Workspace, command: Draft) -> DraftPreview:
    """``command`` applied through the reducers and rolled back: what it would allocate."""
    is_call = isinstance(command, CapitalCallCreatePayload)
    on = dt.date.fromisoformat(
        command.call_date
        if isinstance(command, CapitalCallCreatePayload)
        else command.distribution_date
    )
    amount = Decimal(command.amount)
    weighed_by = "unfunded" if is_call else "paid-in"
    trial = ws.dry_run(command, inspect=lambda conn, result: _rows(conn, ws, command, result))
    if trial.refusal is not None or trial.seen is None:
        return DraftPreview(command.currency, amount, weighed_by, (), _ZERO, trial.refusal)
    written, gp_carry = trial.seen
    with reading(ws) as conn:
        positions = positions_as_of(
            SqlProjection(conn, ws.org_id), command.fund_id, on, with_nav=False
        )
        names = dict(
            conn.execute(select(lps.c.lp_id, lps.c.name).where(lps.c.org_id == ws.org_id)).all()
        )
    lines = []
    for lp_id, (share, carry, withheld, offset) in written.items():
        position = positions.of(lp_id)
        lines.append(
            PreviewShare(
                lp_id=lp_id,
                lp_name=str(names.get(lp_id, lp_id)),
                committed=position.commitment,
                weighed=position.unfunded if is_call else position.paid_in,
                share=share,
                carry=carry,
                withheld=withheld,
                offset=offset,
            )
        )
    lines.sort(key=lambda line: (line.lp_name, line.lp_id))
    return DraftPreview(command.currency, amount, weighed_by, tuple(lines), gp_carry, None)
