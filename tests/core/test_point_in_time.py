"""A distribution dated D is split by the positions as they stood on D (DESIGN §5).

Harbor Point Fund (USD), in a real SQLite store: three LPs commit 1,000,000.00,
2,000,000.00 and 3,000,000.00 on 2026-01-15; a call of 600,000.00 dated 2026-03-01 is
issued; each LP pays part of its share by 2026-09-30, the distribution date. Some LPs pay
more *after* that date, and the GP records those payments before drafting the
distribution: they must not move a cent of it. The same log replayed gives the same cents.

An op signed before splits were dated (no ``split_rule``) keeps its old rule — the running
totals when it was applied — so an existing store replays to the cents it issued.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

from fixtures_org import EUROPEAN_TERMS, OrgBuilder
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sinks import WorkspaceSink

from core.commands.workspace import Workspace
from core.positions import positions_as_of
from core.store.sql_projection import SqlProjection

D = Decimal
DISTRIBUTION_DATE = "2026-09-30"
COMMITMENTS = ("1000000.00", "2000000.00", "3000000.00")


def _largest_remainder(amount: Decimal, weights: dict[str, Decimal]) -> dict[str, Decimal]:
    """An independent split: exact fractions, leftover cents by remainder then LP id."""
    cents = int(amount * 100)
    total = sum((Fraction(w) for w in weights.values()), Fraction(0))
    exact = {lp: cents * Fraction(w) / total for lp, w in weights.items()}
    floor = {lp: int(x) for lp, x in exact.items()}
    left = cents - sum(floor.values())
    for lp in sorted(exact, key=lambda lp: (-(exact[lp] - floor[lp]), lp))[:left]:
        floor[lp] += 1
    return {lp: D(n) / 100 for lp, n in floor.items() if n}


def _ws(org: OrgBuilder) -> Workspace:
    assert isinstance(org.sink, WorkspaceSink)
    return org.sink.ws


def _split(org: OrgBuilder, distribution_id: str) -> dict[str, Decimal]:
    return {
        r["lp_id"]: D(r["amount"])
        for r in org.rows("distribution_allocations", distribution_id=distribution_id)
    }


def _fund_with_call(org: OrgBuilder) -> tuple[str, list[str], str]:
    fund_id, lps = org.fund_with_lps(*COMMITMENTS)
    call_id = org.call(fund_id, "600000.00")
    org.issue(call_id)
    return fund_id, lps, call_id


# Each LP's share of the call is 100k, 200k, 300k; it pays tenths of it by D, then more.
_TENTHS = st.lists(st.integers(1, 6), min_size=3, max_size=3)
_LATE = st.lists(st.integers(0, 4), min_size=3, max_size=3)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(before=_TENTHS, after=_LATE, days_after=st.integers(1, 400))
def test_a_payment_after_the_distribution_date_never_moves_a_cent(
    ws_org: OrgBuilder, before: list[int], after: list[int], days_after: int
) -> None:
    org = ws_org
    late_day = (
        dt.date.fromisoformat(DISTRIBUTION_DATE) + dt.timedelta(days=days_after)
    ).isoformat()
    splits = []
    for with_late_payments in (False, True):
        fund_id, lps, call_id = _fund_with_call(org)
        shares = [D("100000.00"), D("200000.00"), D("300000.00")]
        for lp_id, share, tenths in zip(lps, shares, before, strict=True):
            org.pay(call_id, lp_id, format(share * tenths / 10, ".2f"), paid_on="2026-06-15")
        if with_late_payments:
            for lp_id, share, tenths in zip(lps, shares, after, strict=True):
                if tenths:
                    org.pay(call_id, lp_id, format(share * tenths / 10, ".2f"), paid_on=late_day)
        dist = org.distribution(fund_id, "123456.78")
        splits.append({lps.index(lp): amount for lp, amount in _split(org, dist).items()})
        paid_by_d = {lp: share * t / 10 for lp, share, t in zip(lps, shares, before, strict=True)}
        assert _split(org, dist) == _largest_remainder(D("123456.78"), paid_by_d)
    assert splits[0] == splits[1]


def test_replaying_the_log_gives_the_same_cents(ws_org: OrgBuilder) -> None:
    org = ws_org
    fund_id, (small, mid, large), call_id = _fund_with_call(org)
    org.pay(call_id, small, "100000.00", paid_on="2026-03-20")
    org.pay(call_id, mid, "100000.00", paid_on="2026-03-20")
    org.pay(call_id, large, "300000.00", paid_on="2026-12-01")  # after the distribution date
    dist = org.distribution(fund_id, "1000.01")
    before = _split(org, dist)
    assert before == {small: D("500.01"), mid: D("500.00")}
    digest = _ws(org).digest()
    assert _ws(org).rebuild() == digest
    assert _split(org, dist) == before


def test_an_op_signed_before_splits_were_dated_replays_to_its_old_cents(
    ws_org: OrgBuilder,
) -> None:
    """No ``split_rule``: the old rule, paid-in as it stood when the op was applied."""
    org = ws_org
    fund_id, (small, mid, large), call_id = _fund_with_call(org)
    org.pay(call_id, small, "100000.00", paid_on="2026-03-20")
    org.pay(call_id, mid, "100000.00", paid_on="2026-03-20")
    org.pay(call_id, large, "300000.00", paid_on="2026-12-01")
    old_style = {
        "fund_id": fund_id,
        "amount": "1000.00",
        "currency": "USD",
        "basis": "paid_in",
        "distribution_date": DISTRIBUTION_DATE,
        "source": "income",
    }
    # Signed by a build before dated splits: the rule then in force.
    dist = org.submit_wire("distribution.create", old_style, issued_at="2026-11-30T17:00:00.000Z")
    issued_with = {small: D("200.00"), mid: D("200.00"), large: D("600.00")}
    assert _split(org, dist) == issued_with
    digest = _ws(org).digest()
    assert _ws(org).rebuild() == digest
    assert _split(org, dist) == issued_with
    # The same distribution signed today is split by paid-in on its date, whether it
    # states the rule or, like a client that never heard of the field, does not.
    dated = org.distribution(fund_id, "1000.00")
    assert _split(org, dated) == {small: D("500.00"), mid: D("500.00")}
    unstated = org.submit_wire("distribution.create", old_style, issued_at="2026-12-06T00:00:00Z")
    assert _split(org, unstated) == {small: D("500.00"), mid: D("500.00")}


def test_unfunded_never_counts_drafts_but_the_call_ceiling_does(ws_org: OrgBuilder) -> None:
    """One issued call of 600k and a draft of 60k: unfunded counts only the issued one;
    what may still be called counts both."""
    org = ws_org
    fund_id, (small, _mid, _large), call_id = _fund_with_call(org)
    org.pay(call_id, small, "40000.00", paid_on="2026-03-20")
    org.call(fund_id, "60000.00")  # a draft, dated 2026-03-01 too
    with _ws(org).store.transaction() as conn:
        position = positions_as_of(
            SqlProjection(conn, org.org_id), fund_id, dt.date(2026, 3, 31)
        ).of(small)
    assert position.commitment == D("1000000.00")
    assert position.called == D("100000.00")
    assert position.paid_in == D("40000.00")
    assert position.called_not_paid == D("60000.00")
    assert position.overdue == D(0)  # due 2026-03-31: not yet past due
    assert position.unfunded == D("900000.00")
    assert position.available_to_call == D("890000.00")
    with _ws(org).store.transaction() as conn:
        later = positions_as_of(SqlProjection(conn, org.org_id), fund_id, dt.date(2026, 4, 1))
    assert later.of(small).overdue == D("60000.00")


WATERFALL_TERMS = {**EUROPEAN_TERMS, "label": "LPA of 2026-01-15"}


def test_a_waterfall_runs_on_the_history_as_of_its_date(ws_org: OrgBuilder) -> None:
    """Two twin funds; in the second the large LP pays more after the distribution date,
    recorded before the waterfall is drafted. Both waterfalls split to the same cents."""
    org = ws_org
    splits = []
    for late in (False, True):
        fund_id, lps, call_id = _fund_with_call(org)
        org.submit_wire("fund.terms.set", WATERFALL_TERMS, entity_id=fund_id)
        for lp_id, amount in zip(lps, ("100000.00", "200000.00", "150000.00"), strict=True):
            org.pay(call_id, lp_id, amount, paid_on="2026-03-20")
        if late:
            org.pay(call_id, lps[2], "150000.00", paid_on="2026-12-01")
        dist = org.distribution(fund_id, "500000.00", basis="waterfall", source="exit")
        rows = org.rows("distribution_allocations", distribution_id=dist)
        splits.append({lps.index(r["lp_id"]): (D(r["amount"]), D(r["carry"])) for r in rows})
    assert splits[0] == splits[1]
    assert sum(amount + carry for amount, carry in splits[0].values()) == D("500000.00")


def test_a_call_is_split_by_the_commitments_on_its_date(ws_org: OrgBuilder) -> None:
    """An LP admitted at a later close (commitment dated 2026-06-01) is not in a call dated
    2026-03-01, even when the call is drafted after the commitment was recorded."""
    org = ws_org
    fund_id, (first, second) = org.fund_with_lps("1000000.00", "3000000.00")
    late = org.lp("Late Close Partners")
    org.submit_wire(
        "commitment.create",
        {
            "fund_id": fund_id,
            "lp_id": late,
            "amount": "4000000.00",
            "currency": "USD",
            "committed_on": "2026-06-01",
        },
    )
    call_id = org.call(fund_id, "400000.00")
    called = {r["lp_id"]: D(r["amount"]) for r in org.rows("call_allocations", call_id=call_id)}
    assert called == {first: D("100000.00"), second: D("300000.00")}
    later = org.call(fund_id, "800000.00", call_date="2026-07-01", due_date="2026-07-31")
    called = {r["lp_id"]: D(r["amount"]) for r in org.rows("call_allocations", call_id=later)}
    assert called == {first: D("100000.00"), second: D("300000.00"), late: D("400000.00")}
