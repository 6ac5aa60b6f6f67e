"""The investor's own ledger in one fund as a spreadsheet: every commitment, issued call,
payment and issued distribution, dated, with the running figures an LP reconciles against.

The rows come from the LP's ledger (:class:`core.reports.ledger_values.LpLedger`), the same
value its statements and notices are built from; the file is written by
:func:`core.reports.spreadsheets.xlsx_bytes`, money cells exact to the cent. Only words a
person reads: no ids (an LP has no use for them, and the GP's exports carry them).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from core.money import Money
from core.reports.exports import Cell, ExportColumn, ExportTable
from core.reports.ledger_values import LpLedger
from core.reports.spreadsheets import xlsx_bytes

__all__ = ["ledger_table", "ledger_xlsx"]

_COLUMNS = (
    ExportColumn("Date", "date"),
    ExportColumn("Entry", "text"),
    ExportColumn("Detail", "text"),
    ExportColumn("Due date", "date"),
    ExportColumn("Commitment", "money"),
    ExportColumn("Called", "money"),
    ExportColumn("Paid in", "money"),
    ExportColumn("Distributed", "money"),
)


def ledger_table(ledger: LpLedger) -> ExportTable:
    currency = ledger.currency

    def m(amount: Decimal | None) -> Money | None:
        return None if amount is None else Money(amount, currency)

    titles = {c.call_id: c.title for c in ledger.calls}
    rows: list[tuple[tuple[dt.date, int], tuple[Cell, ...]]] = []
    for c in ledger.commitments:
        rows.append(
            (
                (c.committed_on, 0),
                (c.committed_on, "Commitment", "", None, m(c.amount), None, None, None),
            )
        )
    for call in ledger.issued_calls():
        detail = call.purpose + (f" ({call.deal_name})" if call.deal_name else "")
        rows.append(
            (
                (call.call_date, 1),
                (
                    call.call_date,
                    call.title,
                    detail,
                    call.due_date,
                    None,
                    m(call.amount),
                    None,
                    None,
                ),
            )
        )
    for p in ledger.payments:
        rows.append(
            (
                (p.paid_on, 2),
                (
                    p.paid_on,
                    "Payment",
                    f"towards {titles.get(p.call_id, 'a capital call')}",
                    None,
                    None,
                    None,
                    m(p.amount),
                    None,
                ),
            )
        )
    for d in ledger.issued_distributions():
        title = f"Distribution No. {d.number}" if d.number else "Distribution"
        rows.append(
            (
                (d.distribution_date, 3),
                (
                    d.distribution_date,
                    title,
                    d.source_title.capitalize(),
                    None,
                    None,
                    None,
                    None,
                    m(d.amount),
                ),
            )
        )
    ordered = tuple(row for _, row in sorted(rows, key=lambda r: r[0]))
    return ExportTable("Ledger", _COLUMNS, ordered)


def ledger_xlsx(ledger: LpLedger, as_of: dt.date) -> bytes:
    notes = (
        f"{ledger.investor.name} in {ledger.fund.name}, as recorded on {as_of.isoformat()}.",
        "Called counts issued capital calls; paid in counts payments received; distributed "
        "counts issued distributions, gross of any tax withheld.",
        "Money cells are numbers at the currency's minor unit and equal the ledger exactly.",
    )
    return xlsx_bytes(ledger_table(ledger), notes=notes)
