"""LPA terms, waterfall distributions, NAV marks and wiring instructions on LP documents.

Scenario on Harbor Peak Real Estate Fund I, made with signed ops like any GP would:
the GP records the LPA terms (European, 8 % simple preferred return, full catch-up,
80/20), distributes $60,000,000 of exit proceeds through the waterfall on 2026-06-30,
marks the fund's NAV at $25,000,000 the same day, and sets the fund's wiring
instructions. Every LP's 2026Q2 statement must still reconcile — now by tier, and at NAV —
and a notice names no LP but its own, even though the waterfall's explanation names all.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.ids import new_id
from core.reports import (
    build_distribution_notice,
    build_statement,
    call_notice,
    fund_records,
    lp_statement,
    parse_period,
    read_fund_ledger,
    reconcile,
)
from core.reports.ledger_index import fund_ids, lines_for_lp
from core.reports.ledger_values import FundLedger
from core.reports.pdf_notices import call_notice_pdf, distribution_notice_pdf
from core.reports.pdf_statement import statement_pdf
from core.views.fund_performance import fund_performance
from tests.reports.conftest import DemoOrg
from tests.reports.documents_read import dollars, pdf_text, save_png

NAV = Decimal("25000000.00")


def _version(demo: DemoOrg, entity_id: str) -> int:
    ((version,),) = demo.sql("SELECT version FROM entities WHERE entity_id = ?", entity_id)
    return int(str(version))


@pytest.fixture(scope="module")
def waterfall(demo: DemoOrg) -> tuple[str, str, str]:
    """(fund id, waterfall distribution id, valuation id) after the GP's four ops."""
    ws, fund_id = demo.ws, fund_ids(demo.ws)[0]
    ws.submit_wire(
        "fund.terms.set",
        entity_id=fund_id,
        base_version=_version(demo, fund_id),
        payload={
            "style": "european",
            "preferred_return": "0.08",
            "compounding": "simple",
            "carried_interest": "0.20",
            "catch_up": "1",
            "gp_name": "Harbor Peak GP",
            "label": "LPA of 15 January 2024",
        },
    )
    dist_id = new_id()
    ws.submit_wire(
        "distribution.create",
        entity_id=dist_id,
        payload={
            "fund_id": fund_id,
            "amount": "60000000.00",
            "currency": "USD",
            "basis": "waterfall",
            "distribution_date": "2026-06-30",
            "source": "exit",
            "note": "Sale of Oak Hollow Plaza II",
        },
    )
    ws.submit_wire("distribution.issue", entity_id=dist_id, base_version=1, payload={})
    valuation_id = new_id()
    ws.submit_wire(
        "fund.nav.record",
        entity_id=fund_id,
        base_version=_version(demo, fund_id),
        payload={
            "valuation_id": valuation_id,
            "as_of": "2026-06-30",
            "nav": format(NAV, "f"),
            "currency": "USD",
        },
    )
    ws.submit_wire(
        "fund.update",
        entity_id=fund_id,
        base_version=_version(demo, fund_id),
        payload={
            "payment_instructions": {
                "bank_name": "First Harbor Bank, N.A.",
                "account_name": "Harbor Peak Real Estate Fund I, L.P.",
                "account_number": "004417729301",
                "routing": "021000089",
                "reference": "Capital call and LP name",
            }
        },
    )
    return fund_id, dist_id, valuation_id


@pytest.fixture(scope="module")
def fund_i(demo: DemoOrg, waterfall: tuple[str, str, str]) -> FundLedger:
    return read_fund_ledger(demo.ws, waterfall[0])


def test_every_statement_reconciles_by_tier_and_at_nav(
    demo: DemoOrg, waterfall: tuple[str, str, str], fund_i: FundLedger
) -> None:
    fund_id, dist_id, _valuation_id = waterfall
    ((nav_op,),) = demo.sql(
        "SELECT op_id FROM op_log WHERE kind = 'fund.nav.record' AND entity_id = ?", fund_id
    )
    closing = Decimal(0)
    tiers_seen: set[str] = set()
    for ledger in fund_i.ledgers:
        statement = lp_statement(
            demo.ws, ledger.investor.lp_id, parse_period("2026Q2"), fund_id=fund_id
        )
        assert reconcile(statement) == ()
        assert statement.nav is not None
        assert statement.nav.op_id == nav_op
        entry = ledger.distribution(dist_id)
        if entry is not None and entry.tiers:
            assert sum((t.amount for t in entry.tiers), Decimal(0)) == entry.amount
            tiers_seen |= {label for label, _ in statement.current.distributions}
        closing += statement.current.closing
    assert closing == NAV  # the NAV is shared to the cent, and is every closing balance
    assert "Distributions: return of capital" in tiers_seen
    assert "Distributions: income" not in tiers_seen  # 2026Q2's pro rata exit is by source


def test_a_waterfall_notice_names_no_other_lp(
    demo: DemoOrg, waterfall: tuple[str, str, str], fund_i: FundLedger
) -> None:
    _, dist_id, _ = waterfall
    lp = next(
        lp
        for lp in fund_i.ledgers
        if (e := lp.distribution(dist_id)) is not None and e.carry > 0 and len(e.tiers) > 1
    )
    notice = build_distribution_notice(lp, dist_id)
    entry = notice.distribution
    assert notice.line("Less catch-up and carried interest to the GP").amount == -entry.carry
    assert any(lp.investor.name in line for line in entry.explanation)
    data = distribution_notice_pdf(notice)
    save_png(data, "distribution-notice-waterfall")
    text = pdf_text(data)
    assert "How the waterfall applied" in text
    for tier in entry.tiers:
        assert dollars(tier.amount) in text
    assert f"({dollars(entry.carry)})" in text
    for other in fund_i.ledgers:
        name = other.investor.name
        if other is not lp and name not in lp.investor.name:
            assert name not in text


def test_the_statement_pdf_states_the_nav_and_its_op(
    demo: DemoOrg, waterfall: tuple[str, str, str], fund_i: FundLedger
) -> None:
    fund_id = waterfall[0]
    lp = fund_i.ledgers[3]
    statement = lp_statement(demo.ws, lp.investor.lp_id, parse_period("2026Q2"), fund_id=fund_id)
    assert statement.nav is not None
    data = statement_pdf(statement)
    save_png(data, "statement-at-nav")
    text = pdf_text(data)
    assert statement.nav.op_id in text
    assert f"Change in net asset value {dollars(statement.current.nav_change)}" in text
    assert "net asset value as of 30 June 2026" in text


def test_call_notices_print_the_fund_wiring_instructions(
    demo: DemoOrg, waterfall: tuple[str, str, str], fund_i: FundLedger
) -> None:
    ((call_id,),) = demo.sql(
        "SELECT call_id FROM capital_calls WHERE status = 'draft' AND fund_id = ?", waterfall[0]
    )
    notice = call_notice(demo.ws, str(call_id), fund_i.ledgers[5].investor.lp_id)
    assert notice.payment_instructions is not None
    text = pdf_text(call_notice_pdf(notice))
    assert "004417729301" in text
    assert "021000089" in text
    assert "separate cover" not in text


def test_without_the_records_documents_fall_back_to_cost_and_source(
    demo: DemoOrg, waterfall: tuple[str, str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An older build or store without these tables still issues every document."""
    monkeypatch.setattr(fund_records, "projection_table", lambda _name: None)
    fund_id, dist_id, _ = waterfall
    ledger = read_fund_ledger(demo.ws, fund_id).ledgers[0]
    entry = ledger.distribution(dist_id)
    assert entry is not None
    assert (entry.tiers, entry.explanation) == ((), ())
    statement = lp_statement(
        demo.ws, ledger.investor.lp_id, parse_period("2026Q2"), fund_id=fund_id
    )
    assert statement.nav is None
    assert reconcile(statement) == ()
    assert statement.current.closing == ledger.cost_basis(statement.period.end)
    assert build_statement(ledger, parse_period("2026Q2")).current.nav_change == 0


def test_explanation_lines_naming_another_lp_are_dropped() -> None:
    lines = ["Total $10.00", "Tier 1: $4.00 to Alder Fund", "Tier 1: $6.00 to Brooks Trust"]
    assert lines_for_lp(lines, ["Brooks Trust"]) == ("Total $10.00", "Tier 1: $4.00 to Alder Fund")


def test_the_statement_states_the_performance_report_figures(
    demo: DemoOrg, waterfall: tuple[str, str, str], fund_i: FundLedger
) -> None:
    """One definition: the statement's performance at period end is the performance
    report's for the same LP and date, NAV share, multiples and IRR alike."""
    fund_id = waterfall[0]
    lp = fund_i.ledgers[3]
    statement = lp_statement(demo.ws, lp.investor.lp_id, parse_period("2026Q2"), fund_id=fund_id)
    report = fund_performance(
        demo.ws, fund_id, as_of=parse_period("2026Q2").end, lp_id=lp.investor.lp_id
    )
    (line,) = report.lps
    assert statement.performance is not None
    assert statement.nav is not None
    assert statement.performance.nav == statement.nav.amount == line.metrics.nav
    for term in ("paid_in", "distributed", "unfunded", "tvpi", "dpi", "rvpi"):
        assert getattr(statement.performance, term) == getattr(line.metrics, term), term
    assert statement.performance.irr.rate == line.metrics.irr.rate
    assert statement.irr_label == report.irr_label == "IRR"
