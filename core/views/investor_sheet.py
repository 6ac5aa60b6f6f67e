"""The spreadsheet LPs and commitments are imported from: its template (XLSX or CSV, with
a sheet explaining each column) and reading it back as numbered rows.

Rows are numbered as the spreadsheet numbers them, the header being row 1, so a problem
names the row a person sees. Cells arrive as the file holds them (text, numbers, dates);
:mod:`core.views.investor_import` reads their meaning. ``dealos lp template`` and
``dealos lp import`` and the desktop's Investors page read and write the same sheet.
"""

from __future__ import annotations

import csv
from pathlib import Path

from core.errors import DealOSError

__all__ = ["COLUMNS", "Row", "SheetRefused", "read_sheet", "write_template"]

COLUMNS = (
    "LP name",
    "LP type",
    "Contact name",
    "Contact email",
    "Fund",
    "Commitment amount",
    "Commitment date",
)
_HOW = (
    "the investor's legal name; an LP already recorded under exactly this name is reused",
    "institution, individual, family office, fund of funds or GP (needed for a new LP)",
    "optional: a person to send notices to (with the contact email)",
    "optional: that person's email address",
    "optional: the fund's name (or id) the LP commits to (with an amount and a date)",
    "the amount committed, in the fund's currency, e.g. 1000000.00",
    "the date of the commitment as YYYY-MM-DD, e.g. 2026-01-15",
)
# (row number, {column: cell}); a blank cell is None.
Row = tuple[int, dict[str, object]]


class SheetRefused(DealOSError):
    """The file cannot be read as the import sheet: the whole file is refused, in words
    naming the file (and the row, where one is at fault)."""


def write_template(path: Path) -> None:
    """An empty import sheet with the template's header (XLSX or CSV, by extension)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        try:
            with path.open("w", newline="", encoding="utf-8") as out:
                csv.writer(out).writerow(COLUMNS)
        except OSError as exc:
            raise SheetRefused(f"cannot write {path}: {exc.strerror}") from None
        return
    if suffix != ".xlsx":
        raise SheetRefused(f"{path.name} must end in .xlsx or .csv")
    from openpyxl import Workbook  # loads when a sheet is written, not with every command
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "LPs and commitments"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDEFG", (34, 16, 24, 30, 20, 20, 18), strict=True):
        sheet.column_dimensions[letter].width = width
        # Amounts and dates as typed text: Excel would otherwise turn them into binary
        # floating-point numbers and its own date serials.
        for row in range(2, 502):
            sheet[f"{letter}{row}"].number_format = "@"
    notes = book.create_sheet("How to fill")
    notes.append(["Column", "What to write"])
    for name, how in zip(COLUMNS, _HOW, strict=True):
        notes.append([name, how])
    notes.append([])
    notes.append(["Example", "Ash Pension | institution | Jane Roe | jane@ash.example | Fund I"])
    notes.append(["", "| 1000000.00 | 2026-01-15"])
    notes.column_dimensions["A"].width = 20
    notes.column_dimensions["B"].width = 90
    try:
        book.save(path)
    except OSError as exc:
        raise SheetRefused(f"cannot write {path}: {exc.strerror}") from None


def read_sheet(path: Path) -> tuple[list[Row], list[str]]:
    """The file's rows by number, as ``{column: cell}``, and the columns it has that the
    import does not read. A file that cannot be read, or lacks a column, is refused."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise SheetRefused(f"{path.name}: the import reads .xlsx or .csv files")
    if not path.is_file():
        raise SheetRefused(f"{path}: no such file")
    try:
        grid = _csv_grid(path) if suffix == ".csv" else _xlsx_grid(path)
    except (OSError, UnicodeDecodeError, ValueError, KeyError) as exc:
        raise SheetRefused(f"{path.name} cannot be read as {suffix[1:].upper()}: {exc}") from None
    if not grid:
        raise SheetRefused(f"{path.name} is empty: start from the import template")
    header = [str(c).strip() if c is not None else "" for c in grid[0]]
    where = {h.lower(): i for i, h in enumerate(header) if h}
    missing = [c for c in COLUMNS if c.lower() not in where]
    if missing:
        named = ", ".join(f"‘{c}’" for c in missing)
        raise SheetRefused(
            f"{path.name}, row 1: the header lacks {named}; the template's columns are "
            + ", ".join(COLUMNS)
        )
    known = {c.lower() for c in COLUMNS}
    ignored = [h for h in header if h and h.lower() not in known]
    rows = []
    for number, cells in enumerate(grid[1:], start=2):
        values = {c: _cell(cells, where[c.lower()]) for c in COLUMNS}
        if any(v is not None for v in values.values()):
            rows.append((number, values))
    return rows, ignored


def _cell(cells: list[object], index: int) -> object:
    value = cells[index] if index < len(cells) else None
    if isinstance(value, str):
        value = value.strip() or None
    return value


def _csv_grid(path: Path) -> list[list[object]]:
    with path.open(newline="", encoding="utf-8-sig") as src:
        return [list(r) for r in csv.reader(src)]


def _xlsx_grid(path: Path) -> list[list[object]]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        return [list(r) for r in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
