"""The fund's exports reopen with the ledger's numbers, to the cent.

Every money cell of the capital accounts, calls and distributions exports of Harbor Peak
Capital is read back — XLSX with openpyxl, CSV with the csv module — and compared with the
report values (which the statement tests tie to the SQLite file) and with plain SQL.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from core.money import Money
from core.reports import ReportError, export_table, write_export
from core.reports.exports import ExportColumn, ExportTable
from core.reports.spreadsheets import csv_bytes, xlsx_bytes
from tests.reports.conftest import DemoOrg

CENT = Decimal("0.01")
AS_OF = dt.date(2026, 6, 30)


def _money_columns(table: ExportTable) -> list[int]:
    return [i for i, c in enumerate(table.columns) if c.kind == "money"]


@pytest.mark.parametrize("kind", ["capital-accounts", "calls", "distributions"])
def test_xlsx_reopens_with_every_amount_to_the_cent(
    demo: DemoOrg, tmp_path: Path, kind: str
) -> None:
    out = tmp_path / f"{kind}.xlsx"
    table = write_export(demo.ws, kind, out, as_of=AS_OF)
    sheet = openpyxl.load_workbook(out).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == [c.title for c in table.columns]
    assert len(rows) - 1 == len(table.rows) > 100
    for source, reopened in zip(table.rows, rows[1:], strict=True):
        for i in _money_columns(table):
            cell = source[i]
            assert isinstance(cell, Money)
            value = reopened[i]
            assert isinstance(value, int | float)
            assert Decimal(repr(value)).quantize(CENT) == cell.amount
    money_cell = sheet.cell(row=2, column=_money_columns(table)[0] + 1)
    assert money_cell.number_format == '"$"#,##0.00;("$"#,##0.00)'
    assert sheet.freeze_panes == "A2"


@pytest.mark.parametrize("kind", ["capital-accounts", "calls", "distributions"])
def test_csv_reopens_with_exact_decimals(demo: DemoOrg, tmp_path: Path, kind: str) -> None:
    out = tmp_path / f"{kind}.csv"
    table = write_export(demo.ws, kind, out, as_of=AS_OF)
    with out.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == [c.title for c in table.columns]
    for source, reopened in zip(table.rows, rows[1:], strict=True):
        for i in _money_columns(table):
            cell = source[i]
            assert isinstance(cell, Money)
            assert Decimal(reopened[i]) == cell.amount
            assert reopened[i] == format(cell.amount, "f")


def test_capital_accounts_total_to_the_ledger(demo: DemoOrg) -> None:
    table = export_table(demo.ws, "capital-accounts", as_of=AS_OF)

    def total(title: str) -> Decimal:
        col = table.column(title)
        return sum((r[col].amount for r in table.rows if isinstance(r[col], Money)), Decimal(0))

    payments = [
        Decimal(str(a))
        for (a,) in demo.sql("SELECT amount FROM payments WHERE paid_on <= '2026-06-30'")
    ]
    assert total("Paid in") == sum(payments, Decimal(0))
    commitments = [Decimal(str(a)) for (a,) in demo.sql("SELECT amount FROM commitments")]
    assert total("Commitment") == sum(commitments, Decimal(0))
    assert total("Capital account") == total("Paid in") - total("Distributed")
    assert total("Unfunded") == total("Commitment") - total("Called")
    assert {r[table.column("Basis")] for r in table.rows} == {"cost"}


def test_text_that_looks_like_a_formula_stays_text() -> None:
    table = ExportTable(
        "Capital accounts",
        (ExportColumn("LP", "text"), ExportColumn("Amount", "money")),
        (('=HYPERLINK("http://x")', Money(Decimal("10.00"), "USD")),),
    )
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(table))).worksheets[0]
    assert sheet["A2"].data_type == "s"
    assert sheet["A2"].value == '=HYPERLINK("http://x")'
    text = csv_bytes(table).decode("utf-8-sig")
    assert "'=HYPERLINK" in text


def test_an_amount_a_spreadsheet_cannot_hold_is_refused_not_rounded() -> None:
    table = ExportTable(
        "Capital accounts",
        (ExportColumn("Amount", "money"),),
        ((Money(Decimal("12345678901234.56"), "USD"),),),
    )
    with pytest.raises(ReportError, match=r"keeps 15"):
        xlsx_bytes(table)
    assert b"12345678901234.56" in csv_bytes(table)


def test_an_export_needs_an_xlsx_or_csv_name(demo: DemoOrg, tmp_path: Path) -> None:
    with pytest.raises(ReportError, match=r"must end in \.xlsx or \.csv"):
        write_export(demo.ws, "calls", tmp_path / "calls.pdf")
    assert not (tmp_path / "calls.pdf").exists()
