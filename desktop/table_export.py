"""Export any table on screen to XLSX or CSV: File → Export table… (Ctrl+Shift+E).

The table exported is the one with the keyboard focus, else the first visible table of
the page in front: exactly the rows and columns the model holds (a lazily loaded model is
read to its end first), with the headers a person sees. A column the page marks as
numeric (right-aligned) whose cells all read as amounts — ``$1,250,000.00``,
``USD 1,250,000.00``, ``1,250,000.00`` — is written as money, so sums and filters work in
a spreadsheet; everything else is the text on screen. The file is written by
:mod:`core.reports.spreadsheets`, the writer of every other export, so the same rules hold:
exact cents, no formula from a typed name.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Final

from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt
from PySide6.QtWidgets import QFileDialog, QTableView, QWidget

from core.money import Money
from core.reports.exports import Cell, ExportColumn, ExportTable
from core.reports.spreadsheets import csv_bytes, xlsx_bytes

__all__ = ["export_table", "table_in_view", "visible_table"]

_SYMBOLS: Final = {"$": "USD", "€": "EUR", "£": "GBP"}
_AMOUNT: Final = re.compile(
    r"^(?P<neg>[-−])?(?:(?P<code>[A-Z]{3})\s?|(?P<sym>[$€£]))?(?P<num>\d[\d,]*(?:\.\d+)?)$"
)


def visible_table(page: QWidget | None) -> QTableView | None:
    """The table a person means: the focused one, else the first visible one on ``page``."""
    if page is None:
        return None
    focus = page.focusWidget()
    while focus is not None and not isinstance(focus, QTableView):
        focus = focus.parentWidget()
    if isinstance(focus, QTableView) and focus.isVisible() and page.isAncestorOf(focus):
        return focus
    return next((t for t in page.findChildren(QTableView) if t.isVisible()), None)


def _amount(text: str, currency: str | None) -> Money | None:
    match = _AMOUNT.match(text.strip())
    if match is None:
        return None
    code = match["code"] or _SYMBOLS.get(match["sym"] or "") or currency
    if code is None:
        return None
    try:
        value = Decimal(match["num"].replace(",", ""))
        return Money(-value if match["neg"] else value, code)
    except (InvalidOperation, ValueError):
        return None


def _names_currency(text: str) -> bool:
    match = _AMOUNT.match(text.strip())
    return match is not None and bool(match["code"] or match["sym"])


def table_in_view(view: QTableView, title: str, currency: str | None = None) -> ExportTable:
    """The rows and columns of ``view`` as an export table (hidden columns left out)."""
    model: QAbstractItemModel = view.model()
    root = QModelIndex()
    while model.canFetchMore(root):
        model.fetchMore(root)
    columns = [c for c in range(model.columnCount(root)) if not view.isColumnHidden(c)]
    headers = [
        str(model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole) or "")
        for c in columns
    ]
    texts = [
        [
            str(model.data(model.index(r, c, root), Qt.ItemDataRole.DisplayRole) or "")
            for c in columns
        ]
        for r in range(model.rowCount(root))
    ]
    kinds: list[str] = []
    for i, c in enumerate(columns):
        align = model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.TextAlignmentRole)
        numeric = align is not None and bool(int(align) & int(Qt.AlignmentFlag.AlignRight))
        cells = [row[i] for row in texts if row[i] not in ("", "—", "-")]
        # Amounts naming their currency are money wherever they stand; bare figures only
        # in a column the page aligns as numbers.
        named = all(_names_currency(t) for t in cells)
        money = (
            bool(cells)
            and all(_amount(t, currency) is not None for t in cells)
            and (numeric or named)
        )
        kinds.append("money" if money else "text")
    rows: list[tuple[Cell, ...]] = []
    for row in texts:
        cells: list[Cell] = []
        for kind, text in zip(kinds, row, strict=True):
            cells.append(_amount(text, currency) if kind == "money" and text else text)
        rows.append(tuple(cells))
    return ExportTable(
        title=title,
        columns=tuple(
            ExportColumn(h, "money" if k == "money" else "text")
            for h, k in zip(headers, kinds, strict=True)
        ),
        rows=tuple(rows),
    )


def export_table(
    parent: QWidget,
    view: QTableView,
    title: str,
    *,
    to: Path | None = None,
    currency: str | None = None,
) -> Path | None:
    """Write ``view``'s table to ``to`` (asked for when None); XLSX unless it ends .csv."""
    if to is None:
        chosen, _ = QFileDialog.getSaveFileName(
            parent,
            f"Export {title}",
            str(Path.home() / f"{title}.xlsx"),
            "Excel workbook (*.xlsx);;CSV (*.csv)",
        )
        if not chosen:
            return None
        to = Path(chosen)
    table = table_in_view(view, title, currency)
    data = csv_bytes(table) if to.suffix.lower() == ".csv" else xlsx_bytes(table)
    to.write_bytes(data)
    return to
