"""``GET /v1/sync/snapshot`` on the real server: the organization's projection at one
``server_seq``, signed by the published server key, for those who read everything only."""

from __future__ import annotations

import json
from typing import Any

from scenario import Org, ServerWorld

from core.store.digest import digest_of
from core.store.state_snapshot import SNAPSHOT_TABLES, checked_tables, verify_snapshot


async def _snapshot(org: Org, who: Any = None) -> Any:
    return await org.world.get("/v1/sync/snapshot", who or org.founder)


async def _history(org: Org) -> None:
    fund = await org.fund()
    for name in ("Acme Pension", "Birch Family Office"):
        lp = await org.lp(name)
        await org.commit(fund, lp, "1000000.00")
    await org.submit_wire("deal.create", {"name": "Riverside Commons", "currency": "USD"})
    # Every kind of character JSON escapes or not: the server's text must be JCS exactly.
    await org.submit_wire(
        "deal.create",
        {
            "name": 'Quote " back\\slash é Zoë 東京 😀 \u2028 \u007f',
            "currency": "USD",
            "fields": {"sponsor": {"value": "tab\tnew\nline\r\u0001\u001f\b\f end"}},
        },
    )


def _digest(snapshot: dict[str, Any]) -> str:
    org_id = snapshot["org_id"]
    return digest_of(
        (
            t["name"],
            ({"org_id": org_id, **dict(zip(t["columns"], row, strict=True))} for row in t["rows"]),
        )
        for t in snapshot["tables"]
    )


async def test_the_snapshot_is_the_state_the_server_digests_and_it_is_signed(
    world: ServerWorld, org: Org
) -> None:
    await _history(org)
    resp = await _snapshot(org)
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    snapshot = body["snapshot"]
    state = await (await world.get("/v1/sync/state", org.founder)).json()
    assert snapshot["server_seq"] == state["last_seq"]
    assert _digest(snapshot) == state["digest"]
    key = (await (await world.get("/v1/server-key")).json())["public_key"]
    assert verify_snapshot(snapshot, body["signature"], key)
    _seq, tables = checked_tables(snapshot, org.org_id)
    assert [t.name for t in tables] == list(SNAPSHOT_TABLES)
    names = {r[1] for t in tables if t.name == "lps" for r in t.rows}
    assert names == {"Acme Pension", "Birch Family Office"}
    values = {v for t in tables if t.name in ("deals", "deal_fields") for r in t.rows for v in r}
    assert "tab\tnew\nline\r\u0001\u001f\b\f end" in values
    assert 'Quote " back\\slash é Zoë 東京 😀 \u2028 \u007f' in values
    snapshot["server_seq"] += 1  # one changed field and the signature no longer holds
    assert not verify_snapshot(snapshot, body["signature"], key)


async def test_a_snapshot_holds_no_row_of_another_organization(
    world: ServerWorld, org: Org
) -> None:
    await _history(org)
    other = await world.new_org("Other Capital")
    await other.lp("Secret Endowment")
    mine = json.dumps(await (await _snapshot(org)).json())
    theirs = await (await _snapshot(other)).json()
    assert "Secret Endowment" not in mine
    assert other.org_id not in mine
    assert "Acme Pension" not in json.dumps(theirs)
    assert theirs["snapshot"]["org_id"] == other.org_id


async def test_external_readers_are_told_to_pull_and_learn_nothing(org: Org) -> None:
    await _history(org)
    for role in ("lp", "counsel", "lender"):
        reader = await org.member(role, enroll=False)
        resp = await _snapshot(org, reader)
        assert resp.status == 403
        body = await resp.json()
        assert body["error"]["code"] == "snapshot_unavailable"
        assert "Acme Pension" not in json.dumps(body)


async def test_bad_requests_are_4xx(world: ServerWorld, org: Org) -> None:
    assert (await world.get("/v1/sync/snapshot")).status == 401
    resp = await world.get("/v1/sync/snapshot?after=3", org.founder)
    assert resp.status == 422
    assert (await resp.json())["error"]["code"] == "invalid_request"
    resp = await world.client.post("/v1/sync/snapshot", headers=org.founder.auth)
    assert resp.status == 405
