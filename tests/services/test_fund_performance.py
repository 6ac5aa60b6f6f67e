"""Fund performance on the demo organization, checked against the db file and pyxirr.

Harbor Peak Capital (core.demo.seed) plus one NAV mark on Fund I as of 2026-06-30.
Every figure is recomputed here from plain SQL over ``dealos.db`` (amounts summed as
``Decimal`` in Python, never by SQLite, which would sum the strings as floats), and every
XIRR by pyxirr from the same flows: an implementation that shares no code with ours.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from pyxirr import xirr as py_xirr

from core.commands.reading import close_reading
from core.commands.workspace import Workspace
from core.demo.seed import build_demo
from core.fund_math import XirrFailure
from core.ids import new_id
from core.keys import KEYRING_FILE_ENV
from core.reports import parse_period
from core.reports.documents import lp_statement
from core.reports.errors import RecordNotFound
from core.views.fund_performance import FundPerformance, Metrics, fund_performance

__all__: list[str] = []

NAV_DATE = "2026-06-30"
NAV = Decimal("47250000.00")
AFTER_MARK = dt.date(2026, 12, 31)
BEFORE_MARK = dt.date(2025, 9, 30)
DATES = (BEFORE_MARK, dt.date.fromisoformat(NAV_DATE), AFTER_MARK)
CENT = Decimal("0.0001")  # one unit in a multiple's last (fourth) place


@dataclass
class Org:
    ws: Workspace
    root: Path
    fund_i: str
    fund_ii: str

    @property
    def data_dir(self) -> Path:
        return self.root / "org"

    def sql(self, query: str, *params: object) -> list[tuple[object, ...]]:
        with sqlite3.connect(self.data_dir / "dealos.db") as conn:
            return list(conn.execute(query, params))


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Org]:
    root = tmp_path_factory.mktemp("performance")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(KEYRING_FILE_ENV, str(root / "keyring.json"))
        build_demo(root / "org")
        ws = Workspace.open(root / "org")
        found = Org(ws, root, "", "")
        ((fund_i,),) = found.sql("SELECT DISTINCT fund_id FROM capital_calls")
        ((fund_ii,),) = found.sql("SELECT fund_id FROM funds WHERE fund_id != ?", fund_i)
        found.fund_i, found.fund_ii = str(fund_i), str(fund_ii)
        ((version,),) = found.sql("SELECT version FROM entities WHERE entity_id = ?", fund_i)
        ws.submit_wire(
            "fund.nav.record",
            entity_id=found.fund_i,
            base_version=int(str(version)),
            payload={
                "valuation_id": new_id(),
                "as_of": NAV_DATE,
                "nav": format(NAV, "f"),
                "currency": "USD",
            },
        )
        yield found
        close_reading(ws)
        ws.close()


@pytest.fixture(scope="module")
def figures(org: Org) -> dict[dt.date, FundPerformance]:
    return {day: fund_performance(org.ws, org.fund_i, as_of=day) for day in DATES}


def _sum(rows: list[tuple[object, ...]]) -> Decimal:
    return sum((Decimal(str(r[-1])) for r in rows), Decimal(0))


def _payments(org: Org, day: dt.date) -> list[tuple[object, ...]]:
    """(lp_id, deal_id, paid_on, amount) of every payment into Fund I by ``day``."""
    return org.sql(
        "SELECT p.lp_id, c.deal_id, p.paid_on, p.amount FROM payments p "
        "JOIN capital_calls c ON c.call_id = p.call_id WHERE c.fund_id = ? AND p.paid_on <= ?",
        org.fund_i,
        day.isoformat(),
    )


def _distributions(org: Org, day: dt.date) -> list[tuple[object, ...]]:
    """(lp_id, deal_id, date, amount) of every LP allocation of an issued distribution."""
    return org.sql(
        "SELECT a.lp_id, d.deal_id, d.distribution_date, a.amount "
        "FROM distribution_allocations a JOIN distributions d "
        "ON d.distribution_id = a.distribution_id WHERE d.fund_id = ? AND d.status = 'issued' "
        "AND d.distribution_date <= ?",
        org.fund_i,
        day.isoformat(),
    )


@pytest.mark.parametrize("day", DATES)
def test_fund_figures_equal_plain_sql_sums(
    org: Org, figures: dict[dt.date, FundPerformance], day: dt.date
) -> None:
    m = figures[day].metrics
    committed = _sum(org.sql("SELECT amount FROM commitments WHERE fund_id = ?", org.fund_i))
    called = _sum(
        org.sql(
            "SELECT a.amount FROM call_allocations a JOIN capital_calls c ON c.call_id = a.call_id "
            "WHERE c.fund_id = ? AND c.status = 'issued' AND c.call_date <= ?",
            org.fund_i,
            day.isoformat(),
        )
    )
    assert m.committed == committed == Decimal("308500000.00")
    assert m.paid_in == _sum(_payments(org, day)) > 0
    assert m.distributed == _sum(_distributions(org, day)) > 0
    assert m.unfunded == committed - called
    assert m.nav == (None if day < dt.date.fromisoformat(NAV_DATE) else NAV)
    assert figures[day].nav_as_of == (None if m.nav is None else dt.date.fromisoformat(NAV_DATE))


def _check_multiples(m: Metrics) -> None:
    assert m.dpi == (m.distributed / m.paid_in).quantize(CENT)
    if m.nav is None:
        assert m.tvpi is None
        assert m.rvpi is None
        return
    assert m.tvpi == ((m.distributed + m.nav) / m.paid_in).quantize(CENT)
    assert m.rvpi == (m.nav / m.paid_in).quantize(CENT)
    assert m.tvpi is not None
    assert m.dpi is not None
    assert abs(m.tvpi - (m.dpi + m.rvpi)) <= CENT  # each rounded once, on its own


@pytest.mark.parametrize("day", DATES)
def test_tvpi_is_dpi_plus_rvpi_within_the_documented_rounding(
    figures: dict[dt.date, FundPerformance], day: dt.date
) -> None:
    _check_multiples(figures[day].metrics)
    for lp in figures[day].lps:
        if lp.metrics.paid_in:
            _check_multiples(lp.metrics)


def _same_rate(
    found: Metrics,
    pays: list[tuple[object, ...]],
    dists: list[tuple[object, ...]],
    day: dt.date,
) -> None:
    """pyxirr's rate (floats: it is only the yardstick) on the flows read by plain SQL."""
    dates = [dt.date.fromisoformat(str(r[2])) for r in [*pays, *dists]] + [day]
    amounts = [-float(str(r[3])) for r in pays] + [float(str(r[3])) for r in dists]
    expected = py_xirr(dates, [*amounts, float(found.nav or 0)])
    if expected is None:  # no rate solves the flows: ours must say so, not guess
        assert found.irr.rate is None
        assert found.irr.reason is not None
        return
    assert found.irr.rate is not None
    assert float(found.irr.rate) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("day", DATES)
def test_xirr_matches_pyxirr_on_the_same_flows(
    org: Org, figures: dict[dt.date, FundPerformance], day: dt.date
) -> None:
    found = figures[day]
    pays, dists = _payments(org, day), _distributions(org, day)
    _same_rate(found.metrics, pays, dists, day)
    solved = [found.metrics.irr.solved]
    for lp in found.lps:
        mine = [r for r in pays if r[0] == lp.lp_id], [r for r in dists if r[0] == lp.lp_id]
        if mine[0]:
            _same_rate(lp.metrics, *mine, day)
            solved.append(lp.metrics.irr.solved)
    # Before the mark the fund has no rate; with the mark nearly every account has one.
    assert (sum(solved) > 100) is (day >= dt.date.fromisoformat(NAV_DATE))


@pytest.mark.parametrize("day", DATES)
def test_lp_lines_add_up_to_the_fund_to_the_cent(
    figures: dict[dt.date, FundPerformance], day: dt.date
) -> None:
    found = figures[day]
    assert len(found.lps) == 110
    for field in ("committed", "paid_in", "distributed", "unfunded"):
        total = sum((getattr(lp.metrics, field) for lp in found.lps), Decimal(0))
        assert total == getattr(found.metrics, field), field
    navs = [lp.metrics.nav for lp in found.lps]
    if found.metrics.nav is None:
        assert navs == [None] * 110
    else:
        assert sum((n or Decimal(0) for n in navs), Decimal(0)) == found.metrics.nav


def test_lp_nav_is_the_capital_account_statements_share(
    org: Org, figures: dict[dt.date, FundPerformance]
) -> None:
    """On the mark's date the statement's closing balance is the LP's NAV share itself."""
    on_mark = figures[dt.date.fromisoformat(NAV_DATE)]
    for lp in on_mark.lps[:5]:
        statement = lp_statement(org.ws, lp.lp_id, parse_period("2026Q2"), fund_id=org.fund_i)
        assert statement.nav is not None
        assert lp.metrics.nav == statement.nav.amount == statement.current.closing


@pytest.mark.parametrize("day", DATES)
def test_deal_figures_sum_over_tagged_calls_and_distributions(
    org: Org, figures: dict[dt.date, FundPerformance], day: dt.date
) -> None:
    invested: dict[str, Decimal] = defaultdict(Decimal)
    back: dict[str, Decimal] = defaultdict(Decimal)
    for _, deal, _, amount in _payments(org, day):
        invested[str(deal)] += Decimal(str(amount))
    for _, deal, _, amount in _distributions(org, day):
        back[str(deal)] += Decimal(str(amount))
    called = org.sql(
        "SELECT deal_id, amount FROM capital_calls WHERE fund_id = ? AND status = 'issued' "
        "AND call_date <= ?",
        org.fund_i,
        day.isoformat(),
    )
    found = figures[day]
    assert {d.deal_id for d in found.deals} == {str(r[0]) for r in called}
    for deal in found.deals:
        assert deal.called == _sum([r for r in called if r[0] == deal.deal_id])
        assert deal.invested == invested[deal.deal_id]
        assert deal.distributed == back[deal.deal_id]
        expected = None if not deal.invested else (deal.distributed / deal.invested).quantize(CENT)
        assert deal.moic == expected
    # Every demo call and distribution is tagged to a deal, so the deals add up to the fund.
    assert sum((d.invested for d in found.deals), Decimal(0)) == found.metrics.paid_in
    assert sum((d.distributed for d in found.deals), Decimal(0)) == found.metrics.distributed


def test_a_fund_with_no_cash_flows_has_no_multiples_and_says_why_no_irr(org: Org) -> None:
    found = fund_performance(org.ws, org.fund_ii, as_of=AFTER_MARK)
    m = found.metrics
    assert m.paid_in == m.distributed == 0
    assert m.unfunded == m.committed > 0
    assert (m.nav, m.tvpi, m.dpi, m.rvpi) == (None, None, None, None)
    assert m.irr.rate is None
    assert m.irr.reason is XirrFailure.TOO_FEW_FLOWS
    assert found.deals == ()


def test_one_lp_and_unknown_ids(org: Org, figures: dict[dt.date, FundPerformance]) -> None:
    whole = figures[AFTER_MARK]
    lp = whole.lps[3]
    alone = fund_performance(org.ws, org.fund_i, as_of=AFTER_MARK, lp_id=lp.lp_id)
    assert alone.lps == (lp,)
    assert alone.metrics == whole.metrics
    with pytest.raises(RecordNotFound, match="no fund"):
        fund_performance(org.ws, "no-such-fund", as_of=AFTER_MARK)
    with pytest.raises(RecordNotFound, match="no commitment"):
        fund_performance(org.ws, org.fund_ii, as_of=AFTER_MARK, lp_id="no-such-lp")


def _dealos(org: Org, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, KEYRING_FILE_ENV: str(org.root / "keyring.json")}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "core.cli.main",
            "report",
            "performance",
            *args,
            "--data-dir",
            str(org.data_dir),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_cli_prints_the_fund_line_then_deals_or_one_lp(
    org: Org, figures: dict[dt.date, FundPerformance]
) -> None:
    found = figures[AFTER_MARK]
    done = _dealos(org, "--fund", org.fund_i, "--as-of", AFTER_MARK.isoformat())
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith(f"{found.name} (USD), as of 2026-12-31: NAV as of {NAV_DATE}")
    fund_line = next(line for line in lines if line.startswith("Fund "))
    assert f"{found.metrics.paid_in:,.2f}" in fund_line
    assert f"{found.metrics.tvpi}x" in fund_line
    assert found.metrics.irr.percent() in fund_line
    assert sum(line.startswith("Deal: ") for line in lines) == len(found.deals) == 6

    lp = found.lps[0]
    done = _dealos(org, "--lp", lp.lp_id, "--as-of", AFTER_MARK.isoformat())
    assert done.returncode == 0, done.stderr
    (lp_line,) = [line for line in done.stdout.splitlines() if line.startswith("LP: ")]
    assert f"{lp.metrics.nav:,.2f}" in lp_line


def test_cli_refuses_a_bad_date_in_one_line(org: Org) -> None:
    done = _dealos(org, "--as-of", "2026-02-30")
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.splitlines() == ["dealos: --as-of '2026-02-30': give a date as YYYY-MM-DD"]


def test_an_irr_without_a_nav_is_labelled_as_distributions_only(
    org: Org, figures: dict[dt.date, FundPerformance]
) -> None:
    """Before Fund I's first NAV mark its IRR is the cash's alone (no residual value), and
    the value model names it so; from the mark on it is a plain IRR."""
    before, after = figures[BEFORE_MARK], figures[AFTER_MARK]
    assert before.metrics.nav is None
    assert any(lp.metrics.irr.rate is not None for lp in before.lps)
    assert before.irr_label == "IRR (distributions only: no NAV recorded as of 2025-09-30)"
    assert after.metrics.nav == NAV
    assert after.irr_label == "IRR"


def test_cli_labels_an_irr_without_a_nav(org: Org, figures: dict[dt.date, FundPerformance]) -> None:
    found = figures[BEFORE_MARK]
    done = _dealos(org, "--fund", org.fund_i, "--as-of", BEFORE_MARK.isoformat())
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].endswith("as of 2025-09-30: no NAV recorded")
    header = lines[1]
    assert header.split()[-2:] == ["RVPI", "IRR*"]
    assert "* IRR (distributions only: no NAV recorded as of 2025-09-30)" in lines
    fund_line = next(line for line in lines if line.startswith("Fund "))
    assert fund_line.endswith(found.metrics.irr.percent())

    done = _dealos(org, "--fund", org.fund_i, "--as-of", AFTER_MARK.isoformat())
    assert "distributions only" not in done.stdout
    assert done.stdout.splitlines()[1].split()[-2:] == ["RVPI", "IRR"]
