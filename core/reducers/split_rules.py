"""Which positions a call or distribution is split by, and since when.

``as_of_date``: the positions as they stood on the op's own business date (DESIGN §5,
"Point in time"). ``running_totals``: the ledger's totals when the op was applied, drafts
reserving commitment — the rule every op signed before dated splits existed was issued
under. An op may state its rule; one that does not gets the rule in force when it was
signed, so a stored log replays to the cents it was issued with and a client that never
heard of the field splits by dated positions.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from core.reducers.context import OpContext

__all__ = ["DATED_SPLITS_FROM", "split_rule_of"]

# Ops signed from this moment on without a split_rule are split by dated positions; this
# build is the first to sign dated splits, and every op signed before it used the running
# totals. issued_at is the author's claim, but it gives the author no power: the author
# may name either rule explicitly anyway.
DATED_SPLITS_FROM: Final = dt.datetime(2026, 12, 6, tzinfo=dt.UTC)


def split_rule_of(ctx: OpContext, stated: str | None) -> str:
    """The rule a call or distribution is split by: the one it states, else the one in
    force when it was signed."""
    if stated is not None:
        return stated
    signed = dt.datetime.fromisoformat(ctx.op.issued_at.replace("Z", "+00:00"))
    return "as_of_date" if signed >= DATED_SPLITS_FROM else "running_totals"
