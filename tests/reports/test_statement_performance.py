"""A statement states the LP's performance at period end, and resolves every reference.

Cedar Ridge Fund II (tests/reports/small_fund.py), Ash Pension's statement for 2024Q4: by
31 December 2024 Ash has paid in $180,000.00 (14 February, 20 June, 20 September) and
received $12,000.00 (20 December). Without a NAV, DPI is 12,000 / 180,000 = 0.0667x, TVPI
and RVPI have no value, and the IRR is that of the cash alone and says so. With the fund's
NAV recorded on 31 December and Ash's share $190,000.00, TVPI is 202,000 / 180,000 =
1.1222x and RVPI 190,000 / 180,000 = 1.0556x, and the IRR counts the NAV as a final
inflow. IRRs are checked against pyxirr, an independent implementation. An LP that has paid
nothing in shows every multiple as n/a.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest
import pyxirr

from core.reports import NavShare, build_statement, parse_period
from core.reports.capital_account import CapitalAccountStatement
from core.reports.pdf_statement import statement_pdf
from tests.reports.documents_read import cited_sources, pdf_text
from tests.reports.small_fund import D, ash, birch, op

TODAY = dt.date(2026, 12, 5)
YEAR_END = dt.date(2024, 12, 31)
NAV = NavShare(YEAR_END, D("190000.00"), op(401))
CASH = [
    (dt.date(2024, 2, 14), -100000.0),
    (dt.date(2024, 6, 20), -50000.0),
    (dt.date(2024, 9, 20), -30000.0),
    (dt.date(2024, 12, 20), 12000.0),
]


def _statement(*, with_nav: bool, period: str = "2024Q4") -> CapitalAccountStatement:
    def nav(day: dt.date) -> NavShare | None:
        return NAV if with_nav and day >= YEAR_END else None

    return build_statement(ash(), parse_period(period), nav=nav, today=TODAY)


def _pyxirr(flows: list[tuple[dt.date, float]]) -> float:
    return float(pyxirr.xirr([d for d, _ in flows], [a for _, a in flows]))


def test_without_a_nav_only_dpi_has_a_value_and_the_irr_says_so() -> None:
    statement = _statement(with_nav=False)
    m = statement.performance
    assert m is not None
    assert (m.paid_in, m.distributed, m.nav) == (D("180000.00"), D("12000.00"), None)
    assert m.dpi == D("0.0667")  # 12,000 / 180,000 = 0.06666…
    assert (m.tvpi, m.rvpi) == (None, None)
    assert statement.irr_label == "IRR (distributions only: no NAV recorded as of 2024-12-31)"
    assert m.irr.rate is not None
    assert float(m.irr.rate) == pytest.approx(_pyxirr(CASH), abs=1e-9)
    text = pdf_text(statement_pdf(statement))
    assert "Performance at 31 December 2024" in text
    assert "Net asset value (your share) n/a no NAV recorded as of 31 December 2024" in text
    assert "TVPI n/a" in text
    assert "DPI 0.0667x" in text
    assert "RVPI n/a" in text
    assert f"{statement.irr_label} {m.irr.percent()}" in text


def test_with_a_nav_every_multiple_and_the_irr_count_it() -> None:
    statement = _statement(with_nav=True)
    m = statement.performance
    assert m is not None
    assert m.nav == D("190000.00")
    assert m.tvpi == D("1.1222")  # (12,000 + 190,000) / 180,000 = 1.12222…
    assert m.dpi == D("0.0667")
    assert m.rvpi == D("1.0556")  # 190,000 / 180,000 = 1.05555…
    assert statement.irr_label == "IRR"
    assert m.irr.rate is not None
    expected = _pyxirr([*CASH, (YEAR_END, 190000.0)])
    assert float(m.irr.rate) == pytest.approx(expected, abs=1e-9)
    text = pdf_text(statement_pdf(statement))
    assert "Net asset value (your share) $190,000.00 fund NAV as of 31 December 2024" in text
    assert "TVPI 1.1222x" in text
    assert "DPI 0.0667x" in text
    assert "RVPI 1.0556x" in text
    assert f"IRR {m.irr.percent()} XIRR on dated contributions and distributions, NAV" in text


def test_with_nothing_paid_in_no_multiple_has_a_value() -> None:
    untouched = dataclasses.replace(birch(), calls=(), payments=(), distributions=())
    statement = build_statement(untouched, parse_period("2024Q1"), today=TODAY)
    m = statement.performance
    assert m is not None
    assert m.paid_in == D(0)
    assert (m.tvpi, m.dpi, m.rvpi) == (None, None, None)
    text = pdf_text(statement_pdf(statement))
    for name in ("TVPI", "DPI", "RVPI"):
        assert re.search(rf"{name} n/a [^\n]*?nothing paid in", text), name


@pytest.mark.parametrize("with_nav", [False, True])
def test_every_reference_on_the_statement_resolves_in_its_sources_table(
    with_nav: bool,
) -> None:
    statement = _statement(with_nav=with_nav, period="2024")
    text = pdf_text(statement_pdf(statement))
    body, sources, listed = cited_sources(text, "Sources Each reference")
    # The year's contributions, its distribution and the commitment, each by its op.
    (paid,) = re.findall(r"Contribution: Capital Call No\. 2 \$30,000\.00 \[(\d+)\]", body)
    assert listed[paid] == op(1013)
    (dist,) = re.findall(r"Distribution No\. 1: income \(\$12,000\.00\) \[(\d+)\]", body)
    assert listed[dist] == op(301)
    (commitment,) = re.findall(r"Commitment \$1,000,000\.00 \[(\d+)\]", body)
    assert listed[commitment] == op(11)
    assert f"Payment received on Capital Call No. 2 2024-09-20 {op(1013)}" in sources
    if with_nav:
        assert f"Fund net asset value recorded 2024-12-31 {op(401)}" in sources
    else:
        assert op(401) not in sources
