"""One sentence per money record, as a confirmation states it: which record, how much,
from or to how many LPs, and when ("the capital call of 2026-12-06 for Harbor Peak Fund I:
USD 5,000,000.00 from 110 LPs, due 2026-12-20")."""

from __future__ import annotations

from core.commands import Workspace
from core.views.capital_view import CallLine, DistributionLine
from core.views.distribution_view import drafted_distribution
from desktop.display import format_money

__all__ = ["call_summary", "distribution_summary"]


def _lps(count: int) -> str:
    return "1 LP" if count == 1 else f"{count:,} LPs"


def call_summary(call: CallLine) -> str:
    return (
        f"the capital call of {call.call_date} for {call.fund_name}: "
        f"{format_money(call.amount, call.currency)} from {_lps(call.investors)}, "
        f"due {call.due_date}"
    )


def distribution_summary(ws: Workspace, dist: DistributionLine) -> str:
    drafted = drafted_distribution(ws, dist.distribution_id)
    to = f" to {_lps(len(drafted.shares))}" if drafted is not None else ""
    source = dist.source.replace("_", " ")
    return (
        f"the {source} distribution of {dist.distribution_date} for {dist.fund_name}: "
        f"{format_money(dist.amount, dist.currency)}{to}"
    )
