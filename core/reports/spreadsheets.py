"""Export tables written as CSV or XLSX, money exact to the cent.

Decision (money in spreadsheets):

* **CSV** — money is the canonical decimal string at the currency's minor unit
  (``1250000.00``, no grouping, ``.`` decimal point), with the currency in its own column:
  reading it back with ``Decimal(text)`` gives the ledger's value exactly. Dates are ISO
  8601, shares are fractions with ten decimal places. UTF-8 with a byte-order mark, so
  Excel reads non-ASCII LP names correctly.
* **XLSX** — money cells are *numbers* (so sums, pivots and filters work) with a currency
  number format. We hand openpyxl the ``Decimal`` — no float is made in our code — and it
  writes the decimal digits into the file; but a spreadsheet number is an IEEE double, which
  holds 15 significant digits. Every money cell is therefore checked on the way out: an
  amount of more than 15 significant digits (beyond ``9,999,999,999,999.99`` in a
  two-decimal currency) is refused with a :class:`ReportError` that points to CSV, instead
  of being silently rounded. Within that range, a reopened cell's value rounded to the
  minor unit equals the ledger's ``Decimal`` (the tests check every cell of the demo).

Text cells that begin with ``=``, ``+``, ``-`` or ``@`` are kept as text: in XLSX they are
stored as strings, in CSV prefixed with an apostrophe (the OWASP advice against formula
injection), since LP names and purposes are typed by people.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Final

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from core.money import CURRENCY_EXPONENTS, Money
from core.reports.errors import ReportError
from core.reports.exports import Cell, ExportColumn, ExportTable
from core.reports.presentation import plain_money

__all__ = ["MAX_SPREADSHEET_DIGITS", "csv_bytes", "money_format", "xlsx_bytes"]

MAX_SPREADSHEET_DIGITS: Final = 15
_SHARE_QUANTUM: Final = Decimal("1e-10")
_FORMULA_START: Final = ("=", "+", "-", "@")
_SYMBOLS: Final = {"USD": '"$"', "EUR": '"€"', "GBP": '"£"'}
_WIDTHS: Final = {"text": 34, "id": 38, "money": 17, "date": 12, "share": 11, "count": 9}


def money_format(currency: str) -> str:
    """``"$"#,##0.00`` for USD; negative amounts in parentheses, as accountants print them."""
    places = CURRENCY_EXPONENTS[currency]
    number = "#,##0" + ("." + "0" * places if places else "")
    prefix = _SYMBOLS.get(currency, f'"{currency} "')
    return f"{prefix}{number};({prefix}{number})"


def _text(value: str) -> str:
    return f"'{value}" if value.startswith(_FORMULA_START) else value


def _csv_cell(column: ExportColumn, value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, Money):
        return plain_money(value.amount, value.currency)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        if column.kind == "share":
            return format(value.quantize(_SHARE_QUANTUM), "f")
        return format(value, "f")
    if isinstance(value, int):
        return str(value)
    return _text(value)


def csv_bytes(table: ExportTable) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.title for c in table.columns])
    for row in table.rows:
        writer.writerow([_csv_cell(c, v) for c, v in zip(table.columns, row, strict=True)])
    return out.getvalue().encode("utf-8-sig")


def _spreadsheet_amount(value: Money, where: str) -> Decimal:
    digits = len(value.amount.as_tuple().digits)
    if digits > MAX_SPREADSHEET_DIGITS:
        raise ReportError(
            f"{where}: {value} has {digits} significant digits; a spreadsheet number keeps "
            f"{MAX_SPREADSHEET_DIGITS}, so this export must be written as CSV"
        )
    return value.amount


def xlsx_bytes(table: ExportTable, *, notes: tuple[str, ...] = ()) -> bytes:
    """One sheet of ``table``: frozen header, filters, typed cells; ``notes`` on a second."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = table.title[:31]
    header_fill = PatternFill("solid", fgColor="E4E7EB")
    for col, column in enumerate(table.columns, start=1):
        head = sheet.cell(row=1, column=col, value=column.title)
        head.font = Font(bold=True)
        head.fill = header_fill
        head.alignment = Alignment(horizontal="right" if column.kind == "money" else "left")
        sheet.column_dimensions[get_column_letter(col)].width = _WIDTHS[column.kind]
    for r, row in enumerate(table.rows, start=2):
        for col, (column, value) in enumerate(zip(table.columns, row, strict=True), start=1):
            cell = sheet.cell(row=r, column=col)
            if isinstance(value, Money):
                where = f"{table.title} row {r}, {column.title}"
                cell.value = _spreadsheet_amount(value, where)
                cell.number_format = money_format(value.currency)
            elif isinstance(value, dt.date):
                cell.value = value
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(value, Decimal):
                cell.value = value.quantize(_SHARE_QUANTUM)
                cell.number_format = "0.0000%"
            elif isinstance(value, str):
                cell.value = value
                cell.data_type = "s"  # never a formula, whatever the text starts with
            else:
                cell.value = value
    sheet.freeze_panes = "A2"
    if table.rows:
        last = get_column_letter(len(table.columns))
        sheet.auto_filter.ref = f"A1:{last}{len(table.rows) + 1}"
    if notes:
        about = book.create_sheet("Notes")
        about.column_dimensions["A"].width = 110
        for i, line in enumerate(notes, start=1):
            about.cell(row=i, column=1, value=line).data_type = "s"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
