"""Positions as of a date in the demo: the splits, and one figure per term everywhere.

Harbor Peak Capital (core.demo.seed): Fund I's three distributions are split pro rata
to paid-in, and its calls were paid — some late, some in part — long after the first
distribution's date. Re-derived here from the SQLite file alone, with exact fractions and
largest-remainder rounding (ties to the smaller LP id, DESIGN §5), each distribution must
match to the cent the split of paid-in *as of its own date*. Then every screen, report and
export that states commitment, called, paid-in, called not paid or unfunded must state the
same figure for every LP.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction

import pytest

from core.money import Money
from core.reports import export_table
from core.reports.ledger_reader import read_fund_ledger
from core.reports.notices import build_call_notice, build_distribution_notice
from core.views.capital_view import preview_call
from core.views.distribution_view import preview_distribution
from core.views.fund_performance import fund_performance
from core.views.fund_timeline import fund_timeline
from core.views.investors_view import list_investors, lp_detail
from core.views.positions_view import positions_report
from core.views.viewer import current_viewer
from tests.reports.conftest import DemoOrg

D = Decimal


def _paid_in_by(demo: DemoOrg, fund_id: str, day: str) -> dict[str, Fraction]:
    """Every committed LP's payments received on or before ``day``, straight from SQL."""
    paid: dict[str, Fraction] = {
        str(lp): Fraction(0)
        for (lp,) in demo.sql("SELECT DISTINCT lp_id FROM commitments WHERE fund_id = ?", fund_id)
    }
    for lp, amount in demo.sql(
        "SELECT p.lp_id, p.amount FROM payments p JOIN capital_calls c ON c.call_id = p.call_id "
        "WHERE c.fund_id = ? AND p.paid_on <= ?",
        fund_id,
        day,
    ):
        paid[str(lp)] += Fraction(str(amount))
    return paid


def _largest_remainder(amount: str, weights: dict[str, Fraction]) -> dict[str, Decimal]:
    cents = int(Fraction(amount) * 100)
    total = sum(weights.values(), Fraction(0))
    exact = {lp: cents * w / total for lp, w in weights.items()}
    floor = {lp: int(x) for lp, x in exact.items()}
    for lp in sorted(exact, key=lambda lp: (-(exact[lp] - floor[lp]), lp))[
        : cents - sum(floor.values())
    ]:
        floor[lp] += 1
    return {lp: D(n) / 100 for lp, n in floor.items() if n}


def _distributions(demo: DemoOrg) -> list[tuple[str, str, str, str]]:
    return [
        (str(a), str(b), str(c), str(d))
        for a, b, c, d in demo.sql(
            "SELECT distribution_id, fund_id, distribution_date, amount FROM distributions "
            "WHERE basis = 'paid_in' ORDER BY distribution_date"
        )
    ]


def test_every_distribution_is_split_by_paid_in_on_its_own_date(demo: DemoOrg) -> None:
    found = _distributions(demo)
    assert len(found) == 3
    for distribution_id, fund_id, day, amount in found:
        stored = {
            str(lp): D(str(a))
            for lp, a in demo.sql(
                "SELECT lp_id, amount FROM distribution_allocations WHERE distribution_id = ?",
                distribution_id,
            )
        }
        assert stored == _largest_remainder(amount, _paid_in_by(demo, fund_id, day)), day
    # Later payments were recorded before the first distribution was drafted: a split by
    # current paid-in would differ, so the test above tells the two rules apart.
    _first, fund_id, day, _amount = found[0]
    assert _paid_in_by(demo, fund_id, day) != _paid_in_by(demo, fund_id, "9999-12-31")


def test_two_lps_with_equal_paid_in_on_the_date_receive_equal_amounts(demo: DemoOrg) -> None:
    rows = demo.sql(
        "SELECT l.name, a.amount FROM distribution_allocations a "
        "JOIN distributions d ON d.distribution_id = a.distribution_id "
        "JOIN lps l ON l.lp_id = a.lp_id "
        "WHERE d.distribution_date = '2025-06-30' AND l.name IN (?, ?) ORDER BY l.name",
        "Alder Central Multi-Manager Fund",
        "Alder East Family Office",
    )
    assert [(name, D(str(a))) for name, a in rows] == [
        ("Alder Central Multi-Manager Fund", D("58346.84")),
        ("Alder East Family Office", D("58346.84")),
    ]


def _funds(demo: DemoOrg) -> list[str]:
    return [str(f) for (f,) in demo.sql("SELECT fund_id FROM funds ORDER BY name")]


@pytest.mark.parametrize("as_of", [dt.date(2025, 6, 30), dt.date(2026, 3, 31), dt.date(2100, 1, 1)])
def test_every_report_states_the_same_figures_for_every_lp(demo: DemoOrg, as_of: dt.date) -> None:
    """Positions report, LP ledgers (notices, statements), the capital-accounts export and
    fund performance: commitment, called, paid-in, called not paid, unfunded, distributed."""
    table = export_table(demo.ws, "capital-accounts", as_of=as_of)
    col = {title: table.column(title) for title in ("LP ID", "Fund ID")}
    exported: dict[tuple[str, str], dict[str, Decimal]] = {}
    for row in table.rows:
        cells = {}
        for title in ("Commitment", "Called", "Paid in", "Called not paid", "Distributed"):
            money = row[table.column(title)]
            assert isinstance(money, Money)
            cells[title] = money.amount
        unfunded = row[table.column("Unfunded")]
        assert isinstance(unfunded, Money)
        cells["Unfunded"] = unfunded.amount
        exported[(str(row[col["Fund ID"]]), str(row[col["LP ID"]]))] = cells
    checked = 0
    for fund_id in _funds(demo):
        report = positions_report(demo.ws, fund_id, as_of)
        ledgers = read_fund_ledger(demo.ws, fund_id)
        performance = {
            lp.lp_id: lp.metrics for lp in fund_performance(demo.ws, fund_id, as_of=as_of).lps
        }
        assert set(performance) == {line.position.lp_id for line in report.lines}
        for line in report.lines:
            p = line.position
            ledger = ledgers.of(p.lp_id)
            assert ledger is not None
            assert (
                ledger.commitment(as_of),
                ledger.called(as_of),
                ledger.paid_in(as_of),
                ledger.called_not_paid(as_of),
                ledger.distributed(as_of),
                ledger.unfunded(as_of),
            ) == (p.commitment, p.called, p.paid_in, p.called_not_paid, p.distributed, p.unfunded)
            assert exported[(fund_id, p.lp_id)] == {
                "Commitment": p.commitment,
                "Called": p.called,
                "Paid in": p.paid_in,
                "Called not paid": p.called_not_paid,
                "Distributed": p.distributed,
                "Unfunded": p.unfunded,
            }
            m = performance[p.lp_id]
            assert (m.committed, m.paid_in, m.unfunded, m.distributed) == (
                p.commitment,
                p.paid_in,
                p.unfunded,
                p.distributed,
            )
            checked += 1
    assert checked > 100


def test_the_desktop_states_the_same_figures_as_the_positions_report(demo: DemoOrg) -> None:
    """The investors screen counts every record; the positions report far in the future
    must agree with it, LP by LP and fund by fund, and the overview chart's last point with
    the fund's totals."""
    everything = dt.date(2100, 1, 1)
    viewer = current_viewer(demo.ws)
    by_fund = {f: positions_report(demo.ws, f, everything) for f in _funds(demo)}
    totals: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for fund_id, report in by_fund.items():
        for line in report.lines:
            p = line.position
            for term in ("commitment", "called", "paid_in", "unfunded", "distributed"):
                totals[p.lp_id][term] += getattr(p, term)
        last = fund_timeline(demo.ws, fund_id).points[-1]
        assert (last.called, last.unfunded) == (report.total("called"), report.total("unfunded"))
    lines = list_investors(demo.ws, viewer)
    assert len(lines) > 100
    for lp in lines:
        if lp.lp_id not in totals:
            continue
        t = totals[lp.lp_id]
        assert (
            lp.committed["USD"],
            lp.called["USD"],
            lp.paid["USD"],
            lp.unfunded["USD"],
            lp.distributed["USD"],
        ) == (t["commitment"], t["called"], t["paid_in"], t["unfunded"], t["distributed"])
    for lp in lines:
        for account in lp_detail(demo.ws, viewer, lp.lp_id).accounts:
            p = next(
                line.position
                for line in by_fund[account.fund_id].lines
                if line.position.lp_id == lp.lp_id
            )
            assert (
                account.committed,
                account.called,
                account.paid,
                account.outstanding,
                account.unfunded,
            ) == (p.commitment, p.called, p.paid_in, p.called_not_paid, p.unfunded)


def test_notices_state_the_position_on_their_own_date(demo: DemoOrg) -> None:
    """A distribution notice's paid-in and unfunded are the LP's position on the
    distribution date, not today's; a call notice's unfunded before the call is the
    position on the call date without that call."""
    for distribution_id, fund_id, day, _amount in _distributions(demo):
        on = dt.date.fromisoformat(day)
        report = {
            line.position.lp_id: line.position
            for line in positions_report(demo.ws, fund_id, on).lines
        }
        for ledger in read_fund_ledger(demo.ws, fund_id).ledgers[:20]:
            if ledger.distribution(distribution_id) is None:
                continue
            notice = build_distribution_notice(ledger, distribution_id)
            p = report[ledger.investor.lp_id]
            assert notice.line("Contributions paid to date").amount == p.paid_in
            assert notice.line("Unfunded commitment").amount == p.unfunded
    fund_id = _funds(demo)[0]
    ledger = read_fund_ledger(demo.ws, fund_id).ledgers[0]
    call = ledger.issued_calls()[2]
    notice = build_call_notice(ledger, call.call_id)
    day_before = positions_report(demo.ws, fund_id, call.call_date - dt.timedelta(days=1))
    before = next(
        line.position for line in day_before.lines if line.position.lp_id == ledger.investor.lp_id
    )
    assert notice.line("Unfunded commitment before this call").amount == before.unfunded
    assert (
        notice.line("Unfunded commitment after this call").amount == before.unfunded - call.amount
    )


def test_the_wizards_preview_the_positions_on_their_own_date(demo: DemoOrg) -> None:
    """The call wizard's unfunded and the distribution wizard's paid-in per LP are the
    positions on the date typed into the wizard."""
    fund_id = _funds(demo)[0]
    for on in (dt.date(2025, 6, 30), dt.date(2026, 1, 31)):
        report = {
            line.position.lp_id: line.position
            for line in positions_report(demo.ws, fund_id, on).lines
        }
        call = preview_call(
            demo.ws, fund_id=fund_id, amount="1000000.00", basis="unfunded", call_date=on
        )
        assert call.problem is None
        assert {line.lp_id: line.unfunded for line in call.lines} == {
            lp: p.unfunded for lp, p in report.items()
        }
        dist = preview_distribution(
            demo.ws, fund_id=fund_id, amount="1000000.00", basis="paid_in", distribution_date=on
        )
        assert dist.problem is None
        assert {line.lp_id: line.paid_in for line in dist.lines} == {
            lp: p.paid_in for lp, p in report.items()
        }
        assert dist.total == call.total == D("1000000.00")
