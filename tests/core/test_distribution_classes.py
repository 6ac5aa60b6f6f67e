"""What each LP's distribution is, and what reaches it (core.distribution_classes).

Harbor Point Fund (USD), in a real SQLite store: LPs A, B and C commit 1,000,000.00,
2,000,000.00 and 3,000,000.00 on 2026-01-15. A call of 600,000.00 dated 2026-03-01 (due
2026-03-31) asks 100,000.00, 200,000.00 and 300,000.00; by 2026-03-20 A and B pay in full
and C pays 150,000.00, so C still owes 150,000.00. Paid-in is 100,000 / 200,000 / 150,000,
so a distribution split by paid-in gives A 2/9, B 4/9 and C 3/9 of it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from fixtures_org import EUROPEAN_TERMS, OrgBuilder
from hypothesis import given, settings
from hypothesis import strategies as st
from sinks import WorkspaceSink

from core.commands.workspace import Workspace
from core.distribution_classes import classify, offset_of, withheld_of
from core.errors import OpRejected
from core.positions import positions_as_of
from core.reports import build_distribution_notice, read_fund_ledger
from core.reports.documents import export_table
from core.reports.pdf_notices import distribution_notice_pdf
from core.store.sql_projection import SqlProjection
from tests.reports.documents_read import dollars, pdf_text, save_png

D = Decimal
TERMS = {**EUROPEAN_TERMS, "label": "LPA of 2026-01-01"}


def _ws(org: OrgBuilder) -> Workspace:
    assert isinstance(org.sink, WorkspaceSink)
    return org.sink.ws


def _fund(org: OrgBuilder) -> tuple[str, list[str]]:
    fund_id, lps = org.fund_with_lps("1000000.00", "2000000.00", "3000000.00")
    call_id = org.call(fund_id, "600000.00")
    org.issue(call_id)
    for lp_id, paid in zip(lps, ("100000.00", "200000.00", "150000.00"), strict=True):
        org.pay(call_id, lp_id, paid)
    return fund_id, lps


def _exit(org: OrgBuilder, fund_id: str, amount: str, on: str, **extra: Any) -> str:
    return org.distribution(fund_id, amount, source="exit", distribution_date=on, **extra)


def _row(org: OrgBuilder, dist: str, lp_id: str) -> dict[str, Any]:
    row = org.row("distribution_allocations", distribution_id=dist, lp_id=lp_id)
    assert row is not None
    return dict(row)


def _classes(org: OrgBuilder, dist: str, lp_id: str) -> tuple[Decimal, Decimal, Decimal]:
    row = _row(org, dist, lp_id)
    return D(row["return_of_capital"]), D(row["gain"]), D(row["income"])


def test_pro_rata_exit_is_capital_until_paid_in_is_returned_then_gain(ws_org: OrgBuilder) -> None:
    org = ws_org
    fund_id, (a, b, c) = _fund(org)
    first = _exit(org, fund_id, "90000.00", "2026-09-30")
    org.issue(first)
    # 20,000 / 40,000 / 30,000: all within paid-in, all return of capital.
    assert _classes(org, first, a) == (D("20000.00"), D("0.00"), D("0.00"))
    assert _classes(org, first, c) == (D("30000.00"), D("0.00"), D("0.00"))
    second = _exit(org, fund_id, "900000.00", "2026-10-15")
    # 200,000 / 400,000 / 300,000; unreturned paid-in is 80,000 / 160,000 / 120,000.
    assert _classes(org, second, a) == (D("80000.00"), D("120000.00"), D("0.00"))
    assert _classes(org, second, b) == (D("160000.00"), D("240000.00"), D("0.00"))
    assert _classes(org, second, c) == (D("120000.00"), D("180000.00"), D("0.00"))


def test_a_distribution_dated_later_returns_no_capital_before_its_date(
    ws_org: OrgBuilder,
) -> None:
    org = ws_org
    fund_id, (a, _b, _c) = _fund(org)
    issued = _exit(org, fund_id, "90000.00", "2026-09-30")
    org.issue(issued)
    later = _exit(org, fund_id, "90000.00", "2026-08-31")  # dated before the first
    assert _classes(org, later, a) == (D("20000.00"), D("0.00"), D("0.00"))


def test_pro_rata_income_is_income_to_the_cent(ws_org: OrgBuilder) -> None:
    org = ws_org
    fund_id, (a, b, c) = _fund(org)
    dist = org.distribution(fund_id, "45000.01")  # source income
    # 45,000.01 by 2:4:3 — B's remainder (.44 of a cent) is the largest: B gets the cent.
    assert _classes(org, dist, a) == (D("0.00"), D("0.00"), D("10000.00"))
    assert _classes(org, dist, b) == (D("0.00"), D("0.00"), D("20000.01"))
    assert _classes(org, dist, c) == (D("0.00"), D("0.00"), D("15000.00"))


def _waterfall_fund(org: OrgBuilder) -> tuple[str, str]:
    """Tentt's published default: 50,000,000 paid in on 2019-01-01, 8 % compounded, full
    catch-up, 80/20; 125,000,000 on 2023-12-31 gives the LP 110,000,000.00 of which
    50,000,000.00 return of capital, 23,466,403.84 preferred return and 36,533,596.16 its
    side of the split (tests/core/test_fund_terms.py)."""
    fund_id, (acme,) = org.fund_with_lps("50000000.00", committed_on="2018-12-01")
    call = org.call(fund_id, "50000000.00", call_date="2019-01-01", due_date="2019-01-01")
    org.issue(call)
    org.pay(call, acme, "50000000.00", paid_on="2019-01-01")
    org.submit_wire("fund.terms.set", TERMS, entity_id=fund_id)
    return fund_id, acme


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("exit", (D("50000000.00"), D("60000000.00"), D("0.00"))),
        ("income", (D("50000000.00"), D("0.00"), D("60000000.00"))),
    ],
)
def test_waterfall_tiers_give_the_classes(
    ws_org: OrgBuilder, source: str, expected: tuple[Decimal, Decimal, Decimal]
) -> None:
    org = ws_org
    fund_id, acme = _waterfall_fund(org)
    dist = org.distribution(
        fund_id,
        "125000000.00",
        basis="waterfall",
        source=source,
        distribution_date="2023-12-31",
    )
    assert _classes(org, dist, acme) == expected


def test_withholding_is_taken_from_the_gross_at_the_lpa_rate(ws_org: OrgBuilder) -> None:
    org = ws_org
    fund_id, (a, b, c) = _fund(org)
    org.submit_wire("fund.terms.set", {**TERMS, "withholding_rate": "0.15"}, entity_id=fund_id)
    dist = _exit(org, fund_id, "1000.01", "2026-09-30")
    # 1,000.01 by 2:4:3 is 222.22 / 444.45 / 333.34; 15 % rounded half up.
    assert (D(_row(org, dist, a)["amount"]), D(_row(org, dist, a)["withheld"])) == (
        D("222.22"),
        D("33.33"),
    )
    assert (D(_row(org, dist, b)["amount"]), D(_row(org, dist, b)["withheld"])) == (
        D("444.45"),
        D("66.67"),
    )
    assert (D(_row(org, dist, c)["amount"]), D(_row(org, dist, c)["withheld"])) == (
        D("333.34"),
        D("50.00"),
    )


def test_offset_only_when_chosen_and_never_more_than_the_net(ws_org: OrgBuilder) -> None:
    org = ws_org
    fund_id, (a, _b, c) = _fund(org)
    plain = _exit(org, fund_id, "900000.00", "2026-09-30")
    assert D(_row(org, plain, c)["call_offset"]) == D("0.00")
    chosen = _exit(org, fund_id, "900000.00", "2026-09-30", offset_unpaid_calls=True)
    # C's 300,000.00 covers the 150,000.00 it owes; A owes nothing.
    assert D(_row(org, chosen, c)["call_offset"]) == D("150000.00")
    assert D(_row(org, chosen, a)["call_offset"]) == D("0.00")


def test_offset_is_capped_at_the_net_after_withholding(ws_org: OrgBuilder) -> None:
    org = ws_org
    fund_id, (_a, _b, c) = _fund(org)
    org.submit_wire("fund.terms.set", {**TERMS, "withholding_rate": "0.15"}, entity_id=fund_id)
    dist = _exit(org, fund_id, "90000.00", "2026-09-30", offset_unpaid_calls=True)
    row = _row(org, dist, c)
    # Gross 30,000.00, withheld 4,500.00, net 25,500.00: all of it set off (owes 150,000).
    assert (D(row["amount"]), D(row["withheld"]), D(row["call_offset"])) == (
        D("30000.00"),
        D("4500.00"),
        D("25500.00"),
    )


def test_an_offset_under_the_running_totals_is_refused_naming_the_field(
    ws_org: OrgBuilder,
) -> None:
    org = ws_org
    fund_id, _ = _fund(org)
    with pytest.raises(OpRejected) as refused:
        _exit(
            org,
            fund_id,
            "900.00",
            "2026-09-30",
            offset_unpaid_calls=True,
            split_rule="running_totals",
        )
    assert refused.value.field == "payload.offset_unpaid_calls"


def test_a_recallable_distribution_adds_back_to_unfunded_once_issued(ws_org: OrgBuilder) -> None:
    org = ws_org
    fund_id, (a, _b, _c) = _fund(org)
    dist = _exit(org, fund_id, "90000.00", "2026-09-30", recallable=True)
    ws = _ws(org)

    def unfunded(on: str) -> Decimal:
        with ws.store.transaction() as conn:
            store = SqlProjection(conn, ws.org_id)
            return positions_as_of(store, fund_id, dt.date.fromisoformat(on)).of(a).unfunded

    assert unfunded("2026-09-30") == D("900000.00")  # a draft adds nothing back
    org.issue(dist)
    assert unfunded("2026-09-29") == D("900000.00")
    assert unfunded("2026-09-30") == D("920000.00")  # 1,000,000 - 100,000 + 20,000
    ledger = read_fund_ledger(ws, fund_id).of(a)
    assert ledger is not None
    notice = build_distribution_notice(ledger, dist)
    assert notice.line("Recallable: may be called again").amount == D("20000.00")
    assert notice.line("Unfunded commitment").amount == D("920000.00")


def test_the_notice_and_its_pdf_state_every_line(ws_org: OrgBuilder) -> None:
    """C: gross 300,000.00 of an exit of 900,000.00, recallable, 15 % withheld
    (45,000.00), net 255,000.00, 150,000.00 set off against its unpaid call, 105,000.00
    paid; 150,000.00 return of capital (its paid-in) and 150,000.00 gain."""
    org = ws_org
    fund_id, (_a, _b, c) = _fund(org)
    org.submit_wire("fund.terms.set", {**TERMS, "withholding_rate": "0.15"}, entity_id=fund_id)
    dist = _exit(org, fund_id, "900000.00", "2026-09-30", recallable=True, offset_unpaid_calls=True)
    org.issue(dist)
    ledger = read_fund_ledger(_ws(org), fund_id).of(c)
    assert ledger is not None
    notice = build_distribution_notice(ledger, dist)
    expected = {
        "Amount of this distribution": D("300000.00"),
        "Return of capital": D("150000.00"),
        "Gain": D("150000.00"),
        "Income": D("0.00"),
        "Recallable: may be called again": D("300000.00"),
        "Less tax withheld": D("-45000.00"),
        "Net distribution": D("255000.00"),
        "Less set off against your unpaid capital calls": D("-150000.00"),
        "Paid to you": D("105000.00"),
        "Unfunded commitment": D("3000000.00"),  # 3,000,000 - 300,000 + 300,000
    }
    for label, amount in expected.items():
        assert notice.line(label).amount == amount, label
    assert notice.line("Paid to you").source == notice.distribution.op_id
    assert not notice.classes_derived
    data = distribution_notice_pdf(notice)
    save_png(data, "distribution-notice-classes")
    text = pdf_text(data)
    for label, amount in expected.items():
        assert label in text, label
        assert dollars(amount) in text, label
    assert notice.distribution.op_id in text
    assert "Recallable Yes" in text


def test_without_a_choice_there_is_no_offset_line(ws_org: OrgBuilder) -> None:
    org = ws_org
    fund_id, (_a, _b, c) = _fund(org)
    dist = _exit(org, fund_id, "900000.00", "2026-09-30")
    ledger = read_fund_ledger(_ws(org), fund_id).of(c)
    assert ledger is not None
    labels = [line.label for line in build_distribution_notice(ledger, dist).lines]
    assert "Less set off against your unpaid capital calls" not in labels
    assert "Paid to you" not in labels


def test_an_old_distribution_replays_unchanged_and_its_notice_derives_the_classes(
    ws_org: OrgBuilder,
) -> None:
    """Signed before dated splits and without the new fields: nothing is stored, the
    digest survives a rebuild, and the notice derives the classes by the same rule."""
    org = ws_org
    fund_id, (a, _b, _c) = _fund(org)
    old_style = {
        "fund_id": fund_id,
        "amount": "900000.00",
        "currency": "USD",
        "basis": "paid_in",
        "distribution_date": "2026-09-30",
        "source": "exit",
    }
    dist = org.submit_wire("distribution.create", old_style, issued_at="2026-11-30T17:00:00.000Z")
    row = _row(org, dist, a)
    assert row["return_of_capital"] is None
    assert row["withheld"] is None
    kept = org.row("distributions", distribution_id=dist)
    assert kept is not None
    assert kept["recallable"] is None
    new = _exit(org, fund_id, "9000.00", "2026-10-01", recallable=True)
    digest = _ws(org).digest()
    assert _ws(org).rebuild() == digest
    assert _classes(org, new, a)[0] == D("2000.00")  # the old one is a draft: nothing returned
    ledger = read_fund_ledger(_ws(org), fund_id).of(a)
    assert ledger is not None
    notice = build_distribution_notice(ledger, dist)
    assert notice.classes_derived
    # A's 200,000.00: 100,000.00 paid in and not yet returned, the rest gain.
    assert notice.line("Return of capital (derived when read)").amount == D("100000.00")
    assert notice.line("Gain (derived when read)").amount == D("100000.00")
    assert "derived when this notice was produced" in pdf_text(distribution_notice_pdf(notice))


CENTS = st.integers(min_value=0, max_value=10**12).map(lambda n: D(n) / 100)


@settings(max_examples=300, deadline=None)
@given(
    amount=CENTS,
    unreturned=st.integers(min_value=-(10**10), max_value=10**12).map(lambda n: D(n) / 100),
    source=st.sampled_from(["income", "exit", "return_of_capital", "other"]),
    tiers=st.lists(
        st.tuples(
            st.sampled_from(
                ["return_of_capital", "preferred_return", "catch_up", "carried_interest"]
            ),
            CENTS,
        ),
        max_size=4,
    ),
)
def test_the_classes_always_sum_to_the_lp_amount(
    amount: Decimal, unreturned: Decimal, source: str, tiers: list[tuple[str, Decimal]]
) -> None:
    total = sum((t for _, t in tiers), D(0))
    if tiers and total:
        amount = total  # a waterfall's tiers are the LP's amount
    classes = classify(
        amount, currency="USD", source=source, tiers=tiers if total else (), unreturned=unreturned
    )
    assert classes.total == amount
    assert min(classes.return_of_capital, classes.gain, classes.income) >= 0


@settings(max_examples=200, deadline=None)
@given(gross=CENTS, owed=CENTS, rate=st.integers(0, 10**6).map(lambda n: D(n) / 10**6))
def test_withheld_and_offset_never_exceed_the_gross(
    gross: Decimal, owed: Decimal, rate: Decimal
) -> None:
    withheld = withheld_of(gross, rate, "USD")
    offset = offset_of(owed, gross - withheld)
    assert 0 <= withheld <= gross
    assert 0 <= offset <= gross - withheld
    assert offset == min(owed, gross - withheld)


@settings(max_examples=25, deadline=None)
@given(
    paid=st.lists(st.integers(min_value=0, max_value=100_000_00), min_size=3, max_size=3),
    amounts=st.lists(st.integers(min_value=1, max_value=500_000_00), min_size=2, max_size=2),
)
def test_stored_classes_sum_to_each_allocation_and_never_return_more_than_paid_in(
    paid: list[int], amounts: list[int]
) -> None:
    """Any paid-in, two exits in a row: each LP's stored parts add up to its allocation,
    and the return of capital across both never exceeds what it paid in."""
    org = OrgBuilder.in_memory()
    fund_id, lps = org.fund_with_lps("100000.00", "100000.00", "100000.00")
    call_id = org.call(fund_id, "300000.00")
    org.issue(call_id)
    for lp_id, cents in zip(lps, paid, strict=True):
        if cents:
            org.pay(call_id, lp_id, format(D(cents) / 100, "f"))
    returned = dict.fromkeys(lps, D(0))
    for n, cents in enumerate(amounts):
        basis = "paid_in" if any(paid) else "commitment"
        dist = _exit(org, fund_id, format(D(cents) / 100, "f"), f"2026-09-{n + 10}", basis=basis)
        org.issue(dist)
        for row in org.rows("distribution_allocations", distribution_id=dist):
            parts = D(row["return_of_capital"]) + D(row["gain"]) + D(row["income"])
            assert parts == D(row["amount"])
            returned[row["lp_id"]] += D(row["return_of_capital"])
    for lp_id, cents in zip(lps, paid, strict=True):
        assert returned[lp_id] <= D(cents) / 100


def test_the_distributions_export_states_classes_withheld_offset_and_paid(
    ws_org: OrgBuilder,
) -> None:
    """C's row of the exit of 900,000.00 (15 % withheld, offset chosen): 150,000.00 return
    of capital, 150,000.00 gain, 45,000.00 withheld, 150,000.00 set off, 105,000.00 paid."""
    org = ws_org
    fund_id, (_a, _b, c) = _fund(org)
    org.submit_wire("fund.terms.set", {**TERMS, "withholding_rate": "0.15"}, entity_id=fund_id)
    dist = _exit(org, fund_id, "900000.00", "2026-09-30", offset_unpaid_calls=True)
    table = export_table(_ws(org), "distributions", fund_id=fund_id)
    row = next(
        r
        for r in table.rows
        if (r[table.column("Distribution ID")], r[table.column("LP ID")]) == (dist, c)
    )

    def cell(title: str) -> Any:
        value = row[table.column(title)]
        return getattr(value, "amount", value)

    assert cell("Return of capital") == D("150000.00")
    assert cell("Gain") == D("150000.00")
    assert cell("Income") == D("0.00")
    assert cell("Withheld") == D("45000.00")
    assert cell("Set off against unpaid calls") == D("150000.00")
    assert cell("Paid") == D("105000.00")
    assert cell("Classes") == "fixed when drafted"
    assert cell("Recallable") == "no"


def test_a_set_off_settles_the_calls_it_offsets_once(ws_org: OrgBuilder) -> None:
    """C owes 150,000.00 on its call. Two exits are drafted, each setting C's unpaid call
    off. Issuing the first pays the call from C's distribution (a payment dated on the
    distribution date); the second, drafted on a debt now settled, is refused until it
    is drafted again, and then sets nothing off."""
    org = ws_org
    fund_id, (_a, _b, c) = _fund(org)
    first = _exit(org, fund_id, "900000.00", "2026-09-30", offset_unpaid_calls=True)
    second = _exit(org, fund_id, "90000.00", "2026-10-15", offset_unpaid_calls=True)
    assert D(_row(org, first, c)["call_offset"]) == D("150000.00")
    assert D(_row(org, second, c)["call_offset"]) == D("30000.00")  # capped at C's net
    org.issue(first)

    def position(on: str) -> Any:
        ws = _ws(org)
        with ws.store.transaction() as conn:
            store = SqlProjection(conn, ws.org_id)
            return positions_as_of(store, fund_id, dt.date.fromisoformat(on)).of(c)

    assert position("2026-09-29").called_not_paid == D("150000.00")
    settled = position("2026-09-30")
    assert (settled.paid_in, settled.called_not_paid) == (D("300000.00"), D("0.00"))
    payments = org.rows("payments", lp_id=c)
    assert sorted((D(p["amount"]), p["paid_on"]) for p in payments) == [
        (D("150000.00"), "2026-03-20"),
        (D("150000.00"), "2026-09-30"),
    ]
    refusal = org.refused("distribution.issue", {}, entity_id=second)
    assert refusal.code == "lifecycle_gate"
    assert "draft the distribution again" in refusal.message
    again = _exit(org, fund_id, "90000.00", "2026-10-15", offset_unpaid_calls=True)
    assert D(_row(org, again, c)["call_offset"]) == D("0.00")
    org.issue(again)
    ledger = read_fund_ledger(_ws(org), fund_id).of(c)
    assert ledger is not None
    notice = build_distribution_notice(ledger, first)
    assert notice.line("Paid to you").amount == D("150000.00")
