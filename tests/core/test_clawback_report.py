"""Issue 13's clawback, from the ledger: ops on a real SQLite store, then the report.

Alder Row Fund (USD), American (deal-by-deal) terms: 8 % preferred return compounded
annually, 100 % GP catch-up, 80/20, carry to Harbor Point GP. Acme Pension commits
600,000.00 and Birch Endowment 400,000.00 on 2023-12-01. Two calls dated and paid on
2024-01-01, each of 500,000.00 split 60/40 by commitment: one funds deal Alder Logistics
(A), the other deal Birch Tower (B). A exits for 1,500,000.00 on 2024-12-31 (365 days: one
year, the pref exactly 8 %) and B returns 100,000.00 on 2025-12-31, each drafted as a
waterfall distribution of its deal and issued.

Derived by hand in tests/fund_math/test_clawback.py (the issue's one-LP fund, 60/40 here):
deal A gives the GP 10,000 catch-up + 190,000 split = 200,000.00 — 120,000.00 from Acme's
portion, 80,000.00 from Birch's; deal B is all return of capital. The whole-fund test
allows 120,000.00 (72,000.00 / 48,000.00), so the excess and the clawback gross of taxes
are 80,000.00: 48,000.00 owed to Acme, 32,000.00 to Birch.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cli_run import dealos_on
from fixtures_org import OrgBuilder

from core.commands.reading import reading
from core.commands.workspace import Workspace
from core.fund_math import (
    AmericanWaterfall,
    Contribution,
    FundTerms,
    LpPosition,
    PrefCompounding,
    Realization,
    WaterfallStyle,
    assess_clawback,
)
from core.positions import positions_as_of
from core.reports import ReportError
from core.reports.clawback_report import ClawbackNotApplicable, clawback_report
from core.store.sql_projection import SqlProjection

D = Decimal
TEST_DATE = dt.date(2025, 12, 31)
AMERICAN = {
    "style": "american",
    "preferred_return": "0.08",
    "compounding": "compound",
    "carried_interest": "0.20",
    "catch_up": "1",
    "gp_name": "Harbor Point GP",
    "label": "LPA of 2023-12-01",
}


def _deal(org: OrgBuilder, fund_id: str, name: str) -> str:
    return org.submit_wire("deal.create", {"name": name, "currency": "USD", "fund_id": fund_id})


def _fund_deal(org: OrgBuilder, fund_id: str, deal_id: str, lps: dict[str, str]) -> None:
    call = org.call(
        fund_id, "500000.00", deal_id=deal_id, call_date="2024-01-01", due_date="2024-01-01"
    )
    org.issue(call)
    for lp_id, amount in lps.items():
        org.pay(call, lp_id, amount, paid_on="2024-01-01")


def _exit(org: OrgBuilder, fund_id: str, deal_id: str, amount: str, on: str) -> str:
    dist = org.distribution(
        fund_id, amount, basis="waterfall", deal_id=deal_id, distribution_date=on, source="exit"
    )
    org.issue(dist)
    return dist


def _alder_row(org: OrgBuilder, terms: dict[str, Any] | None = None) -> dict[str, str]:
    fund_id = org.fund()
    acme, birch = org.lp("Acme Pension"), org.lp("Birch Endowment")
    org.commit(fund_id, acme, "600000.00", committed_on="2023-12-01")
    org.commit(fund_id, birch, "400000.00", committed_on="2023-12-01")
    org.submit_wire("fund.terms.set", terms or AMERICAN, entity_id=fund_id)
    a, b = _deal(org, fund_id, "Alder Logistics"), _deal(org, fund_id, "Birch Tower")
    for deal in (a, b):
        _fund_deal(org, fund_id, deal, {acme: "300000.00", birch: "200000.00"})
    first = _exit(org, fund_id, a, "1500000.00", "2024-12-31")
    second = _exit(org, fund_id, b, "100000.00", "2025-12-31")
    return {"fund": fund_id, "acme": acme, "birch": birch, "A": first, "B": second}


def _issue_terms() -> FundTerms:
    return FundTerms(
        version=1,
        currency="USD",
        style=WaterfallStyle.AMERICAN,
        preferred_return=D("0.08"),
        compounding=PrefCompounding.COMPOUND,
        carried_interest=D("0.20"),
        catch_up=D(1),
        gp_name="Harbor Point GP",
    )


def _by_hand() -> list[LpPosition]:
    """The same fund built from the fund-math API alone, as tests/fund_math builds it."""
    called = dt.date(2024, 1, 1)
    return [
        LpPosition(
            lp_id,
            name,
            D(commitment),
            tuple(
                Contribution(called, D(each), deal) for deal in ("Alder Logistics", "Birch Tower")
            ),
        )
        for lp_id, name, commitment, each in (
            ("acme", "Acme Pension", "600000.00", "300000.00"),
            ("birch", "Birch Endowment", "400000.00", "200000.00"),
        )
    ]


def test_the_ledgers_american_waterfall_gives_the_gp_200000_on_deal_a(
    ws_org: OrgBuilder,
) -> None:
    fund = _alder_row(ws_org)

    a = ws_org.row("distributions", distribution_id=fund["A"])
    b = ws_org.row("distributions", distribution_id=fund["B"])
    assert a is not None
    assert b is not None
    assert (D(a["carried_interest"]), D(b["carried_interest"])) == (D("200000.00"), D("0.00"))
    carry = {
        r["lp_id"]: (D(r["amount"]), D(r["carry"]))
        for r in ws_org.rows("distribution_allocations", distribution_id=fund["A"])
    }
    assert carry == {
        fund["acme"]: (D("780000.00"), D("120000.00")),
        fund["birch"]: (D("520000.00"), D("80000.00")),
    }


def test_the_issues_one_lp_fund_through_the_ledger(
    workspace: Workspace, ws_org: OrgBuilder
) -> None:
    """The issue's fund exactly as tests/fund_math/test_clawback.py states it: one LP puts
    500,000 into each deal; 200,000.00 received, 120,000.00 whole-fund, 80,000.00 back, and
    the LP ends with 1,400,000 + 80,000 = 1,480,000.00."""
    fund_id = ws_org.fund()
    lp = ws_org.lp("Fund LPs")
    ws_org.commit(fund_id, lp, "1000000.00", committed_on="2023-12-01")
    ws_org.submit_wire("fund.terms.set", AMERICAN, entity_id=fund_id)
    a, b = _deal(ws_org, fund_id, "A"), _deal(ws_org, fund_id, "B")
    for deal in (a, b):
        _fund_deal(ws_org, fund_id, deal, {lp: "500000.00"})
    _exit(ws_org, fund_id, a, "1500000.00", "2024-12-31")
    _exit(ws_org, fund_id, b, "100000.00", "2025-12-31")

    r = clawback_report(workspace, fund_id, TEST_DATE).result

    assert r.carry_by_deal == {"A": D("200000.00"), "B": D("0.00")}
    assert (r.gp_carry, r.whole_fund_carry, r.excess, r.clawback) == (
        D("200000.00"),
        D("120000.00"),
        D("80000.00"),
        D("80000.00"),
    )
    (only,) = r.lps
    assert (only.received, only.share, only.total) == (
        D("1400000.00"),
        D("80000.00"),
        D("1480000.00"),
    )


def test_the_report_reproduces_the_issues_80000_and_splits_it_48000_32000(
    workspace: Workspace, ws_org: OrgBuilder
) -> None:
    fund = _alder_row(ws_org)

    report = clawback_report(workspace, fund["fund"], TEST_DATE)

    r = report.result
    assert report.fund_name.startswith("Harbor Point Fund")
    assert r.carry_by_deal == {"Alder Logistics": D("200000.00"), "Birch Tower": D("0.00")}
    assert (r.gp_carry, r.whole_fund_carry, r.excess) == (
        D("200000.00"),
        D("120000.00"),
        D("80000.00"),
    )
    assert (r.after_tax_cap, r.clawback, r.gp_carry_kept) == (
        None,
        D("80000.00"),
        D("120000.00"),
    )
    lines = {lp.name: (lp.carry_borne, lp.whole_fund_carry, lp.share, lp.total) for lp in r.lps}
    assert lines == {
        "LP Acme Pension": (D("120000.00"), D("72000.00"), D("48000.00"), D("888000.00")),
        "LP Birch Endowment": (D("80000.00"), D("48000.00"), D("32000.00"), D("592000.00")),
    }
    assert r.total_allocated == r.distributed == D("1600000.00")
    assert "Excess carry: $200,000.00 received less $120,000.00 whole-fund = $80,000.00" in (
        report.explanation
    )


def test_the_report_agrees_with_the_fund_math_on_the_same_facts(
    workspace: Workspace, ws_org: OrgBuilder
) -> None:
    """Three ways to the same cents: the report; assess_clawback on the positions the report
    read; and the pure deal-by-deal run of the hand-built fund, which never saw the ledger."""
    fund = _alder_row(ws_org)
    terms = _issue_terms()
    exits = [
        Realization("Alder Logistics", dt.date(2024, 12, 31), D("1500000.00")),
        Realization("Birch Tower", TEST_DATE, D("100000.00")),
    ]

    report = clawback_report(workspace, fund["fund"], TEST_DATE)
    again = assess_clawback(report.terms, report.positions, as_of=TEST_DATE)
    pure = AmericanWaterfall(terms).run(_by_hand(), exits).clawback

    assert again == report.result

    def figures(result: Any) -> tuple[Any, ...]:
        return (
            result.deals,
            result.gp_carry,
            result.whole_fund_carry,
            result.excess,
            result.clawback,
            [
                (lp.name, lp.received, lp.carry_borne, lp.whole_fund_carry, lp.share)
                for lp in result.lps
            ],
            result.explanation[1:],
        )

    assert figures(report.result) == figures(pure)
    # The paid-in the test weighs is the ledger's one paid-in (core.positions).
    with reading(workspace) as conn:
        book = positions_as_of(SqlProjection(conn, workspace.org_id), fund["fund"], TEST_DATE)
    for position in report.positions:
        paid = sum((c.amount for c in position.contributions), D(0))
        assert paid == book.of(position.lp_id).paid_in
        received = sum((d.to_lp for d in position.distributions), D(0))
        assert received == book.of(position.lp_id).distributed


@pytest.mark.parametrize(
    ("rate", "cap", "clawback", "acme", "birch"),
    [
        # 200,000 x 60 % = 120,000 after tax: above the excess, which is returned whole.
        ("0.40", "120000.00", "80000.00", "48000.00", "32000.00"),
        # 200,000 x 35 % = 70,000: the cap binds; shared 60/40 by excess, 42,000 / 28,000.
        ("0.65", "70000.00", "70000.00", "42000.00", "28000.00"),
    ],
)
def test_net_of_taxes_the_cap_comes_from_the_rate_given(
    workspace: Workspace,
    ws_org: OrgBuilder,
    rate: str,
    cap: str,
    clawback: str,
    acme: str,
    birch: str,
) -> None:
    fund = _alder_row(ws_org)

    r = clawback_report(workspace, fund["fund"], TEST_DATE, tax_rate=D(rate)).result

    assert (r.after_tax_cap, r.clawback) == (D(cap), D(clawback))
    assert {lp.name: lp.share for lp in r.lps} == {
        "LP Acme Pension": D(acme),
        "LP Birch Endowment": D(birch),
    }


def test_the_lpa_states_the_tax_rate_and_a_test_may_try_another(
    workspace: Workspace, ws_org: OrgBuilder
) -> None:
    """Alder's LPA says the clawback is net of taxes at 65 %: the cap (70,000.00) binds
    without the command being told; a rate given for a test overrides it, 40 % returning
    the whole 80,000.00."""
    fund = _alder_row(ws_org, {**AMERICAN, "clawback_tax_rate": "0.65"})

    stated = clawback_report(workspace, fund["fund"], TEST_DATE).result
    tried = clawback_report(workspace, fund["fund"], TEST_DATE, tax_rate=D("0.40")).result

    assert (stated.tax_rate, stated.after_tax_cap, stated.clawback) == (
        D("0.65"),
        D("70000.00"),
        D("70000.00"),
    )
    assert (tried.after_tax_cap, tried.clawback) == (D("120000.00"), D("80000.00"))


def test_a_clawback_tax_rate_of_one_or_more_is_refused(ws_org: OrgBuilder) -> None:
    fund_id = ws_org.fund()
    refusal = ws_org.refused(
        "fund.terms.set", {**AMERICAN, "clawback_tax_rate": "1"}, entity_id=fund_id
    )
    assert (refusal.code, refusal.field) == ("invalid_payload", "payload.clawback_tax_rate")


def test_before_deal_b_returns_anything_the_excess_is_100000(
    workspace: Workspace, ws_org: OrgBuilder
) -> None:
    """As of 2025-06-30 the fund has 1,500,000 back on 1,000,000: the whole-fund test allows
    20 % of the 500,000 profit, 100,000.00, and the excess is 100,000.00. B's later
    distribution is not history yet on that date."""
    fund = _alder_row(ws_org)

    r = clawback_report(workspace, fund["fund"], dt.date(2025, 6, 30)).result

    assert r.carry_by_deal == {"Alder Logistics": D("200000.00")}
    assert (r.whole_fund_carry, r.clawback) == (D("100000.00"), D("100000.00"))


def test_a_distribution_tied_to_no_deal_is_named(workspace: Workspace, ws_org: OrgBuilder) -> None:
    fund = _alder_row(ws_org)
    ws_org.issue(ws_org.distribution(fund["fund"], "1000.00", distribution_date="2026-01-15"))

    with pytest.raises(ClawbackNotApplicable, match=r"distribution of \$1,000.00 on 2026-01-15"):
        clawback_report(workspace, fund["fund"], dt.date(2026, 2, 1))


# -- the command, run as a person runs it ---------------------------------------------------


def test_the_command_prints_the_gp_figures_each_lps_share_and_the_explanation(
    workspace: Workspace, ws_org: OrgBuilder, keyring_file: Path
) -> None:
    fund = _alder_row(ws_org)

    done = dealos_on(keyring_file, "report", "clawback", "--fund", fund["fund"],
                   "--as-of", "2025-12-31", "--tax-rate", "0.40")  # fmt: skip

    assert done.returncode == 0, done.stderr
    out = done.stdout
    lines = out.splitlines()
    assert lines[0].endswith("(USD), clawback test as of 2025-12-31")
    assert lines[1] == (
        "Under the LPA's terms v1 'LPA of 2023-12-01': American (deal by deal), 8 % preferred "
        "return compounded annually, 100 % GP catch-up, 80/20 carried interest split"
    )
    assert "Alder Logistics  $1,500,000.00      $200,000.00" in lines
    assert "Birch Tower        $100,000.00            $0.00" in lines
    summary = {
        label.strip(): value
        for label, value in (line.split("  $") for line in lines if line.count("  $") == 1)
        if label.strip()
        in {
            "Carry received deal by deal",
            "Whole-fund carry the LPA's test implies",
            "Excess carry",
            "After-tax cap at 40 % tax",
            "Clawback Harbor Point GP owes the LPs",
            "Carry Harbor Point GP keeps",
        }
    }
    assert summary == {
        "Carry received deal by deal": "200,000.00",
        "Whole-fund carry the LPA's test implies": "120,000.00",
        "Excess carry": "80,000.00",
        "After-tax cap at 40 % tax": "120,000.00",
        "Clawback Harbor Point GP owes the LPs": "80,000.00",
        "Carry Harbor Point GP keeps": "120,000.00",
    }
    acme = next(line for line in lines if line.startswith("LP Acme Pension "))
    assert acme.split()[3:] == [
        "$840,000.00", "$120,000.00", "$72,000.00", "$48,000.00", "$48,000.00", "$888,000.00",
    ]  # fmt: skip
    assert (
        "- LP Birch Endowment: bore $80,000.00 of carry deal by deal against $48,000.00 in the "
        "whole-fund test (excess $32,000.00); receives $32,000.00 of the clawback (40 %), "
        "$592,000.00 in all with the $560,000.00 distributed to it"
    ) in lines
    # Words for people: no ids anywhere in what is printed.
    for secret in (fund["fund"], fund["acme"], fund["birch"], fund["A"]):
        assert secret not in out
    assert "_" not in out

    gross = dealos_on(keyring_file, "report", "clawback", "--fund", fund["fund"],
                    "--as-of", "2025-12-31")  # fmt: skip
    assert "After-tax cap: none, the clawback is gross of taxes" in gross.stdout.splitlines()


def test_the_csv_carries_each_lps_figures_and_the_fund_total(
    workspace: Workspace, ws_org: OrgBuilder, keyring_file: Path
) -> None:
    fund = _alder_row(ws_org)

    done = dealos_on(keyring_file, "report", "clawback", "--fund", fund["fund"],
                   "--as-of", "2025-12-31", "--csv")  # fmt: skip

    assert done.returncode == 0, done.stderr
    rows = {r["LP"]: r for r in csv.DictReader(io.StringIO(done.stdout))}
    assert list(rows) == ["LP Acme Pension", "LP Birch Endowment", "Fund total"]
    assert {name: D(r["Clawback owed to it"]) for name, r in rows.items()} == {
        "LP Acme Pension": D("48000.00"),
        "LP Birch Endowment": D("32000.00"),
        "Fund total": D("80000.00"),
    }
    total = rows["Fund total"]
    assert (D(total["Carry borne deal by deal"]), D(total["Whole-fund carry"])) == (
        D("200000.00"),
        D("120000.00"),
    )
    assert {r["Currency"] for r in rows.values()} == {"USD"}


def test_refusals_are_one_line_naming_the_problem(
    workspace: Workspace, ws_org: OrgBuilder, keyring_file: Path
) -> None:
    european = _alder_row(ws_org, {**AMERICAN, "style": "european"})["fund"]
    bare = ws_org.fund()
    american = _alder_row(ws_org)["fund"]

    def refused(*args: str) -> str:
        done = dealos_on(keyring_file, "report", "clawback", *args)
        assert done.returncode == 1
        assert done.stdout == ""
        assert done.stderr.count("\n") == 1, done.stderr
        return done.stderr

    assert refused("--fund", european, "--as-of", "2025-12-31").endswith(
        "distributes under a European (whole-fund) waterfall (terms v1): the GP takes carry "
        "only once the whole fund is repaid, so there is no clawback to test\n"
    )
    assert "has no LPA terms recorded" in refused("--fund", bare, "--as-of", "2025-12-31")
    assert refused("--fund", "no-such-fund", "--as-of", "2025-12-31") == (
        "dealos: --fund 'no-such-fund': no such fund in this organization\n"
    )
    assert refused("--fund", american, "--as-of", "2025-02-30") == (
        "dealos: --as-of '2025-02-30': give a date as YYYY-MM-DD\n"
    )
    assert refused("--fund", american, "--tax-rate", "40%") == (
        "dealos: --tax-rate '40%': give the hypothetical tax rate as a fraction from 0 to "
        "below 1, such as 0.40 for 40 %\n"
    )


def test_the_read_model_refuses_a_fund_without_terms_or_lps(
    workspace: Workspace, ws_org: OrgBuilder
) -> None:
    bare = ws_org.fund()
    with pytest.raises(ClawbackNotApplicable, match="no LPA terms recorded"):
        clawback_report(workspace, bare, TEST_DATE)
    ws_org.submit_wire("fund.terms.set", AMERICAN, entity_id=bare)
    with pytest.raises(ClawbackNotApplicable, match="no LP with a commitment by 2025-12-31"):
        clawback_report(workspace, bare, TEST_DATE)
    assert issubclass(ClawbackNotApplicable, ReportError)


def test_a_pro_rata_distribution_of_a_deal_counts_and_is_noted(
    workspace: Workspace, ws_org: OrgBuilder
) -> None:
    """A further 10,000.00 from Birch Tower on 2026-01-15, split pro rata to paid-in (6,000
    / 4,000) rather than by the waterfall: the GP takes nothing from it. Capital and pref
    are repaid and the GP holds its 20 % by then, so the whole-fund test allows 2,000.00
    more: 122,000.00 (73,200.00 / 48,800.00), and the clawback falls to 78,000.00
    (46,800.00 / 31,200.00)."""
    fund = _alder_row(ws_org)
    b = ws_org.row("distributions", distribution_id=fund["B"])
    assert b is not None
    extra = ws_org.distribution(
        fund["fund"], "10000.00", deal_id=b["deal_id"], distribution_date="2026-01-15"
    )
    ws_org.issue(extra)

    report = clawback_report(workspace, fund["fund"], dt.date(2026, 1, 31))

    r = report.result
    assert (r.gp_carry, r.whole_fund_carry, r.clawback) == (
        D("200000.00"),
        D("122000.00"),
        D("78000.00"),
    )
    assert {lp.name: lp.share for lp in r.lps} == {
        "LP Acme Pension": D("46800.00"),
        "LP Birch Endowment": D("31200.00"),
    }
    assert report.notes == (
        "One distribution was split pro rata rather than by the waterfall: the GP took no "
        "carry on it, and the whole-fund test counts what it paid the LPs",
    )


def test_distributions_run_under_earlier_terms_are_noted(
    workspace: Workspace, ws_org: OrgBuilder
) -> None:
    fund = _alder_row(ws_org)
    ws_org.submit_wire(
        "fund.terms.set", {**AMERICAN, "label": "LPA amended 2026-01-01"}, entity_id=fund["fund"]
    )

    report = clawback_report(workspace, fund["fund"], TEST_DATE)

    assert report.terms.version == 2
    assert report.result.clawback == D("80000.00")
    assert report.notes == (
        "Some distributions were run under earlier terms (v1): the carry they gave the GP "
        "is taken as recorded, and the whole-fund test applies terms v2",
    )
