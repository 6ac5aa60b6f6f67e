"""The columns of the capital tables."""

from __future__ import annotations

from core.money import figure_text
from core.views.capital_view import (
    AllocationLine,
    CallLine,
    DistributionLine,
    PreviewLine,
)
from core.views.distribution_view import DistributionPreviewLine, DistributionShare
from desktop.display import format_money
from desktop.records_model import Column

__all__ = [
    "ALLOCATION_COLUMNS",
    "CALL_COLUMNS",
    "DISTRIBUTION_COLUMNS",
    "distribution_preview_columns",
    "distribution_share_columns",
    "preview_columns",
]

_STATE_COLORS = {
    "draft": "#6b7785",
    "issued": "#3f6fd8",
    "partly paid": "#c77c02",
    "paid": "#2e8b57",
    "overdue": "#c0504d",
}


def _approval_color(line: CallLine | DistributionLine) -> str | None:
    approval = line.approval
    if approval.approved_by is not None:
        return "#2e8b57"
    return "#c77c02" if approval.needed else None


CALL_COLUMNS: list[Column[CallLine]] = [
    Column("Fund", lambda c: c.fund_name),
    Column("Purpose", lambda c: c.purpose or (f"for {c.deal_name}" if c.deal_name else "—")),
    Column("Call date", lambda c: c.call_date),
    Column("Due", lambda c: c.due_date),
    Column("Amount", lambda c: format_money(c.amount, c.currency), numeric=True),
    Column("Paid", lambda c: format_money(c.paid, c.currency), numeric=True),
    Column("State", lambda c: c.state, color=lambda c: _STATE_COLORS.get(c.state)),
    Column("Four-eyes", lambda c: c.approval.summary, color=_approval_color),
    Column("Basis", lambda c: c.basis),
    Column("LPs", lambda c: str(c.investors), numeric=True),
]

ALLOCATION_COLUMNS: list[Column[AllocationLine]] = [
    Column("Investor", lambda a: a.lp_name),
    Column("Called", lambda a: figure_text(a.amount, a.currency), numeric=True),
    Column("Paid", lambda a: figure_text(a.paid, a.currency), numeric=True),
    Column(
        "Outstanding",
        lambda a: figure_text(a.outstanding, a.currency),
        numeric=True,
        color=lambda a: "#c77c02" if a.outstanding > 0 else "#2e8b57",
    ),
]

DISTRIBUTION_COLUMNS: list[Column[DistributionLine]] = [
    Column("Fund", lambda d: d.fund_name),
    Column("Deal", lambda d: d.deal_name or "—"),
    Column("Date", lambda d: d.distribution_date),
    Column("Source", lambda d: d.source.replace("_", " ")),
    Column("Amount", lambda d: format_money(d.amount, d.currency), numeric=True),
    Column("Basis", lambda d: d.basis.replace("_", " ")),
    Column("State", lambda d: d.status, color=lambda d: _STATE_COLORS.get(d.status)),
    Column("Four-eyes", lambda d: d.approval.summary, color=_approval_color),
]


def preview_columns(currency: str) -> list[Column[PreviewLine]]:
    return [
        Column("Investor", lambda p: p.lp_name),
        Column("Commitment", lambda p: figure_text(p.committed, currency), numeric=True),
        Column("Unfunded", lambda p: figure_text(p.unfunded, currency), numeric=True),
        Column(
            f"Share ({currency})",
            lambda p: figure_text(p.share, currency),
            numeric=True,
        ),
    ]


def distribution_preview_columns(currency: str) -> list[Column[DistributionPreviewLine]]:
    return [
        Column("Investor", lambda p: p.lp_name),
        Column("Commitment", lambda p: figure_text(p.committed, currency), numeric=True),
        Column("Paid in", lambda p: figure_text(p.paid_in, currency), numeric=True),
        Column(f"Share ({currency})", lambda p: figure_text(p.share, currency), numeric=True),
    ]


def distribution_share_columns(currency: str) -> list[Column[DistributionShare]]:
    return [
        Column("Investor", lambda s: s.lp_name),
        Column(f"Amount ({currency})", lambda s: figure_text(s.amount, currency), numeric=True),
        Column(
            "GP carry",
            lambda s: "—" if s.carry is None else figure_text(s.carry, currency),
            numeric=True,
        ),
    ]
