"""Capital account statements of every LP of Harbor Peak Capital tie out to the ledger.

For each fund, each LP and each period (years and quarters with and without activity),
the statement's roll-forward closes to the cent, and its contributions and distributions
are — LP by LP and summed over the fund — exactly the payments and issued distribution
allocations that the SQLite file holds, read here with plain SQL, not the report code.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest

from core.reports import (
    NavShare,
    PeriodError,
    ReportError,
    build_statement,
    parse_period,
    read_fund_ledger,
    reconcile,
)
from core.reports.ledger_index import fund_ids
from core.reports.pdf_statement import statement_pdf
from tests.reports.conftest import DemoOrg

PERIODS = ["2024", "2025Q2", "2025Q3", "2025", "2026Q1", "2026Q2", "2026Q3", "2026"]


def _ledger_flows(demo: DemoOrg, fund_id: str, start: str, end: str) -> tuple[dict, dict]:
    """Payments and issued distribution allocations per LP between two ISO dates."""
    paid: dict[str, Decimal] = defaultdict(Decimal)
    for lp_id, amount in demo.sql(
        "SELECT p.lp_id, p.amount FROM payments p JOIN capital_calls c ON c.call_id = p.call_id "
        "WHERE c.fund_id = ? AND p.paid_on BETWEEN ? AND ?",
        fund_id,
        start,
        end,
    ):
        paid[str(lp_id)] += Decimal(str(amount))
    returned: dict[str, Decimal] = defaultdict(Decimal)
    for lp_id, amount in demo.sql(
        "SELECT a.lp_id, a.amount FROM distribution_allocations a JOIN distributions d "
        "ON d.distribution_id = a.distribution_id WHERE d.fund_id = ? AND d.status = 'issued' "
        "AND d.distribution_date BETWEEN ? AND ?",
        fund_id,
        start,
        end,
    ):
        returned[str(lp_id)] += Decimal(str(amount))
    return paid, returned


@pytest.mark.parametrize("label", PERIODS)
def test_every_lp_statement_reconciles_with_the_ledger(demo: DemoOrg, label: str) -> None:
    period = parse_period(label)
    checked = 0
    for fund_id in fund_ids(demo.ws):
        fund = read_fund_ledger(demo.ws, fund_id)
        paid, returned = _ledger_flows(demo, fund_id, str(period.start), str(period.end))
        paid_before, returned_before = _ledger_flows(
            demo, fund_id, "0001-01-01", str(period.start - dt.timedelta(days=1))
        )
        total_in, total_out = Decimal(0), Decimal(0)
        for ledger in fund.ledgers:
            lp = ledger.investor.lp_id
            statement = build_statement(ledger, period)
            assert reconcile(statement) == ()
            now = statement.current
            assert now.closing == now.opening + now.contributions - now.distributed + now.nav_change
            assert now.nav_change == Decimal(0)  # no NAV is recorded in the demo
            assert now.fees == Decimal(0)
            assert now.contributions == paid[lp]
            assert now.distributed == returned[lp]
            assert now.opening == paid_before[lp] - returned_before[lp]
            assert now.closing == now.opening + paid[lp] - returned[lp]
            inception = statement.columns[-1]
            assert inception.opening == Decimal(0)
            assert inception.closing == now.closing
            total_in += now.contributions
            total_out += now.distributed
            checked += 1
        assert total_in == sum(paid.values(), Decimal(0))
        assert total_out == sum(returned.values(), Decimal(0))
    assert checked == 150  # 110 LPs in Fund I, 40 in Fund II


def test_the_demo_periods_carry_real_activity(demo: DemoOrg) -> None:
    """Guard against a vacuous reconciliation: the periods above move money."""
    fund_i = fund_ids(demo.ws)[0]
    paid, returned = _ledger_flows(demo, fund_i, "2025-01-01", "2025-12-31")
    assert sum(paid.values(), Decimal(0)) > Decimal("15000000")
    assert sum(returned.values(), Decimal(0)) == Decimal("4200000.00")
    paid_q2, returned_q2 = _ledger_flows(demo, fund_i, "2026-04-01", "2026-06-30")
    assert sum(returned_q2.values(), Decimal(0)) == Decimal("9500000.00")
    assert sum(paid_q2.values(), Decimal(0)) == Decimal(0)


def test_a_quarter_has_year_to_date_and_inception_columns(demo: DemoOrg) -> None:
    ledger = read_fund_ledger(demo.ws, fund_ids(demo.ws)[0]).ledgers[0]
    q3 = build_statement(ledger, parse_period("2025Q3"))
    assert [c.title for c in q3.columns] == ["This period", "Year to date", "Since inception"]
    ytd = q3.columns[1]
    assert ytd.start == dt.date(2025, 1, 1)
    assert ytd.contributions == ledger.paid_in(dt.date(2025, 9, 30)) - ledger.paid_in(
        dt.date(2024, 12, 31)
    )
    year = build_statement(ledger, parse_period("2025"))
    assert [c.title for c in year.columns] == ["This period", "Since inception"]


def test_distributions_show_by_source_until_tiers_are_recorded(demo: DemoOrg) -> None:
    ledger = read_fund_ledger(demo.ws, fund_ids(demo.ws)[0]).ledgers[5]
    statement = build_statement(ledger, parse_period("2026Q2"))
    exit_share = next(d for d in ledger.distributions if d.source == "exit").amount
    assert statement.current.distributions == (("Distributions: exit proceeds", exit_share),)
    assert statement.distribution_labels()[-1] == "Distributions: exit proceeds"
    since = dict(statement.columns[-1].distributions)
    assert since["Distributions: income"] + exit_share == ledger.distributed()


def test_a_tampered_statement_fails_reconciliation_and_is_never_drawn(demo: DemoOrg) -> None:
    ledger = read_fund_ledger(demo.ws, fund_ids(demo.ws)[0]).ledgers[2]
    statement = build_statement(ledger, parse_period("2025"))
    off = dataclasses.replace(
        statement.current, closing=statement.current.closing + Decimal("0.01")
    )
    tampered = dataclasses.replace(statement, columns=(off, *statement.columns[1:]))
    problems = reconcile(tampered)
    assert any("off the roll-forward by 0.01" in p for p in problems)
    assert any("do not close on the same balance" in p for p in problems)
    with pytest.raises(ReportError, match="does not reconcile"):
        statement_pdf(tampered)
    dropped = dataclasses.replace(statement, contributions=statement.contributions[1:])
    assert any("differ from the payments" in p for p in reconcile(dropped))


def test_a_recorded_nav_becomes_the_balance_and_the_nav_change_plugs_the_roll(
    demo: DemoOrg,
) -> None:
    """The hook fund valuations will fill: a NAV share at 2025-12-31, rolled into 2026Q2."""
    ledger = read_fund_ledger(demo.ws, fund_ids(demo.ws)[0]).ledgers[7]
    nav_day = dt.date(2025, 12, 31)
    marked = ledger.cost_basis(nav_day) + Decimal("12345.67")

    def nav(day: dt.date) -> NavShare | None:
        return NavShare(nav_day, marked, "op-nav") if day >= nav_day else None

    statement = build_statement(ledger, parse_period("2026Q2"), nav=nav)
    assert reconcile(statement) == ()
    later_paid = sum(
        (p.amount for p in ledger.payments_between(dt.date(2026, 1, 1), dt.date(2026, 6, 30))),
        Decimal(0),
    )
    later_out = sum(
        (d.amount for d in ledger.issued_distributions(dt.date(2026, 1, 1), dt.date(2026, 6, 30))),
        Decimal(0),
    )
    assert statement.current.closing == marked + later_paid - later_out
    assert statement.columns[-1].nav_change == Decimal("12345.67")
    assert any("op-nav" in note for note in statement.notes)


@pytest.mark.parametrize(
    ("raw", "start", "end"),
    [
        ("2026Q3", dt.date(2026, 7, 1), dt.date(2026, 9, 30)),
        ("2026-q1", dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
        ("2025", dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
    ],
)
def test_periods_read_as_a_fund_controller_writes_them(
    raw: str, start: dt.date, end: dt.date
) -> None:
    period = parse_period(raw)
    assert (period.start, period.end) == (start, end)


@pytest.mark.parametrize(
    ("raw", "rule"),
    [("2026Q5", "a quarter is Q1, Q2, Q3 or Q4"), ("Q3 2026", "use a quarter"), ("26Q1", "use")],
)
def test_a_period_that_does_not_exist_is_refused_naming_the_rule(raw: str, rule: str) -> None:
    with pytest.raises(PeriodError, match=rule):
        parse_period(raw)
