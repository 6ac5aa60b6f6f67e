"""``dealos report positions``: each LP's position in a fund as of a date, as a table or CSV.

Columns: commitment, called, paid-in, called not paid (and the part of it overdue: its
call was due before the date), distributed, unfunded and NAV share
(:mod:`core.positions`), by LP name, with the fund's total line. The table states money
with its currency to the minor unit; the CSV carries plain decimal strings and a currency
column, so a spreadsheet reads exact amounts.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from core.money import CURRENCY_EXPONENTS
from core.positions import Position, Term
from core.reports.presentation import money_text
from core.views.positions_view import PositionsReport

__all__ = ["TERMS", "positions_csv", "positions_table"]

# (column title, Position attribute), in the order a fund controller reads them.
TERMS: tuple[tuple[str, Term], ...] = (
    ("Commitment", "commitment"),
    ("Called", "called"),
    ("Paid-in", "paid_in"),
    ("Called not paid", "called_not_paid"),
    ("Overdue", "overdue"),
    ("Distributed", "distributed"),
    ("Unfunded", "unfunded"),
)
_TITLES = (*(title for title, _ in TERMS), "NAV share")
_NAME_WIDTH = 40


def _plain(amount: Decimal | None, currency: str) -> str:
    if amount is None:
        return ""
    return format(amount.quantize(Decimal(1).scaleb(-CURRENCY_EXPONENTS[currency])), "f")


def _figures(position: Position) -> list[Decimal | None]:
    return [*(getattr(position, term) for _, term in TERMS), position.nav_share]


def _cells(report: PositionsReport, values: list[Decimal | None]) -> list[str]:
    return ["-" if v is None else money_text(v, report.currency) for v in values]


def positions_table(report: PositionsReport) -> str:
    nav = f"NAV as of {report.nav_as_of}" if report.nav_as_of else "no NAV recorded"
    header = ["LP", *_TITLES]
    rows = [[line.name, *_cells(report, _figures(line.position))] for line in report.lines]
    totals: list[Decimal | None] = [report.total(term) for _, term in TERMS]
    rows.append(["Fund total", *_cells(report, [*totals, report.nav_total()])])
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    widths[0] = min(widths[0], _NAME_WIDTH)
    lines = [
        f"{report.fund_name} ({report.currency}), positions as of "
        f"{report.as_of.isoformat()}: {nav}",
        *(_row(row, widths) for row in [header, *rows]),
        "Called counts issued calls dated by then; paid-in, payments received by then; "
        "overdue, what is unpaid on calls due before the date; unfunded is commitment less "
        "called. NAV share: pro rata to paid-in at the NAV date.",
    ]
    return "\n".join(lines)


def positions_csv(report: PositionsReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["LP", "LP ID", "Currency", "As of", *_TITLES])
    for line in report.lines:
        writer.writerow(
            [
                line.name,
                line.position.lp_id,
                report.currency,
                report.as_of.isoformat(),
                *(_plain(v, report.currency) for v in _figures(line.position)),
            ]
        )
    return out.getvalue()


def _row(cells: list[str], widths: list[int]) -> str:
    name = cells[0] if len(cells[0]) <= widths[0] else cells[0][: widths[0] - 1] + "…"
    rest = (cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True))
    return "  ".join([name.ljust(widths[0]), *rest]).rstrip()
