"""Every table exports: File → Export table… writes what the page shows to XLSX or CSV.

The demo organization's pipeline, funds, investors, people and audit tables are written
to files and read back with openpyxl / csv: same headers, one row per model row, and the
money columns as exact numbers equal to the amounts on screen.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QTableView

from desktop.main_window import MainWindow
from desktop.table_export import visible_table


def _on_screen(view: QTableView) -> tuple[list[str], list[list[str]]]:
    model = view.model()
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    columns = [c for c in range(model.columnCount()) if not view.isColumnHidden(c)]
    headers = [str(model.headerData(c, Qt.Orientation.Horizontal)) for c in columns]
    rows = [
        [str(model.data(model.index(r, c)) or "") for c in columns] for r in range(model.rowCount())
    ]
    return headers, rows


def _amount(text: str) -> Decimal:
    return Decimal(text.replace("$", "").replace(",", "").replace("USD", "").strip())


@pytest.mark.parametrize("page", ["pipeline", "funds", "investors", "people", "audit"])
def test_the_table_in_front_exports_to_xlsx_as_shown(
    open_window: Callable[[Path], MainWindow], demo_dir: Path, tmp_path: Path, page: str
) -> None:
    window = open_window(demo_dir)
    shown = window.show_page(page)
    view = visible_table(shown)
    assert view is not None, f"the {page} page shows no table"
    headers, rows = _on_screen(view)
    assert rows, f"the demo's {page} table is empty"

    written = window.export_table(tmp_path / f"{page}.xlsx")
    assert written == tmp_path / f"{page}.xlsx"
    sheet = load_workbook(written).active
    assert sheet is not None
    grid = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert [str(h) for h in grid[0]] == headers
    assert len(grid) - 1 == len(rows)
    money_columns = 0
    for c, header in enumerate(headers):
        cells = [g[c] for g in grid[1:]]
        if any(isinstance(v, (int, float)) for v in cells):
            money_columns += 1
            for on_screen, value in zip((r[c] for r in rows), cells, strict=True):
                if on_screen:
                    # openpyxl reads numbers back as floats: compare at the cent.
                    assert Decimal(str(value)).quantize(Decimal("0.01")) == _amount(on_screen), (
                        header
                    )
        else:
            assert [("" if v is None else str(v)) for v in cells] == [r[c] for r in rows]
    if page in ("funds", "pipeline"):
        assert money_columns >= 1, f"the {page} table's amounts were exported as text"


def test_a_table_exports_to_csv_too(
    open_window: Callable[[Path], MainWindow], demo_dir: Path, tmp_path: Path
) -> None:
    window = open_window(demo_dir)
    view = visible_table(window.show_page("funds"))
    assert view is not None
    headers, rows = _on_screen(view)
    written = window.export_table(tmp_path / "funds.csv")
    assert written is not None
    read = list(csv.reader(io.StringIO(written.read_text(encoding="utf-8-sig"))))
    assert read[0][: len(headers)] == headers
    assert len(read) - 1 == len(rows)
