"""A fund's calls, distributions and capital accounts as tables for a spreadsheet.

One row per LP (and per call or distribution): the GP's working files, so drafts appear
too, marked by their status, while capital account figures count issued records only, as
the LP documents do. Money cells are :class:`core.money.Money`, so the writer knows each
cell's currency; shares are fractions (0.016207…), formatted as percentages by the writer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from core.money import Money
from core.reports.capital_account import NavLookup, balance_on
from core.reports.ledger_values import FundLedger, LpLedger

__all__ = [
    "Cell",
    "ColumnKind",
    "ExportColumn",
    "ExportTable",
    "call_table",
    "capital_account_table",
    "distribution_table",
]

Cell = str | int | Decimal | dt.date | Money | None
ColumnKind = Literal["text", "id", "money", "date", "share", "count"]


@dataclass(frozen=True, slots=True)
class ExportColumn:
    title: str
    kind: ColumnKind


@dataclass(frozen=True, slots=True)
class ExportTable:
    """A titled grid: ``rows`` hold one cell per column, of the column's kind."""

    title: str
    columns: tuple[ExportColumn, ...]
    rows: tuple[tuple[Cell, ...], ...]

    def column(self, title: str) -> int:
        return next(i for i, c in enumerate(self.columns) if c.title == title)


def _columns(*spec: tuple[str, ColumnKind]) -> tuple[ExportColumn, ...]:
    return tuple(ExportColumn(title, kind) for title, kind in spec)


_LP: tuple[tuple[str, ColumnKind], ...] = (
    ("Fund", "text"),
    ("Fund ID", "id"),
    ("LP", "text"),
    ("LP ID", "id"),
)


def _lp_cells(lp: LpLedger) -> tuple[Cell, ...]:
    return (lp.fund.name, lp.fund.fund_id, lp.investor.name, lp.investor.lp_id)


def capital_account_table(
    funds: Sequence[FundLedger],
    as_of: dt.date,
    nav_for: Callable[[LpLedger], NavLookup | None] = lambda _lp: None,
) -> ExportTable:
    """Each LP's capital account in each fund at the end of ``as_of``."""
    rows = []
    for fund in funds:
        for lp in fund.ledgers:
            currency = lp.currency
            nav = nav_for(lp)
            share = nav(as_of) if nav is not None else None
            position = lp.position(as_of)

            def money(amount: Decimal, currency: str = currency) -> Money:
                return Money(amount, currency)

            rows.append(
                (
                    *_lp_cells(lp),
                    currency,
                    money(position.commitment),
                    lp.share(),
                    money(position.called),
                    money(position.paid_in),
                    money(position.called_not_paid),
                    money(position.distributed),
                    money(position.unfunded),
                    money(balance_on(lp, as_of, nav)),
                    "cost" if share is None else f"NAV {share.as_of.isoformat()}",
                    as_of,
                    " ".join(c.op_id for c in lp.commitments if c.committed_on <= as_of),
                )
            )
    return ExportTable(
        "Capital accounts",
        _columns(
            *_LP,
            ("Currency", "text"),
            ("Commitment", "money"),
            ("Share of fund", "share"),
            ("Called", "money"),
            ("Paid in", "money"),
            ("Called not paid", "money"),
            ("Distributed", "money"),
            ("Unfunded", "money"),
            ("Capital account", "money"),
            ("Basis", "text"),
            ("As of", "date"),
            ("Commitment op ids", "id"),
        ),
        tuple(rows),
    )


def call_table(funds: Sequence[FundLedger]) -> ExportTable:
    """One row per LP per capital call, in call order."""
    rows = []
    for fund in funds:
        for lp in fund.ledgers:
            for c in lp.calls:
                rows.append(
                    (
                        *_lp_cells(lp),
                        c.number,
                        c.call_id,
                        c.call_date,
                        c.due_date,
                        c.purpose,
                        c.status,
                        lp.currency,
                        Money(c.amount, lp.currency),
                        Money(c.paid, lp.currency),
                        Money(c.outstanding, lp.currency),
                        c.op_id,
                    )
                )
    rows.sort(key=lambda r: (str(r[0]), str(r[6]), str(r[5]), str(r[2])))
    return ExportTable(
        "Capital calls",
        _columns(
            *_LP,
            ("Call No.", "count"),
            ("Call ID", "id"),
            ("Call date", "date"),
            ("Due date", "date"),
            ("Purpose", "text"),
            ("Status", "text"),
            ("Currency", "text"),
            ("Called", "money"),
            ("Paid", "money"),
            ("Outstanding", "money"),
            ("Op id", "id"),
        ),
        tuple(rows),
    )


def distribution_table(funds: Sequence[FundLedger]) -> ExportTable:
    """One row per LP per distribution: the gross amount, its classes (derived by the same
    rule, and marked so, for one drafted before classes were kept), what was withheld and
    set off against unpaid calls, what was paid, and tiers as ``tier=amount`` text when
    recorded."""
    rows = []
    for fund in funds:
        for lp in fund.ledgers:
            for d in lp.distributions:
                tiers = "; ".join(f"{t.tier}={t.amount}" for t in d.tiers)
                classes, derived = lp.classes_of(d)
                rows.append(
                    (
                        *_lp_cells(lp),
                        d.number,
                        d.distribution_id,
                        d.distribution_date,
                        d.source,
                        d.status,
                        lp.currency,
                        Money(d.amount, lp.currency),
                        Money(classes.return_of_capital, lp.currency),
                        Money(classes.gain, lp.currency),
                        Money(classes.income, lp.currency),
                        "derived when exported" if derived else "fixed when drafted",
                        Money(d.withheld, lp.currency),
                        Money(d.call_offset, lp.currency),
                        Money(d.paid, lp.currency),
                        "yes" if d.recallable else "no",
                        tiers,
                        d.op_id,
                    )
                )
    rows.sort(key=lambda r: (str(r[0]), str(r[6]), str(r[5]), str(r[2])))
    return ExportTable(
        "Distributions",
        _columns(
            *_LP,
            ("Distribution No.", "count"),
            ("Distribution ID", "id"),
            ("Date", "date"),
            ("Source", "text"),
            ("Status", "text"),
            ("Currency", "text"),
            ("Amount", "money"),
            ("Return of capital", "money"),
            ("Gain", "money"),
            ("Income", "money"),
            ("Classes", "text"),
            ("Withheld", "money"),
            ("Set off against unpaid calls", "money"),
            ("Paid", "money"),
            ("Recallable", "text"),
            ("Tiers", "text"),
            ("Op id", "id"),
        ),
        tuple(rows),
    )
