"""Reducers: every kind applies, and every way an op is refused names its code and field.

Harbor Point Capital (USD) and, for tenancy, Bayside Partners, a second organization whose
ids must be invisible from Harbor Point. Every refusal leaves the store exactly as it was.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from fixtures_org import OrgBuilder, document_payload
from situations import SITUATIONS

from core.errors import OpRejected
from core.ids import new_id
from core.ops.envelope import UnsignedOp, parse_envelope
from core.ops.kinds import KINDS
from core.ops.signing import DeviceKey
from core.reducers.apply import apply_op

CHECKED = sorted(k for k, s in KINDS.items() if s.concurrency == "checked")
MERGED = sorted(k for k, s in KINDS.items() if s.concurrency == "merge")
CREATES = sorted(k for k, s in KINDS.items() if s.concurrency == "create" and k != "org.create")
CASE_OF = {
    "deal.transition": "deal.transition:decide",
    "approval.record": "approval.record:ic_vote",
}


def _situation(org: OrgBuilder, kind: str) -> tuple[str | None, dict[str, Any]]:
    _, entity_id, payload = SITUATIONS[CASE_OF.get(kind, kind)](org, org.founder)
    return entity_id, payload


def test_the_kind_catalogue_splits_as_designed() -> None:
    assert CHECKED == [
        "capital_call.approve",
        "capital_call.delete",
        "capital_call.issue",
        "capital_call.payment",
        "capital_call.revise",
        "deal.transition",
        "device.revoke",
        "distribution.approve",
        "distribution.delete",
        "distribution.issue",
        "distribution.revise",
        "entitlement.revoke",
        "fund.close",
        "fund.four_eyes.set",
        "fund.nav.record",
        "fund.terms.set",
        "role.grant",
        "role.revoke",
    ]
    assert MERGED == ["approval.record", "deal.update", "fund.update", "lp.update"]


def test_every_kind_applies_and_bumps_its_entity(org: OrgBuilder) -> None:
    for case, situation in SITUATIONS.items():
        lawyer = org.user("counsel") if case.endswith("legal_signoff") else org.founder
        kind, entity_id, payload = situation(org, lawyer)
        before = org.version(entity_id) if entity_id else 0
        new = org.submit_wire(kind, payload, by=lawyer, entity_id=entity_id)
        assert org.version(new) == (before or 0) + 1, case


def test_a_fund_in_ops_ends_with_these_rows(org: OrgBuilder) -> None:
    """Fund I: a pension commits 6M and a family office 4M; 1M is called and paid."""
    fund_id = org.fund()
    pension, family = org.lp("State Pension"), org.lp("Okafor Family Office")
    org.commit(fund_id, pension, "6000000.00")
    org.commit(fund_id, family, "4000000.00")
    call_id = org.call(fund_id, "1000000.00")
    org.issue(call_id)
    org.pay(call_id, pension, "600000.00")
    org.pay(call_id, family, "150000.00")
    org.pay(call_id, family, "250000.00")
    dist_id = org.distribution(fund_id, "33333.33")
    org.issue(dist_id)
    call = org.row("capital_calls", call_id=call_id)
    assert (call["status"], Decimal(call["amount"])) == ("issued", Decimal("1000000.00"))
    owed = {
        r["lp_id"]: (Decimal(r["amount"]), Decimal(r["paid"]))
        for r in org.rows("call_allocations", call_id=call_id)
    }
    assert owed == {
        pension: (Decimal("600000.00"), Decimal("600000.00")),
        family: (Decimal("400000.00"), Decimal("400000.00")),
    }
    shares = {
        r["lp_id"]: Decimal(r["amount"])
        for r in org.rows("distribution_allocations", distribution_id=dist_id)
    }
    assert shares == {pension: Decimal("20000.00"), family: Decimal("13333.33")}
    assert org.version(call_id) == 5


# -- concurrency -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", CHECKED)
def test_checked_kinds_refuse_a_stale_or_future_base_version(org: OrgBuilder, kind: str) -> None:
    entity_id, payload = _situation(org, kind)
    assert entity_id is not None
    current = org.version(entity_id)
    assert current is not None
    for base in (current - 1, current + 1):
        refusal = org.refused(kind, payload, entity_id=entity_id, base_version=base)
        assert (refusal.code, refusal.field) == ("version_conflict", "base_version")
        assert refusal.details == {"current_version": current}
    org.submit_wire(kind, payload, entity_id=entity_id, base_version=current)
    assert org.version(entity_id) == current + 1


@pytest.mark.parametrize("kind", MERGED)
def test_merge_kinds_apply_on_a_stale_base_but_refuse_a_future_one(
    org: OrgBuilder, kind: str
) -> None:
    entity_id, payload = _situation(org, kind)
    assert entity_id is not None
    bump = kind if kind in ("lp.update", "fund.update") else "deal.update"
    org.submit_wire(bump, {"name": "Renamed while offline"}, entity_id=entity_id)
    current = org.version(entity_id)
    assert current is not None
    assert current >= 2
    future = org.refused(kind, payload, entity_id=entity_id, base_version=current + 1)
    assert (future.code, future.details) == ("version_conflict", {"current_version": current})
    org.submit_wire(kind, payload, entity_id=entity_id, base_version=1)
    assert org.version(entity_id) == current + 1


@pytest.mark.parametrize("kind", CREATES)
def test_a_create_carries_a_null_base_version_and_a_fresh_id(org: OrgBuilder, kind: str) -> None:
    _, payload = _situation(org, kind)
    with_base = org.refused(kind, payload, base_version=0)
    assert (with_base.code, with_base.field) == ("invalid_payload", "base_version")
    for taken in (org.org_id, org.founder.user_id, org.founder.device_id, org.deal()):
        reused = org.refused(kind, payload, entity_id=taken)
        assert (reused.code, reused.field) == ("invariant_violation", "entity_id")


@pytest.mark.parametrize("kind", CHECKED + MERGED)
def test_a_change_needs_a_base_version_and_an_entity_of_its_type(
    org: OrgBuilder, kind: str
) -> None:
    entity_id, payload = _situation(org, kind)
    missing = org.refused(kind, payload, entity_id=entity_id, base_version=None)
    assert (missing.code, missing.field) == ("invalid_payload", "base_version")
    for wrong in (new_id(), org.fund() if KINDS[kind].entity_type != "fund" else org.lp()):
        refusal = org.refused(kind, payload, entity_id=wrong, base_version=1)
        assert (refusal.code, refusal.field) == ("not_found", "entity_id")


# -- tenancy ---------------------------------------------------------------------------


def test_an_op_for_another_organization_is_refused(org: OrgBuilder) -> None:
    bayside = OrgBuilder.in_memory()
    refusal = org.refused(
        "fund.create", {"name": "Smuggled", "currency": "USD"}, org_id=bayside.org_id
    )
    assert (refusal.code, refusal.field) == ("org_mismatch", "org_id")
    outsider = bayside.user("gp")
    stranger = org.refused("fund.create", {"name": "Smuggled", "currency": "USD"}, by=outsider)
    assert (stranger.code, stranger.field) == ("not_found", "device_id")


def test_another_organizations_ids_are_not_found_never_forbidden(org: OrgBuilder) -> None:
    bayside = OrgBuilder.in_memory()
    their_fund, (their_lp,) = bayside.fund_with_lps("1000000.00")
    their_deal, their_user = bayside.deal(), bayside.user("counsel")
    our_fund, our_lp = org.fund(), org.lp()
    lawyer = org.user("counsel")
    cases: list[tuple[str, dict[str, Any], str | None, str]] = [
        ("deal.update", {"name": "Mine now"}, their_deal, "entity_id"),
        ("capital_call.issue", {}, bayside.call(their_fund, "1000.00"), "entity_id"),
        ("role.grant", {"role": "gp"}, their_user.user_id, "entity_id"),
        ("device.revoke", {}, their_user.device_id, "entity_id"),
        (
            "commitment.create",
            {
                "fund_id": their_fund,
                "lp_id": our_lp,
                "amount": "1.00",
                "currency": "USD",
                "committed_on": "2026-01-01",
            },
            None,
            "payload.fund_id",
        ),
        (
            "commitment.create",
            {
                "fund_id": our_fund,
                "lp_id": their_lp,
                "amount": "1.00",
                "currency": "USD",
                "committed_on": "2026-01-01",
            },
            None,
            "payload.lp_id",
        ),
        ("document.add", document_payload(their_deal), None, "payload.deal_id"),
        (
            "entitlement.grant",
            {"user_id": lawyer.user_id, "scope_type": "deal", "scope_id": their_deal},
            None,
            "payload.scope_id",
        ),
        (
            "entitlement.grant",
            {"user_id": their_user.user_id, "scope_type": "deal", "scope_id": org.deal()},
            None,
            "payload.user_id",
        ),
        (
            "device.enroll",
            {
                "user_id": their_user.user_id,
                "name": "x",
                "public_key": DeviceKey.generate().public_key,
            },
            None,
            "payload.user_id",
        ),
    ]
    for kind, payload, entity_id, field in cases:
        refusal = org.refused(
            kind, payload, entity_id=entity_id, base_version=None if entity_id is None else 1
        )
        assert (refusal.code, refusal.field) == ("not_found", field), kind


# -- the envelope and its payload ------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "payload", "field"),
    [
        ("fund.create", {"name": "F", "currency": "USD", "carry": "20"}, "payload.carry"),
        ("lp.create", {"name": "L", "lp_type": "individual", "org_id": new_id()}, "payload.org_id"),
        (
            "user.invite",
            {"email": "a@b.co", "display_name": "A", "roles": ["gp"], "is_admin": True},
            "payload.is_admin",
        ),
        (
            "deal.create",
            {
                "name": "D",
                "currency": "USD",
                "fields": {"city": {"value": "Austin", "verified": True}},
            },
            "payload.fields.city.verified",
        ),
    ],
)
def test_an_unknown_payload_field_is_refused_by_name(
    org: OrgBuilder, kind: str, payload: dict[str, Any], field: str
) -> None:
    refusal = org.refused(kind, payload)
    assert (refusal.code, refusal.field) == ("unknown_field", field)


def test_an_unknown_envelope_field_is_refused_by_name(org: OrgBuilder) -> None:
    wire = org.envelope("fund.create", {"name": "F", "currency": "USD"}).wire()
    assert parse_envelope(wire).wire() == wire
    for extra in ("role", "server_seq", "Signature"):
        with pytest.raises(OpRejected) as info:
            parse_envelope({**wire, extra: "gp"})
        assert (info.value.code, info.value.field) == ("unknown_field", extra)
    with pytest.raises(OpRejected) as info:
        parse_envelope({**wire, "device_seq": "7"})
    assert (info.value.code, info.value.field) == ("invalid_payload", "device_seq")


def test_an_unknown_kind_is_refused(org: OrgBuilder) -> None:
    refusal = org.refused("fund.delete", {}, entity_id=org.fund(), base_version=1)
    assert (refusal.code, refusal.field) == ("unknown_kind", "kind")


def test_an_unsigned_or_tampered_op_is_refused(org: OrgBuilder) -> None:
    envelope = org.envelope("fund.create", {"name": "Fund I", "currency": "USD"})
    before = org.sink.state()
    unsigned = UnsignedOp.model_validate(envelope.unsigned().model_dump())
    tampered = envelope.model_copy(update={"payload": {"name": "Fund I", "currency": "EUR"}})
    for op in (unsigned, tampered):
        with pytest.raises(OpRejected) as info:
            apply_op(org.sink.store, op)  # type: ignore[union-attr]
        assert (info.value.code, info.value.field) == ("invalid_signature", "signature")
    assert org.sink.state() == before


CALL = {
    "amount": "100000.00",
    "currency": "USD",
    "basis": "commitment",
    "call_date": "2026-03-01",
    "due_date": "2026-03-31",
}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": 100.0}, "payload.amount"),
        ({"amount": 100}, "payload.amount"),
        ({"amount": "1e5"}, "payload.amount"),
        ({"amount": "100000.001"}, "payload.amount"),
        ({"amount": "-100.00"}, "payload.amount"),
        ({"amount": "0.00"}, "payload.amount"),
        ({"amount": " 100.00"}, "payload.amount"),
        ({"currency": "usd"}, "payload.currency"),
        ({"basis": "nav"}, "payload.basis"),
        ({"call_date": "2026-02-30"}, "payload.call_date"),
        ({"call_date": "2026-3-1"}, "payload.call_date"),
        ({"due_date": "2026-02-28"}, "payload.due_date"),
        ({"fund_id": "FUND-1"}, "payload.fund_id"),
        ({"excluded_lp_ids": ["x"]}, "payload.excluded_lp_ids.0"),
    ],
)
def test_a_malformed_capital_call_is_refused_naming_the_field(
    org: OrgBuilder, change: dict[str, Any], field: str
) -> None:
    fund_id, _ = org.fund_with_lps("1000000.00")
    refusal = org.refused("capital_call.create", {"fund_id": fund_id, **CALL, **change})
    assert (refusal.code, refusal.field) == ("invalid_payload", field)


def test_yen_amounts_have_no_decimals(org: OrgBuilder) -> None:
    fund_id, _ = org.fund_with_lps("900000000", currency="JPY")
    refusal = org.refused(
        "capital_call.create", {"fund_id": fund_id, **CALL, "currency": "JPY", "amount": "1000.5"}
    )
    assert (refusal.code, refusal.field) == ("invalid_payload", "payload.amount")
    org.submit_wire(
        "capital_call.create", {"fund_id": fund_id, **CALL, "currency": "JPY", "amount": "1000"}
    )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"asking_price": {"value": "12500000.001"}}, "payload.fields.asking_price"),
        ({"asking_price": {"value": "-1.00"}}, "payload.fields"),
        ({"cap_rate": {"value": "101"}}, "payload.fields"),
        ({"owner_id": {"value": new_id()}}, "payload.fields.owner_id"),
        (
            {
                "city": {
                    "value": "Austin",
                    "provenance": "extracted",
                    "source_document_id": new_id(),
                }
            },
            "payload.fields.city.source_document_id",
        ),
        ({"penthouse": {"value": "yes"}}, "payload.fields"),
    ],
)
def test_a_deal_with_a_bad_field_is_refused_and_nothing_is_half_written(
    org: OrgBuilder, fields: dict[str, Any], field: str
) -> None:
    refusal = org.refused(
        "deal.create",
        {
            "name": "Riverside",
            "currency": "USD",
            "fields": {"sponsor": {"value": "Acme"}, **fields},
        },
    )
    assert refusal.field == field
    deal_id = org.deal()
    update = org.refused(
        "deal.update",
        {"name": "Riverside II", "fields": {"sponsor": {"value": "Acme"}, **fields}},
        entity_id=deal_id,
    )
    assert update.field == field
