"""No existence oracle over HTTP (DESIGN §4, PROTOCOL rejection codes): counsel pushing
to a deal it is not entitled to is told what a random id gets — ``not_found`` on
``entity_id`` — never ``forbidden`` or ``version_conflict`` with the deal's version, and
the attempt is in the server's audit log."""

from __future__ import annotations

from typing import Any

from scenario import Org
from sqlalchemy import text

from core.ids import new_id
from sync_server.database import set_org


async def test_counsel_learns_nothing_of_a_deal_it_may_not_see(org: Org) -> None:
    lawyer = await org.member("counsel")
    hidden = await org.submit_wire("deal.create", {"name": "Quiet Harbor", "currency": "USD"})
    for _ in range(4):  # the deal moves on: version 5
        await org.submit_wire(
            "deal.update", {"fields": {"city": {"value": "Austin"}}}, entity_id=hidden
        )
    seen = await org.submit_wire("deal.create", {"name": "Open Door", "currency": "USD"})
    await org.submit_wire(
        "entitlement.grant", {"user_id": lawyer.user_id, "scope_type": "deal", "scope_id": seen}
    )

    async def refusal(deal_id: str, kind: str, payload: dict[str, Any], base: int) -> Any:
        op = org.op(kind, payload, by=lawyer, entity_id=deal_id, base_version=base)
        [result] = await org.push_ok(op, by=lawyer)
        assert result["status"] == "rejected"
        error = result["error"]
        return error["code"], error.get("field"), error["message"].replace(deal_id, "<id>")

    signoff = {"approval_type": "legal_signoff", "decision": "approve"}
    attempts = [
        ("deal.update", {"fields": {"city": {"value": "Dallas"}}}, 5),
        ("deal.update", {"fields": {"city": {"value": "Dallas"}}}, 2),
        ("deal.transition", {"to": "screening"}, 5),
        ("approval.record", signoff, 1),
    ]
    for kind, payload, base in attempts:
        body = {**payload, "approval_id": new_id()} if kind == "approval.record" else payload
        answer = await refusal(hidden, kind, body, base)
        assert answer == await refusal(new_id(), kind, body, base)
        assert answer == ("not_found", "entity_id", "no deal <id>")

    # What counsel may see is answered as it is: the entitled deal's version conflict.
    code, _, _ = await refusal(seen, "deal.update", {"fields": {"city": {"value": "X"}}}, 9)
    assert code == "version_conflict"

    with org.world.owner.begin() as conn:
        set_org(conn, org.org_id)
        refused = conn.execute(
            text(
                "SELECT count(*) FROM server_audit WHERE event = 'op.refused' "
                "AND code = 'not_found' AND entity_id = :d AND actor_id = :a"
            ),
            {"d": hidden, "a": lawyer.user_id},
        ).scalar()
    assert refused == len(attempts)
