"""Fund terms, NAV marks, call overrides and waterfall distributions, as ops.

The scenario of the first test is Tentt's published "Waterfall Distribution Calculator"
default (trytentt.com/tools/waterfall-calculator): $50,000,000 contributed, 8 % preferred
return compounded over five 365-day years, 100 % GP catch-up, 80/20 carried interest,
$125,000,000 of proceeds. Tentt prints LP $110,000,000 and GP $15,000,000; the tier
figures to the cent are derived in tests/fund_math/test_waterfall_european.py. Here the
same numbers must come out of the ledger: a call, its payment, the fund's terms recorded
as an op, and a distribution drafted with basis "waterfall".
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from fixtures_org import EUROPEAN_TERMS, OrgBuilder

from core.ids import new_id

D = Decimal
TENTT_TERMS = {**EUROPEAN_TERMS, "label": "LPA of 2019-01-01"}


def _funded(org: OrgBuilder) -> tuple[str, str]:
    fund_id, (acme,) = org.fund_with_lps("50000000.00", committed_on="2018-12-01")
    call = org.submit_wire(
        "capital_call.create",
        {
            "fund_id": fund_id,
            "amount": "50000000.00",
            "currency": "USD",
            "basis": "commitment",
            "call_date": "2019-01-01",
            "due_date": "2019-01-01",
        },
    )
    org.issue(call)
    org.submit_wire(
        "capital_call.payment",
        {
            "payment_id": new_id(),
            "lp_id": acme,
            "amount": "50000000.00",
            "currency": "USD",
            "paid_on": "2019-01-01",
        },
        entity_id=call,
    )
    return fund_id, acme


def _waterfall(org: OrgBuilder, fund_id: str, amount: str, **extra: Any) -> str:
    return org.submit_wire(
        "distribution.create",
        {
            "fund_id": fund_id,
            "amount": amount,
            "currency": "USD",
            "basis": "waterfall",
            "distribution_date": "2023-12-31",
            "source": "exit",
            **extra,
        },
    )


def test_tentt_scenario_through_the_ledger(org: OrgBuilder) -> None:
    fund_id, acme = _funded(org)
    org.submit_wire("fund.terms.set", TENTT_TERMS, entity_id=fund_id)
    dist = _waterfall(org, fund_id, "125000000.00")

    row = org.row("distributions", distribution_id=dist)
    assert row is not None
    assert (row["terms_version"], D(row["carried_interest"])) == (1, D("15000000.00"))
    allocation = org.row("distribution_allocations", distribution_id=dist, lp_id=acme)
    assert allocation is not None
    assert D(allocation["amount"]) == D("110000000.00")
    assert D(allocation["carry"]) == D("15000000.00")
    tiers = {
        r["tier"]: D(r["amount"])
        for r in org.rows("distribution_allocation_tiers", distribution_id=dist)
    }
    assert tiers == {
        "return_of_capital": D("50000000.00"),
        "preferred_return": D("23466403.84"),
        "carried_interest": D("36533596.16"),
    }
    lines = [r["text"] for r in org.rows("distribution_explanations", distribution_id=dist)]
    assert lines[0].startswith("Distribution of $125,000,000.00 on 2023-12-31")
    assert any("$23,466,403.84" in line and "Acme" not in line for line in lines) or any(
        "$23,466,403.84" in line for line in lines
    )
    assert sum(tiers.values()) + D(allocation["carry"]) == D("125000000.00")


def test_terms_are_versioned_and_a_run_keeps_the_version_it_used(org: OrgBuilder) -> None:
    fund_id, _ = _funded(org)
    org.submit_wire("fund.terms.set", TENTT_TERMS, entity_id=fund_id)
    org.submit_wire(
        "fund.terms.set",
        {**TENTT_TERMS, "catch_up": None, "label": "Amendment 1"},
        entity_id=fund_id,
    )
    assert [r["version"] for r in org.rows("fund_terms", fund_id=fund_id)] == [1, 2]
    dist = _waterfall(org, fund_id, "125000000.00")
    row = org.row("distributions", distribution_id=dist)
    assert row is not None
    # Without a catch-up (a hard hurdle) the GP gets 20 % of what is left after capital and
    # pref: 20 % x (125,000,000.00 - 73,466,403.84) = 10,306,719.232, to the cent .23.
    assert row["terms_version"] == 2
    assert D(row["carried_interest"]) == D("10306719.23")


def test_a_zero_catch_up_is_accepted_and_runs_as_no_catch_up(org: OrgBuilder) -> None:
    """TENTT's fund amended twice: first "catch_up": null, then "0" — both a hard hurdle.
    Each splits 125,000,000.00 with the GP's 10,306,719.23 of the hard-hurdle case above."""
    carry = []
    for catch_up in (None, "0", "0.00"):
        fund_id, _ = _funded(org)
        org.submit_wire("fund.terms.set", {**TENTT_TERMS, "catch_up": catch_up}, entity_id=fund_id)
        (stored,) = org.rows("fund_terms", fund_id=fund_id)
        assert stored["catch_up"] is None
        row = org.row("distributions", distribution_id=_waterfall(org, fund_id, "125000000.00"))
        assert row is not None
        carry.append(D(row["carried_interest"]))
    assert carry == [D("10306719.23")] * 3


def test_terms_that_do_not_hold_together_are_refused_naming_the_rule(org: OrgBuilder) -> None:
    fund_id, _ = _funded(org)
    refused = org.refused("fund.terms.set", {**TENTT_TERMS, "catch_up": "0.10"}, entity_id=fund_id)
    assert (refused.code, refused.field) == ("invalid_payload", "payload")
    assert "the catch-up (10 %) must exceed" in refused.message
    assert org.rows("fund_terms", fund_id=fund_id) == []


def test_a_waterfall_needs_terms_one_draft_at_a_time_and_a_deal_when_american(
    org: OrgBuilder,
) -> None:
    fund_id, acme = _funded(org)
    no_terms = org.refused(
        "distribution.create",
        {
            "fund_id": fund_id,
            "amount": "1000.00",
            "currency": "USD",
            "basis": "waterfall",
            "distribution_date": "2023-12-31",
            "source": "income",
        },
    )
    assert (no_terms.code, no_terms.field) == ("invariant_violation", "payload.basis")
    org.submit_wire("fund.terms.set", TENTT_TERMS, entity_id=fund_id)
    first = _waterfall(org, fund_id, "1000.00")
    second = org.refused(
        "distribution.create",
        {
            "fund_id": fund_id,
            "amount": "1000.00",
            "currency": "USD",
            "basis": "waterfall",
            "distribution_date": "2023-12-31",
            "source": "income",
        },
    )
    assert second.code == "invariant_violation"
    assert "still a draft" in second.message
    excluded = org.refused(
        "distribution.create",
        {
            "fund_id": fund_id,
            "amount": "1000.00",
            "currency": "USD",
            "basis": "waterfall",
            "distribution_date": "2023-12-31",
            "source": "income",
            "excluded_lp_ids": [acme],
        },
    )
    assert excluded.field == "payload.excluded_lp_ids"
    org.issue(first)
    org.submit_wire("fund.terms.set", {**TENTT_TERMS, "style": "american"}, entity_id=fund_id)
    american = org.refused(
        "distribution.create",
        {
            "fund_id": fund_id,
            "amount": "1000.00",
            "currency": "USD",
            "basis": "waterfall",
            "distribution_date": "2023-12-31",
            "source": "income",
        },
    )
    assert (american.code, american.field) == ("invalid_payload", "payload.deal_id")


def test_an_issued_waterfall_counts_as_history_for_the_next(org: OrgBuilder) -> None:
    fund_id, acme = _funded(org)
    org.submit_wire("fund.terms.set", TENTT_TERMS, entity_id=fund_id)
    first = _waterfall(org, fund_id, "60000000.00")
    org.issue(first)
    second = _waterfall(org, fund_id, "65000000.00")
    got = [
        org.row("distribution_allocations", distribution_id=d, lp_id=acme) for d in (first, second)
    ]
    carries = [org.row("distributions", distribution_id=d) for d in (first, second)]
    assert all(g is not None for g in got)
    assert all(c is not None for c in carries)
    # Two distributions totalling the Tentt proceeds on the same date end where one would.
    assert sum(D(g["amount"]) for g in got if g) == D("110000000.00")
    assert sum(D(c["carried_interest"]) for c in carries if c) == D("15000000.00")


def test_overrides_fix_an_lps_amount_and_the_rest_goes_pro_rata(org: OrgBuilder) -> None:
    fund_id, (a, b, c) = org.fund_with_lps("1000000.00", "3000000.00", "6000000.00")
    call = org.call(fund_id, "1000000.00", overrides={a: "400000.00"})
    amounts = {r["lp_id"]: D(r["amount"]) for r in org.rows("call_allocations", call_id=call)}
    assert amounts == {a: D("400000.00"), b: D("200000.00"), c: D("400000.00")}
    assert sum(amounts.values()) == D("1000000.00")


@pytest.mark.parametrize(
    ("amount", "overrides", "extra", "code", "field_end"),
    [
        # A committed 1,000,000.00: a cent more is beyond its unfunded commitment.
        ("2000000.00", {"A": "1000000.01"}, {}, "invariant_violation", "payload.overrides.A"),
        (
            "1000000.00",
            {"A": "900000.00", "B": "200000.00"},
            {},
            "invariant_violation",
            "payload.overrides",
        ),
        (
            "1000000.00",
            {"A": "1.00"},
            {"excluded_lp_ids": ["A"]},
            "invalid_payload",
            "payload.overrides.A",
        ),
        ("1000000.00", {"Z": "1.00"}, {}, "not_found", "payload.overrides.Z"),
        ("1000000.00", {"A": "1.001"}, {}, "invalid_payload", "payload.overrides.A"),
    ],
)
def test_overrides_are_checked(
    org: OrgBuilder,
    amount: str,
    overrides: dict[str, str],
    extra: dict[str, Any],
    code: str,
    field_end: str,
) -> None:
    fund_id, (a, b) = org.fund_with_lps("1000000.00", "3000000.00")
    ids = {"A": a, "B": b, "Z": new_id()}
    mapped = {ids[k]: v for k, v in overrides.items()}
    payload = {
        "fund_id": fund_id,
        "amount": amount,
        "currency": "USD",
        "basis": "commitment",
        "call_date": "2026-03-01",
        "due_date": "2026-03-31",
        "overrides": mapped,
        **{k: [ids[x] for x in v] for k, v in extra.items()},
    }
    before = org.sink.state()
    refused = org.refused("capital_call.create", payload)
    field = field_end
    for name, real in ids.items():
        field = field.replace(f".{name}", f".{real}")
    assert (refused.code, refused.field) == (code, field)
    assert org.sink.state() == before


def test_a_nav_mark_per_date(org: OrgBuilder) -> None:
    fund_id, _ = org.fund_with_lps("1000000.00")
    mark = {"valuation_id": new_id(), "as_of": "2026-09-30", "nav": "1100000.00", "currency": "USD"}
    org.submit_wire("fund.nav.record", mark, entity_id=fund_id)
    again = org.refused("fund.nav.record", {**mark, "valuation_id": new_id()}, entity_id=fund_id)
    assert (again.code, again.field) == ("invariant_violation", "payload.as_of")
    euros = org.refused(
        "fund.nav.record",
        {**mark, "valuation_id": new_id(), "as_of": "2026-12-31", "currency": "EUR"},
        entity_id=fund_id,
    )
    assert euros.field == "payload.currency"
