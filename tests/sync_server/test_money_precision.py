"""A contribution of 100.001 in a USD fund, pushed to the server: refused on its own as
``invalid_payload`` naming ``payload.amount`` and the rule, the rest of the push accepted,
nothing of it in the log. The same rule the desktop applies, on the same path."""

from __future__ import annotations

from scenario import Org

from core.ops.envelope import Envelope


async def test_a_commitment_finer_than_a_cent_is_refused_alone(org: Org) -> None:
    fund_id, lp_id = await org.fund(), await org.lp("State Pension")
    before = await org.pull_all()

    def commitment(amount: str) -> Envelope:
        payload = {
            "fund_id": fund_id,
            "lp_id": lp_id,
            "amount": amount,
            "currency": "USD",
            "committed_on": "2026-01-15",
        }
        return org.op("commitment.create", payload)

    good, bad = commitment("100.00"), commitment("100.001")
    resp = await org.push(good, bad)
    assert resp.status == 200, await resp.text()
    results = (await resp.json())["results"]
    assert [r["status"] for r in results] == ["accepted", "rejected"]
    error = results[1]["error"]
    assert (error["code"], error["field"]) == ("invalid_payload", "payload.amount")
    assert error["message"] == (
        "payload.amount: USD amounts have at most 2 decimal places; 100.001 has 3"
    )
    logged = [o["op"]["op_id"] for o in (await org.pull_all())[len(before) :]]
    assert logged == [good.op_id]
