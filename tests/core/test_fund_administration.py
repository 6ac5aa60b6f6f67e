"""A fund's life after set-up, as ops: LPA amendments that take effect on a day, the final
close, and commitments passing from one LP to another.

The waterfall figures are Tentt's published calculator default (see test_fund_terms.py):
$50,000,000 paid in on 2019-01-01, 8 % compounded pref, full catch-up, 80/20, $125,000,000
distributed on 2023-12-31: LP $110,000,000, GP $15,000,000.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from fixtures_org import EUROPEAN_TERMS, OrgBuilder

from core.ids import new_id, transferred_out_id
from core.positions import ledger_book

D = Decimal


def _funded(org: OrgBuilder) -> tuple[str, str]:
    fund_id, (acme,) = org.fund_with_lps("50000000.00", committed_on="2018-12-01")
    call = org.call(fund_id, "50000000.00", call_date="2019-01-01", due_date="2019-01-01")
    org.issue(call)
    org.pay(call, acme, "50000000.00", paid_on="2019-01-01")
    return fund_id, acme


def _waterfall(org: OrgBuilder, fund_id: str, on: str) -> str:
    return org.submit_wire(
        "distribution.create",
        {
            "fund_id": fund_id,
            "amount": "125000000.00",
            "currency": "USD",
            "basis": "waterfall",
            "distribution_date": on,
            "source": "exit",
            "split_rule": "as_of_date",
        },
    )


def test_a_distribution_runs_under_the_terms_in_force_on_its_date(org: OrgBuilder) -> None:
    fund_id, _ = _funded(org)
    org.submit_wire("fund.terms.set", EUROPEAN_TERMS, entity_id=fund_id)
    # An amendment raising the carry to 30 %, from 2024.
    amended = {**EUROPEAN_TERMS, "carried_interest": "0.30", "effective_date": "2024-01-01"}
    org.submit_wire("fund.terms.set", amended, entity_id=fund_id)

    before = _waterfall(org, fund_id, "2023-12-31")
    row = org.row("distributions", distribution_id=before)
    assert row is not None
    assert (row["terms_version"], D(row["carried_interest"])) == (1, D("15000000.00"))
    org.issue(before)

    after = _waterfall(org, fund_id, "2024-06-30")
    row = org.row("distributions", distribution_id=after)
    assert row is not None
    assert row["terms_version"] == 2
    assert org.row("fund_terms", fund_id=fund_id, version=2)["effective_date"] == "2024-01-01"  # type: ignore[index]


def test_a_waterfall_dated_before_any_terms_take_effect_is_refused_in_words(
    org: OrgBuilder,
) -> None:
    fund_id, _ = _funded(org)
    org.submit_wire(
        "fund.terms.set", {**EUROPEAN_TERMS, "effective_date": "2024-01-01"}, entity_id=fund_id
    )
    refused = org.refused(
        "distribution.create",
        {
            "fund_id": fund_id,
            "amount": "1000.00",
            "currency": "USD",
            "basis": "waterfall",
            "distribution_date": "2023-12-31",
            "source": "exit",
            "split_rule": "as_of_date",
        },
    )
    assert refused.message == (
        "the fund's LPA terms take effect on 2024-01-01, after this distribution's date "
        "2023-12-31: date it on or after, or record the terms in force before"
    )


def test_after_the_final_close_a_new_commitment_is_refused(org: OrgBuilder) -> None:
    fund_id, _ = org.fund_with_lps("1000000.00", committed_on="2026-01-15")
    org.submit_wire("fund.close", {"final_close_date": "2026-06-30"}, entity_id=fund_id)
    assert org.row("funds", fund_id=fund_id)["final_close_date"] == "2026-06-30"  # type: ignore[index]
    late = org.lp("Late Pension")
    refused = org.refused(
        "commitment.create",
        {
            "fund_id": fund_id,
            "lp_id": late,
            "amount": "500000.00",
            "currency": "USD",
            "committed_on": "2026-07-01",
        },
    )
    name = org.row("funds", fund_id=fund_id)["name"]  # type: ignore[index]
    assert refused.message == (
        f"{name} held its final close on 2026-06-30: a commitment dated after it comes only "
        "by transfer from an existing LP"
    )
    # Recorded late but dated before the close: still admitted.
    org.commit(fund_id, late, "500000.00", committed_on="2026-06-01")
    again = org.refused("fund.close", {"final_close_date": "2026-12-31"}, entity_id=fund_id)
    assert again.message == f"{name} already held its final close on 2026-06-30"


def test_a_final_close_before_an_existing_commitment_is_refused(org: OrgBuilder) -> None:
    fund_id, _ = org.fund_with_lps("1000000.00", committed_on="2026-03-01")
    refused = org.refused("fund.close", {"final_close_date": "2026-02-01"}, entity_id=fund_id)
    assert "has commitments dated after 2026-02-01 (the latest on 2026-03-01)" in refused.message


def _transfer(org: OrgBuilder, fund_id: str, source: str, target: str, amount: str, on: str) -> str:
    return org.submit_wire(
        "commitment.transfer",
        {
            "fund_id": fund_id,
            "from_lp_id": source,
            "to_lp_id": target,
            "amount": amount,
            "currency": "USD",
            "effective_date": on,
        },
    )


def test_a_transfer_moves_unfunded_commitment_and_later_calls_follow_it(
    org: OrgBuilder,
) -> None:
    fund_id, (acme, birch) = org.fund_with_lps("6000000.00", "4000000.00")
    call = org.call(fund_id, "1000000.00")  # Acme 600,000, Birch 400,000 on 2026-03-01
    org.issue(call)
    cedar = org.lp("Cedar Family Office")
    transfer = _transfer(org, fund_id, acme, cedar, "2000000.00", "2026-04-01")

    out = org.row("commitments", commitment_id=transferred_out_id(transfer))
    assert out is not None
    assert (out["lp_id"], D(out["amount"])) == (acme, D("-2000000.00"))
    book = ledger_book(org.sink.store, fund_id).as_of(None, with_nav=False)
    assert book.of(acme).commitment == D("4000000.00")
    assert book.of(acme).called == D("600000.00")  # what it was called stays its own
    assert book.of(cedar).commitment == D("2000000.00")
    assert book.total("commitment") == D("10000000.00")  # nothing created or lost

    # A call dated before the transfer still sees the old commitments.
    early = org.call(fund_id, "1000000.00", call_date="2026-03-15", due_date="2026-04-15")
    assert D(org.row("call_allocations", call_id=early, lp_id=acme)["amount"]) == D("600000.00")  # type: ignore[index]
    assert org.row("call_allocations", call_id=early, lp_id=cedar) is None
    # One dated after splits 4 : 4 : 2.
    later = org.call(fund_id, "1000000.00", call_date="2026-05-01", due_date="2026-05-31")
    shares = {
        lp: D(org.row("call_allocations", call_id=later, lp_id=lp)["amount"])  # type: ignore[index]
        for lp in (acme, birch, cedar)
    }
    assert shares == {acme: D("400000.00"), birch: D("400000.00"), cedar: D("200000.00")}


def test_a_transfer_beyond_the_unfunded_commitment_is_refused_in_words(
    org: OrgBuilder,
) -> None:
    fund_id, (acme, _) = org.fund_with_lps("1000000.00", "1000000.00")
    org.submit_wire("lp.update", {"name": "Acme Pension"}, entity_id=acme)
    call = org.call(fund_id, "1600000.00")  # 800,000 each
    org.issue(call)
    cedar = org.lp("Cedar Family Office")
    refused = org.refused(
        "commitment.transfer",
        {
            "fund_id": fund_id,
            "from_lp_id": acme,
            "to_lp_id": cedar,
            "amount": "250000.00",
            "currency": "USD",
            "effective_date": "2026-04-01",
        },
    )
    fund = org.row("funds", fund_id=fund_id)["name"]  # type: ignore[index]
    assert refused.message == (
        f"Acme Pension has $200,000.00 of unfunded commitment to {fund} left to transfer; "
        "$250,000.00 exceeds it by $50,000.00 (only unfunded commitment moves; issued and "
        "draft calls count)"
    )
    assert refused.field == "payload.amount"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"to_lp_id": "SAME"}, "a transfer passes a commitment to another LP, not to the same one"),
        ({"amount": "0.00"}, "a transfer moves a positive amount"),
        ({"effective_date": "2025-01-01"}, "takes effect on or after that day"),
        ({"to_lp_id": "UNKNOWN"}, "no lp "),
    ],
)
def test_a_malformed_transfer_changes_nothing(
    org: OrgBuilder, change: dict[str, str], message: str
) -> None:
    fund_id, (acme,) = org.fund_with_lps("1000000.00")
    target = org.lp()
    payload = {
        "fund_id": fund_id,
        "from_lp_id": acme,
        "to_lp_id": target,
        "amount": "100.00",
        "currency": "USD",
        "effective_date": "2026-04-01",
        **change,
    }
    if payload["to_lp_id"] == "SAME":
        payload["to_lp_id"] = acme
    if payload["to_lp_id"] == "UNKNOWN":
        payload["to_lp_id"] = new_id()
    refused = org.refused("commitment.transfer", payload)
    assert message in refused.message
