"""A day of Harbor Point's work pushed at once — or split across pushes at various
points — with refusals in between: the server's state must equal a fresh replay of what
it logged. This checks the push's staged writes (made per op, sent every WRITE_EVERY
ops and at the end) against the plain reducers on an in-memory projection, for inserts,
updates, deletes by partial key, rows written and removed within one push, and rows that
already existed."""

from __future__ import annotations

from typing import Any

import pytest
from scenario import Org

from core.ids import new_id
from core.ops.envelope import Envelope
from sync_server.push import WRITE_EVERY


def _day(org: Org) -> tuple[list[Envelope], list[str]]:
    """The ops, and the expected status of each."""
    f, l1, l2, d, k, u = (new_id() for _ in range(6))
    c1, c2, c3, c4 = (new_id() for _ in range(4))

    def contact(cid: str, name: str) -> dict[str, Any]:
        return {"contact_id": cid, "name": name, "email": f"{name.lower()}@lp.example"}

    def fields(**values: str | None) -> dict[str, Any]:
        return {k: {"value": v} for k, v in values.items()}

    pay = {"currency": "USD", "paid_on": "2026-03-20"}
    o = org.op
    plan = [
        (o("fund.create", {"name": "Harbor Fund I", "currency": "USD"}, entity_id=f), "accepted"),
        (o("user.invite", {"email": "ana@harborpoint.example", "display_name": "Ana",
                           "roles": ["gp_analyst", "gp"]}, entity_id=u), "accepted"),
        (o("lp.create", {"name": "Pension", "lp_type": "institution",
                         "contacts": [contact(c1, "Ann"), contact(c2, "Bob")]}, entity_id=l1),
         "accepted"),
        (o("lp.create", {"name": "Family", "lp_type": "family_office",
                         "contacts": [contact(c3, "Cy")]}, entity_id=l2), "accepted"),
        (o("lp.update", {"contacts": [contact(c2, "Bobby"), contact(c4, "Dee")]}, entity_id=l1,
           base_version=1), "accepted"),
        (o("commitment.create", {"fund_id": f, "lp_id": l1, "amount": "1000000.00",
                                 "currency": "USD", "committed_on": "2026-01-15"}), "accepted"),
        (o("commitment.create", {"fund_id": f, "lp_id": l2, "amount": "3000000.00",
                                 "currency": "USD", "committed_on": "2026-01-15"}), "accepted"),
        (o("commitment.create", {"fund_id": f, "lp_id": l1, "amount": "5.00",
                                 "currency": "USD", "committed_on": "2026-01-15"}), "rejected"),
        (o("deal.create", {"name": "Dock 9", "currency": "USD",
                           "fields": fields(sponsor="Crescent", city="Austin, TX")},
           entity_id=d), "accepted"),
        (o("deal.update", {"fields": fields(city=None, property_type="industrial")},
           entity_id=d, base_version=1), "accepted"),
        (o("deal.update", {"name": "x"}, entity_id=d, base_version=9), "rejected"),
        (o("capital_call.create", {"fund_id": f, "amount": "400000.00", "currency": "USD",
                                   "basis": "commitment", "call_date": "2026-03-01",
                                   "due_date": "2026-03-31"}, entity_id=k), "accepted"),
        (o("capital_call.issue", {}, entity_id=k, base_version=1), "accepted"),
        (o("capital_call.payment", {"payment_id": new_id(), "lp_id": l1, "amount": "100000.00",
                                    **pay}, entity_id=k, base_version=2), "accepted"),
        (o("capital_call.payment", {"payment_id": new_id(), "lp_id": l1, "amount": "1.00",
                                    **pay}, entity_id=k, base_version=2), "rejected"),
        (o("capital_call.payment", {"payment_id": new_id(), "lp_id": l2, "amount": "300000.00",
                                    **pay}, entity_id=k, base_version=3), "accepted"),
        (o("lp.update", {"name": "Family Office of Cy"}, entity_id=l2, base_version=1),
         "accepted"),
        (o("document.add", {"deal_id": d, "filename": "om.pdf", "media_type": "application/pdf",
                            "size_bytes": 10, "sha256": "b" * 64}), "accepted"),
        (o("deal.transition", {"to": "screening"}, entity_id=d, base_version=2), "accepted"),
        (o("lp.update", {"contacts": []}, entity_id=l2, base_version=2), "accepted"),
        (o("role.revoke", {"role": "gp"}, entity_id=u, base_version=1), "accepted"),
        (o("role.grant", {"role": "gp"}, entity_id=u, base_version=2), "accepted"),
        (o("role.grant", {"role": "gp"}, entity_id=u, base_version=3), "rejected"),
    ]  # fmt: skip
    return [op for op, _ in plan], [status for _, status in plan]


@pytest.mark.parametrize("split", [None, 4, 8, 12, 16])
async def test_the_pushed_state_equals_a_fresh_replay(org: Org, split: int | None) -> None:
    ops, expected = _day(org)
    parts = [ops] if split is None else [ops[:split], ops[split:]]
    statuses = []
    for part in parts:
        resp = await org.push(*part)
        assert resp.status == 200
        statuses += [r["status"] for r in (await resp.json())["results"]]
    assert statuses == expected
    replayed, served = await org.replayed_and_served_digests()
    assert replayed == served


@pytest.mark.parametrize("boundary", [3, 5, 9, 13, 17, 21])
async def test_rows_sent_mid_push_leave_the_same_state(org: Org, boundary: int) -> None:
    """A push sends its rows every WRITE_EVERY ops while judging goes on: fillers put
    that moment right after op ``boundary`` of the day, so later ops update, delete and
    read rows that were already sent in the same push."""
    fillers = [
        org.op("deal.create", {"name": f"Filler {i}", "currency": "USD"})
        for i in range(WRITE_EVERY - boundary)
    ]
    ops, expected = _day(org)
    resp = await org.push(*fillers, *ops)
    assert resp.status == 200
    statuses = [r["status"] for r in (await resp.json())["results"]]
    assert statuses == ["accepted"] * len(fillers) + expected
    replayed, served = await org.replayed_and_served_digests()
    assert replayed == served
