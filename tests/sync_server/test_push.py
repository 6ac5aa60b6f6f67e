"""Pushing ops: Harbor Point Capital's GP works on her laptop and syncs.

Every refusal of PROTOCOL.md's push is provoked here against the real server, real
Postgres and real Ed25519 keys, and each is shown to change nothing but the audit log.
"""

from __future__ import annotations

from typing import Any

from scenario import Member, Org

from core.ops.signing import DeviceKey


def deal(name: str = "Harbor Point Logistics Park") -> dict[str, Any]:
    return {"name": name, "currency": "USD"}


async def _state(org: Org) -> dict[str, Any]:
    resp = await org.world.get("/v1/sync/state", org.founder)
    assert resp.status == 200
    body: dict[str, Any] = await resp.json()
    return body


async def test_accepted_ops_get_consecutive_server_seqs_and_pull_returns_them(org: Org) -> None:
    before = await _state(org)
    ops = [org.op("deal.create", deal(f"Deal {i}")) for i in range(3)]
    results = await org.push_ok(*ops)
    seqs = [r["server_seq"] for r in results]
    assert [r["status"] for r in results] == ["accepted"] * 3
    assert seqs == [before["last_seq"] + 1, before["last_seq"] + 2, before["last_seq"] + 3]
    pulled = await org.pull_all()
    assert [p["server_seq"] for p in pulled] == list(range(1, seqs[-1] + 1))
    assert [p["op"] for p in pulled[-3:]] == [o.wire() for o in ops]
    assert (await _state(org))["last_seq"] == seqs[-1]


async def test_a_retried_push_answers_duplicate_with_the_original_seq(org: Org) -> None:
    op = org.op("deal.create", deal())
    [first] = await org.push_ok(op)
    state = await _state(org)
    [again] = await org.push_ok(op)
    assert again == {"op_id": op.op_id, "status": "duplicate", "server_seq": first["server_seq"]}
    assert await _state(org) == state


async def test_the_same_op_id_with_other_bytes_is_an_idempotency_conflict(org: Org) -> None:
    op = org.op("deal.create", deal())
    await org.push_ok(op)
    state = await _state(org)
    changed = org.op("deal.create", deal("Other name"), op_id=op.op_id)
    [result] = await org.push_ok(changed)
    assert result["status"] == "rejected"
    assert result["error"]["code"] == "idempotency_conflict"
    assert await _state(org) == state


async def test_a_reused_device_seq_is_refused(org: Org) -> None:
    first = org.op("deal.create", deal())
    await org.push_ok(first)
    replay = org.op("deal.create", deal("Replay"), device_seq=first.device_seq)
    lower = org.op("deal.create", deal("Lower"), device_seq=first.device_seq - 1 or 1)
    state = await _state(org)
    results = await org.push_ok(replay, lower)
    assert [r["error"]["code"] for r in results] == ["device_seq_reused", "device_seq_reused"]
    assert await _state(org) == state


async def test_a_forged_signature_is_refused(org: Org) -> None:
    op = org.op("deal.create", deal())
    forged = {**op.wire(), "payload": deal("Tampered after signing")}
    state = await _state(org)
    [result] = (await (await org.push(forged)).json())["results"]
    assert result["status"] == "rejected"
    assert result["error"]["code"] == "invalid_signature"
    assert await _state(org) == state


async def test_an_op_signed_by_another_device_is_refused(org: Org) -> None:
    thief = Member(
        org.founder.email,
        org.founder.user_id,
        org.founder.token,
        [],
        device_id=org.founder.device_id,
        key=DeviceKey.generate(),
    )
    op = org.op("deal.create", deal(), by=thief)
    [result] = await org.push_ok(op)
    assert result["error"]["code"] == "invalid_signature"


async def test_a_rejected_op_does_not_stop_the_ops_after_it(org: Org) -> None:
    good1 = org.op("deal.create", deal("One"))
    bad = org.op("deal.update", {"name": "Nope"}, entity_id=good1.entity_id, base_version=7)
    good2 = org.op("deal.create", deal("Two"))
    results = await org.push_ok(good1, bad, good2)
    assert [r["status"] for r in results] == ["accepted", "rejected", "accepted"]
    assert results[2]["server_seq"] == results[0]["server_seq"] + 1


async def test_a_stale_capital_call_issue_is_a_version_conflict_with_the_current_version(
    org: Org,
) -> None:
    fund = await org.fund()
    lp = await org.lp()
    await org.commit(fund, lp, "1000000.00")
    call = await org.call(fund, "250000.00")
    await org.submit_wire("capital_call.issue", {"note": "first"}, entity_id=call)
    state = await _state(org)
    stale = org.op("capital_call.issue", {"note": "again"}, entity_id=call, base_version=1)
    [result] = await org.push_ok(stale)
    assert result["status"] == "rejected"
    assert result["error"]["code"] == "version_conflict"
    assert result["error"]["details"] == {"current_version": 2}
    assert await _state(org) == state


async def test_ops_of_a_revoked_device_are_refused(org: Org) -> None:
    laptop = await org.member("gp_analyst")
    await org.submit_wire("deal.create", deal(), by=laptop)
    resp = await org.world.client.delete(
        f"/v1/devices/{laptop.device_id}", headers=org.founder.auth
    )
    assert resp.status == 204
    # The analyst's session was bound to that device: it ended with it.
    again = await org.push(org.op("deal.create", deal(), by=laptop), by=laptop)
    assert again.status == 401
    fresh = await org.login(laptop.email)
    laptop.token = fresh.token
    resp = await org.push(org.op("deal.create", deal(), by=laptop), by=laptop)
    assert resp.status == 403
    assert (await resp.json())["error"]["code"] == "device_revoked"


async def test_an_unknown_device_is_404(org: Org) -> None:
    other = await org.world.new_org("Other Capital")
    resp = await org.push(org.op("deal.create", deal()), device_id=other.founder.device_id)
    assert resp.status == 404
    assert (await resp.json())["error"]["code"] == "unknown_device"


async def test_an_op_for_the_actor_of_someone_else_is_an_actor_mismatch(org: Org) -> None:
    analyst = await org.member("gp_analyst")
    op = org.op("deal.create", deal(), by=analyst)
    [result] = await org.push_ok(op)  # pushed with Maria's session
    assert result["error"]["code"] == "actor_mismatch"


async def test_unknown_fields_in_an_op_are_refused(org: Org) -> None:
    op = org.op("deal.create", deal()).wire()
    smuggled = {**op, "role": "admin"}
    in_payload = {**op, "payload": {**op["payload"], "org_id": "x"}}
    resp = await org.push(smuggled, in_payload, "not an op")
    results = (await resp.json())["results"]
    assert [r["error"]["code"] for r in results] == [
        "unknown_field",
        "invalid_signature",  # the signature covers the payload: checked before its schema
        "invalid_payload",
    ]
    assert results[2]["op_id"] is None


async def test_an_honestly_signed_payload_with_an_unknown_field_is_refused(org: Org) -> None:
    op = org.op("deal.create", {**deal(), "org_id": org.org_id})
    [result] = await org.push_ok(op)
    assert result["error"]["code"] == "unknown_field"
    assert result["error"]["field"] == "payload.org_id"


async def test_an_op_with_no_canonical_form_is_refused_not_a_server_error(org: Org) -> None:
    # JSON may escape a lone surrogate; no UTF-8 text (and so no signed bytes) holds one.
    op = org.op("deal.create", deal()).wire()
    broken = {**op, "payload": {**op["payload"], "name": "Harbor \ud800 Point"}}
    state = await _state(org)
    [result] = (await (await org.push(broken)).json())["results"]
    assert result["error"]["code"] == "invalid_payload"
    assert await _state(org) == state
