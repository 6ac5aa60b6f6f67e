"""Ledger invariants: calls never exceed commitments, payments never exceed calls.

Harbor Point Fund I (USD): the State Pension commits 1,000,000.00 and the Okafor Family
Office 3,000,000.00. The GP drafts calls pro rata to commitments or to what is still
unfunded, issues them, records payments, and distributes income on paid-in capital.
Then the same refusals on a real SQLite workspace: nothing but a "refused" audit entry.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from fixtures_org import OrgBuilder
from sinks import db_counts

from core.commands.workspace import Workspace
from core.errors import OpRejected
from core.ids import new_id


@pytest.fixture
def fund(org: OrgBuilder) -> tuple[str, str, str]:
    fund_id, (pension, family) = org.fund_with_lps("1000000.00", "3000000.00")
    return fund_id, pension, family


def _called(org: OrgBuilder, call_id: str) -> dict[str, Decimal]:
    return {r["lp_id"]: Decimal(r["amount"]) for r in org.rows("call_allocations", call_id=call_id)}


def test_a_call_on_commitments_splits_pro_rata(org: OrgBuilder, fund: tuple[str, ...]) -> None:
    fund_id, pension, family = fund
    call_id = org.call(fund_id, "1000000.01")
    assert _called(org, call_id) == {pension: Decimal("250000.00"), family: Decimal("750000.01")}


def test_a_call_never_exceeds_an_lps_commitment(org: OrgBuilder, fund: tuple[str, ...]) -> None:
    fund_id, pension, family = fund
    # The pension alone is called in full (the family office is excluded)...
    first = org.call(fund_id, "1000000.00", basis="unfunded", excluded_lp_ids=[family])
    assert _called(org, first) == {pension: Decimal("1000000.00")}
    org.issue(first)
    # ...so any call on commitments would call it beyond its commitment.
    over = org.refused(
        "capital_call.create",
        {
            "fund_id": fund_id,
            "amount": "400000.00",
            "currency": "USD",
            "basis": "commitment",
            "call_date": "2026-04-01",
            "due_date": "2026-04-30",
        },
    )
    assert (over.code, over.field) == ("invariant_violation", "payload.amount")
    assert over.details == {
        "lp_id": pension,
        "allocation": "100000.00",
        "available_to_call": "0.00",
    }
    # On unfunded commitments the pension weighs nothing and the family office takes it all.
    second = org.call(fund_id, "400000.00", basis="unfunded")
    assert _called(org, second) == {family: Decimal("400000.00")}


def test_two_drafts_together_cannot_call_beyond_commitments(
    org: OrgBuilder, fund: tuple[str, ...]
) -> None:
    fund_id, pension, family = fund
    org.call(fund_id, "3000000.00")  # a draft: it reserves 750k and 2.25M already
    payload: dict[str, Any] = {
        "fund_id": fund_id,
        "currency": "USD",
        "call_date": "2026-04-01",
        "due_date": "2026-04-30",
    }
    for basis in ("commitment", "unfunded"):
        refusal = org.refused(
            "capital_call.create", {**payload, "amount": "1000000.04", "basis": basis}
        )
        assert (refusal.code, refusal.field) == ("invariant_violation", "payload.amount")
    rest = org.call(fund_id, "1000000.00", basis="unfunded")
    assert _called(org, rest) == {pension: Decimal("250000.00"), family: Decimal("750000.00")}
    nothing_left = org.refused(
        "capital_call.create", {**payload, "amount": "0.01", "basis": "unfunded"}
    )
    assert (nothing_left.code, nothing_left.field) == ("invariant_violation", "payload.amount")


def test_payments_never_exceed_what_was_called(org: OrgBuilder, fund: tuple[str, ...]) -> None:
    fund_id, pension, _family = fund
    call_id = org.call(fund_id, "400000.00")
    org.issue(call_id)
    org.pay(call_id, pension, "60000.00")
    over = org.refused(
        "capital_call.payment",
        {
            "payment_id": new_id(),
            "lp_id": pension,
            "amount": "40000.01",
            "currency": "USD",
            "paid_on": "2026-03-21",
        },
        entity_id=call_id,
    )
    assert (over.code, over.field) == ("invariant_violation", "payload.amount")
    assert over.details == {"called": "100000.00", "paid": "60000.00"}
    org.pay(call_id, pension, "40000.00")
    allocation = org.row("call_allocations", call_id=call_id, lp_id=pension)
    assert Decimal(allocation["paid"]) == Decimal(allocation["amount"]) == Decimal("100000.00")
    assert sum(Decimal(p["amount"]) for p in org.rows("payments", call_id=call_id)) == Decimal(
        "100000.00"
    )


def test_payment_rules(org: OrgBuilder, fund: tuple[str, ...]) -> None:
    fund_id, pension, _family = fund
    outsider = org.lp("Never Committed")
    call_id = org.call(fund_id, "400000.00")
    payment = {
        "payment_id": new_id(),
        "lp_id": pension,
        "amount": "1.00",
        "currency": "USD",
        "paid_on": "2026-03-20",
    }
    draft = org.refused("capital_call.payment", payment, entity_id=call_id)
    assert (draft.code, draft.field) == ("lifecycle_gate", "entity_id")
    org.issue(call_id)
    for change, code, field in [
        ({"lp_id": outsider}, "not_found", "payload.lp_id"),
        ({"currency": "EUR"}, "invariant_violation", "payload.currency"),
        ({"amount": "0.00"}, "invalid_payload", "payload.amount"),
        ({"amount": "1.001"}, "invalid_payload", "payload.amount"),
        ({"paid_on": "20-03-2026"}, "invalid_payload", "payload.paid_on"),
    ]:
        refusal = org.refused("capital_call.payment", {**payment, **change}, entity_id=call_id)
        assert (refusal.code, refusal.field) == (code, field), change
    org.submit_wire("capital_call.payment", payment, entity_id=call_id)
    twice = org.refused("capital_call.payment", payment, entity_id=call_id)
    assert (twice.code, twice.field) == ("invariant_violation", "payload.payment_id")


def test_a_call_or_distribution_is_issued_once(org: OrgBuilder) -> None:
    fund_id, _ = org.paid_in_fund("1000000.00")
    for draft in (org.call(fund_id, "1000.00"), org.distribution(fund_id, "500.00")):
        org.issue(draft)
        kind = (
            "capital_call.issue"
            if org.row("capital_calls", call_id=draft)
            else "distribution.issue"
        )
        again = org.refused(kind, {}, entity_id=draft)
        assert (again.code, again.field) == ("lifecycle_gate", "entity_id")


def test_a_distribution_needs_paid_in_capital(org: OrgBuilder, fund: tuple[str, ...]) -> None:
    fund_id, pension, family = fund
    payload = {
        "fund_id": fund_id,
        "amount": "50000.00",
        "currency": "USD",
        "basis": "paid_in",
        "distribution_date": "2026-09-30",
        "source": "income",
    }
    none_called = org.refused("distribution.create", payload)
    assert (none_called.code, none_called.field) == ("invariant_violation", "payload.amount")
    call_id = org.call(fund_id, "400000.00")
    org.issue(call_id)
    unpaid = org.refused("distribution.create", payload)
    assert (unpaid.code, unpaid.field) == ("invariant_violation", "payload.amount")
    org.pay(call_id, family, "100000.00")  # only the family office has paid in so far
    dist_id = org.submit_wire("distribution.create", payload)
    shares = {
        r["lp_id"]: Decimal(r["amount"])
        for r in org.rows("distribution_allocations", distribution_id=dist_id)
    }
    assert shares == {family: Decimal("50000.00")}
    on_commitments = org.distribution(fund_id, "10000.01", basis="commitment")
    shares = {
        r["lp_id"]: Decimal(r["amount"])
        for r in org.rows("distribution_allocations", distribution_id=on_commitments)
    }
    assert shares == {pension: Decimal("2500.00"), family: Decimal("7500.01")}


def test_money_is_in_the_funds_currency_and_lps_are_its_own(
    org: OrgBuilder, fund: tuple[str, ...]
) -> None:
    fund_id, pension, _ = fund
    stranger = org.lp("Not in this fund")
    base = {
        "fund_id": fund_id,
        "amount": "1000.00",
        "currency": "USD",
        "basis": "commitment",
        "call_date": "2026-03-01",
        "due_date": "2026-03-31",
    }
    for change, code, field in [
        ({"currency": "EUR"}, "invariant_violation", "payload.currency"),
        ({"excluded_lp_ids": [stranger]}, "not_found", "payload.excluded_lp_ids.0"),
        ({"deal_id": new_id()}, "not_found", "payload.deal_id"),
        ({"deal_id": org.deal(fund_id=org.fund())}, "invariant_violation", "payload.deal_id"),
    ]:
        refusal = org.refused("capital_call.create", {**base, **change})
        assert (refusal.code, refusal.field) == (code, field), change
    commitment = {
        "fund_id": fund_id,
        "lp_id": pension,
        "amount": "5.00",
        "currency": "USD",
        "committed_on": "2026-02-01",
    }
    twice = org.refused("commitment.create", commitment)
    assert (twice.code, twice.field) == ("invariant_violation", "payload.lp_id")
    euro = org.refused("commitment.create", {**commitment, "lp_id": stranger, "currency": "EUR"})
    assert (euro.code, euro.field) == ("invariant_violation", "payload.currency")


# -- the same refusals through the real SQLite workspace --------------------------------


def _ws_refused(ws: Workspace, kind: str, **kw: Any) -> OpRejected:
    """Submit as the workspace's own user; nothing but one 'refused' audit entry appears."""
    digest, counts = ws.digest(), db_counts(ws)
    with pytest.raises(OpRejected) as info:
        ws.submit_wire(kind, **kw)
    after = db_counts(ws)
    assert ws.digest() == digest
    assert (after["op_log"], after["outbox"]) == (counts["op_log"], counts["outbox"])
    assert after["audit_log"] == counts["audit_log"] + 1
    with ws.store.transaction() as conn:
        last = conn.exec_driver_sql(
            "SELECT event, code, kind FROM audit_log ORDER BY seq DESC LIMIT 1"
        ).one()
    assert tuple(last) == ("op.refused", info.value.code, kind)
    return info.value


def test_refusals_on_sqlite_change_nothing_but_the_audit_log(workspace: Workspace) -> None:
    ws = workspace
    fund_id, pension = new_id(), new_id()
    ws.submit_wire("fund.create", entity_id=fund_id, payload={"name": "Fund I", "currency": "USD"})
    ws.submit_wire("lp.create", entity_id=pension, payload={"name": "Pension", "lp_type": "gp"})
    commitment = {
        "fund_id": fund_id,
        "lp_id": pension,
        "amount": "1000000.00",
        "currency": "USD",
        "committed_on": "2026-01-15",
    }
    ws.submit_wire("commitment.create", entity_id=new_id(), payload=commitment)
    call_id = new_id()
    call = {
        "fund_id": fund_id,
        "amount": "250000.00",
        "currency": "USD",
        "basis": "commitment",
        "call_date": "2026-03-01",
        "due_date": "2026-03-31",
    }
    ws.submit_wire("capital_call.create", entity_id=call_id, payload=call)
    payment = {
        "payment_id": new_id(),
        "lp_id": pension,
        "amount": "1.00",
        "currency": "USD",
        "paid_on": "2026-03-20",
    }
    cases: list[tuple[str, dict[str, Any], str, str | None]] = [
        (
            "capital_call.create",
            {"payload": {**call, "amount": 250000}},
            "invalid_payload",
            "payload.amount",
        ),
        (
            "capital_call.create",
            {"payload": {**call, "amount": "750000.01"}},
            "invariant_violation",
            "payload.amount",
        ),
        (
            "capital_call.create",
            {"payload": {**call, "bonus": "1"}},
            "unknown_field",
            "payload.bonus",
        ),
        (
            "capital_call.payment",
            {"entity_id": call_id, "base_version": 1, "payload": payment},
            "lifecycle_gate",
            "entity_id",
        ),
        (
            "capital_call.issue",
            {"entity_id": call_id, "base_version": 0, "payload": {}},
            "version_conflict",
            "base_version",
        ),
        (
            "fund.create",
            {"payload": {"name": "F", "currency": "USD"}, "base_version": 0},
            "invalid_payload",
            "base_version",
        ),
        (
            "deal.update",
            {"entity_id": fund_id, "base_version": 1, "payload": {"name": "x"}},
            "not_found",
            "entity_id",
        ),
        (
            "role.revoke",
            {"entity_id": ws.user_id, "base_version": 1, "payload": {"role": "admin"}},
            "invariant_violation",
            "payload.role",
        ),
    ]
    for kind, kw, code, field in cases:
        refusal = _ws_refused(ws, kind, **{"entity_id": new_id(), **kw})
        assert (refusal.code, refusal.field) == (code, field), kind
    conflict = _ws_refused(ws, "capital_call.issue", entity_id=call_id, base_version=2, payload={})
    assert conflict.details == {"current_version": 1}
    ws.submit_wire("capital_call.issue", entity_id=call_id, base_version=1, payload={})
    assert ws.verify_audit().ok
