"""The one rule of what external readers see (core.redaction), over an organization in
memory: Harbor Point's Fund with three LPs; LP A's user, counsel on one deal, and staff.
The server test suite checks the same rule end to end over HTTP."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fixtures_org import EUROPEAN_TERMS, OrgBuilder, document_payload

from core.domain.roles import Role
from core.errors import OpRejected
from core.ops.envelope import RedactedEnvelope, parse_envelope, parse_redacted
from core.ops.kinds import KINDS
from core.ops.signing import DeviceKey
from core.redaction import Viewer, entitlements_of, redact, sign_redacted, verify_redacted


def _view(org: OrgBuilder, user_id: str, roles: tuple[str, ...]) -> list[dict[str, Any]]:
    store = org.sink.store  # type: ignore[union-attr]
    viewer = Viewer(user_id, frozenset(Role(r) for r in roles))
    ents = entitlements_of(store, user_id)
    shown = [redact(store, viewer, ents, op.wire()) for op in org.accepted]
    return [s for s in shown if s is not None]


def test_an_lp_sees_its_own_allocation_and_nothing_of_the_other_lps(org: OrgBuilder) -> None:
    fund, (a, b, c) = org.fund_with_lps("1000000.00", "3000000.00", "6000000.00")
    call = org.call(fund, "2000000.00")
    org.issue(call)
    org.pay(call, a, "200000.00")
    org.pay(call, b, "600000.00")
    skipped = org.call(fund, "50000.00", excluded_lp_ids=[a])
    lp_user = org.user("lp")
    org.entitle(lp_user, "lp", a)
    seen = _view(org, lp_user.user_id, ("lp",))
    text = json.dumps(seen)
    for secret in (b, c, "3000000.00", "6000000.00", "600000.00", "1200000.00", "2000000.00"):
        assert secret not in text
    assert skipped not in text
    kinds = [s["kind"] for s in seen]
    assert kinds == [
        "org.create", "fund.create", "lp.create", "commitment.create", "capital_call.create",
        "capital_call.issue", "capital_call.payment", "user.invite", "entitlement.grant",
    ]  # fmt: skip
    assert seen[4]["payload"] == {}  # a draft's creation: the bare fact
    assert seen[5]["payload"]["allocations"] == {a: "200000.00"}
    assert all("signature" not in s for s in seen)


def test_counsel_sees_its_deals_documents_and_approvals_only(org: OrgBuilder) -> None:
    fund = org.fund()
    mine = org.deal(fund_id=fund)
    other = org.deal()
    org.submit_wire("document.add", document_payload(mine))
    org.submit_wire("document.add", document_payload(other))
    counsel = org.user("counsel")
    org.entitle(counsel, "fund", fund)
    seen = _view(org, counsel.user_id, ("counsel",))
    assert [s["kind"] for s in seen] == ["fund.create", "deal.create", "document.add"]
    assert other not in json.dumps(seen)


def test_staff_see_every_op_unchanged(org: OrgBuilder) -> None:
    org.fund_with_lps("1000000.00")
    seen = _view(org, org.founder.user_id, ("gp", "admin"))
    assert seen == [op.wire() for op in org.accepted]


def test_a_user_without_roles_sees_nothing(org: OrgBuilder) -> None:
    org.fund_with_lps("1000000.00")
    assert _view(org, org.founder.user_id, ()) == []


def test_redacted_ops_verify_with_the_server_key_only(org: OrgBuilder) -> None:
    _fund, (a,) = org.fund_with_lps("1000000.00")
    lp_user = org.user("lp")
    org.entitle(lp_user, "lp", a)
    server, other = DeviceKey.generate(), DeviceKey.generate()
    for op in _view(org, lp_user.user_id, ("lp",)):
        signed = sign_redacted(op, server)
        assert verify_redacted(signed, server.public_key)
        assert not verify_redacted(signed, other.public_key)
        # Neither a counter put back nor any other field changed passes as the server's.
        for field, value in (("device_seq", 1), ("base_version", 0), ("kind", "lp.update")):
            tampered = {**signed, field: value}
            assert not verify_redacted(tampered, server.public_key)


def test_redacted_ops_carry_no_counter_and_a_payload_of_their_published_shape(
    org: OrgBuilder,
) -> None:
    fund, (a, b, _c) = org.fund_with_lps("1000000.00", "3000000.00", "6000000.00")
    call = org.call(fund, "2000000.00")
    org.issue(call)
    org.pay(call, b, "600000.00")
    org.pay(call, a, "200000.00")
    org.issue(org.distribution(fund, "500000.00"))
    lp_user = org.user("lp")
    org.entitle(lp_user, "lp", a)
    seen = _view(org, lp_user.user_id, ("lp",))
    kinds = {s["kind"] for s in seen}
    assert {"capital_call.create", "capital_call.payment", "distribution.create"} <= kinds
    for op in seen:
        # The GP's device counter and the call's version count the other LPs' ops.
        assert op["device_seq"] is None
        assert op["base_version"] is None
        spec = KINDS[op["kind"]]
        (spec.redacted or spec.payload).model_validate(op["payload"])
        RedactedEnvelope.model_validate({**op, "signature": "A" * 86})


def test_an_lp_sees_its_funds_terms_and_nav_but_not_whose_is_the_gp_commitment(
    org: OrgBuilder,
) -> None:
    fund, (a, gp_lp) = org.fund_with_lps("1000000.00", "100000.00")
    other_fund, (stranger,) = org.fund_with_lps("5000000.00")
    terms = {
        **EUROPEAN_TERMS,
        "gp_commitment_lp_id": gp_lp,
    }
    org.submit_wire("fund.terms.set", terms, entity_id=fund)
    org.submit_wire(
        "fund.terms.set", {**terms, "gp_commitment_lp_id": stranger}, entity_id=other_fund
    )
    org.submit_wire(
        "fund.nav.record",
        {
            "valuation_id": "01936f0e-8c2a-7c1e-9a55-3f1c2b7d4e10",
            "as_of": "2026-09-30",
            "nav": "1150000.00",
            "currency": "USD",
        },
        entity_id=fund,
    )
    lp_user = org.user("lp")
    org.entitle(lp_user, "lp", a)
    seen = [s for s in _view(org, lp_user.user_id, ("lp",)) if s["kind"].startswith("fund.")]
    assert [(s["kind"], s["entity_id"]) for s in seen] == [
        ("fund.create", fund),
        ("fund.terms.set", fund),
        ("fund.nav.record", fund),
    ]
    assert "gp_commitment_lp_id" not in seen[1]["payload"]
    assert seen[1]["payload"]["preferred_return"] == "0.08"
    assert gp_lp not in json.dumps(seen)


def test_a_redacted_op_parses_only_with_null_counters_and_a_device_op_only_with_them(
    org: OrgBuilder,
) -> None:
    _fund, (a,) = org.fund_with_lps("1000000.00")
    lp_user = org.user("lp")
    org.entitle(lp_user, "lp", a)
    server = DeviceKey.generate()
    [*_, shown] = _view(org, lp_user.user_id, ("lp",))
    signed = sign_redacted(shown, server)
    assert parse_redacted(signed).wire() == signed
    for counter in ("device_seq", "base_version"):
        with pytest.raises(OpRejected) as refused:
            parse_redacted({**signed, counter: 3})
        assert refused.value.field == counter
    device_op = org.accepted[-1].wire()
    parse_envelope(device_op)
    with pytest.raises(OpRejected) as refused:
        parse_envelope({**device_op, "device_seq": None})
    assert (refused.value.code, refused.value.field) == ("invalid_payload", "device_seq")
