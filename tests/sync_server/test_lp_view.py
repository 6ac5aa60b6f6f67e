"""What external readers pull. Harbor Fund I has Pension Fund (our LP, signed in by magic
link) and a number of other LPs; a call and a distribution go out, payments come in.
Pension Fund's pull holds no other LP's id, name, email or amount anywhere in its JSON,
and as many ops whether two or five other LPs exist. Counsel sees only its deal."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from mail_drop import wait_for_link
from scenario import Member, Org, ServerWorld

from core.ids import new_id
from core.redaction import verify_redacted


@dataclass
class LpWorld:
    org: Org
    viewer: Member
    own_lp: str
    secrets: list[str]  # every id, name, email and amount of the other LPs


async def _lp_session(org: Org, email: str) -> Member:
    await org.world.post("/v1/auth/magic-link", {"email": email})
    folder = org.world.settings.mail_drop_dir
    assert folder is not None
    [token] = await wait_for_link(folder, email)
    body = await (await org.world.post("/v1/auth/magic-link/consume", {"token": token})).json()
    return Member(email, body["user_id"], body["session_token"], body["roles"])


async def build(world: ServerWorld, others: int) -> LpWorld:
    org = await world.new_org("Harbor Point Capital")
    fund = await org.fund()
    own = await org.lp("Pension Fund", email="officer@pension.example")
    await org.commit(fund, own, "1000000.00")
    secrets: list[str] = []
    other_ids = []
    for i in range(others):
        name, email = f"Confidential Family Office {i}", f"cfo{i}@secret{i}.example"
        lp = await org.lp(name, email=email)
        amount = f"{7_000_003 + i * 1_000_001}.00"
        await org.commit(fund, lp, amount)
        secrets += [lp, name, email, amount]
        other_ids.append(lp)
    call = await org.call(fund, "1600000.00")
    await org.submit_wire(
        "capital_call.issue", {"note": f"{secrets[1]} wired early"}, entity_id=call
    )
    calls = await _rows(org, "call_allocations", call)
    secrets += [a for lp, a in calls.items() if lp != own]
    for lp, amount in calls.items():
        await org.submit_wire(
            "capital_call.payment",
            {
                "payment_id": new_id(),
                "lp_id": lp,
                "amount": amount,
                "currency": "USD",
                "paid_on": "2026-03-20",
            },
            entity_id=call,
        )
    # A call that excludes Pension Fund: it never sees it.
    await org.call(fund, "100000.00", excluded_lp_ids=[own])
    dist = await org.submit_wire(
        "distribution.create",
        {
            "fund_id": fund,
            "amount": "990000.00",
            "currency": "USD",
            "basis": "commitment",
            "distribution_date": "2026-09-30",
            "source": "income",
        },
    )
    await org.submit_wire("distribution.issue", {}, entity_id=dist)
    secrets += [
        a for lp, a in (await _rows(org, "distribution_allocations", dist)).items() if lp != own
    ]
    secrets += ["1600000.00", "990000.00"]  # totals reveal the others' sum
    viewer_member = await org.member("lp", enroll=False, name="officer")
    await org.submit_wire(
        "entitlement.grant", {"user_id": viewer_member.user_id, "scope_type": "lp", "scope_id": own}
    )
    viewer = await _lp_session(org, viewer_member.email)
    return LpWorld(org, viewer, own, secrets)


async def _rows(org: Org, table: str, entity: str) -> dict[str, str]:
    key = "call_id" if table == "call_allocations" else "distribution_id"
    from sqlalchemy import text

    with org.world.owner.begin() as conn:
        rows = conn.execute(
            text(f"SELECT lp_id, amount FROM {table} WHERE org_id = :o AND {key} = :e"),
            {"o": org.org_id, "e": entity},
        )
        return {r[0]: r[1] for r in rows}


def _shape(ops: list[dict[str, Any]]) -> list[tuple[str, tuple[str, ...]]]:
    return [(o["op"]["kind"], tuple(sorted(o["op"]["payload"]))) for o in ops]


async def test_an_lp_pulls_only_its_own_positions_and_nothing_of_the_others(
    world: ServerWorld,
) -> None:
    lp = await build(world, others=3)
    ops = await lp.org.pull_all(lp.viewer)
    text = json.dumps(ops)
    leaked = [s for s in lp.secrets if s in text]
    assert leaked == []
    kinds = [o["op"]["kind"] for o in ops]
    assert kinds == [
        "org.create",
        "fund.create",
        "lp.create",
        "commitment.create",
        "capital_call.create",
        "capital_call.issue",
        "capital_call.payment",
        "distribution.create",
        "distribution.issue",
        "user.invite",
        "entitlement.grant",
    ]
    key = (await (await world.client.get("/v1/server-key")).json())["public_key"]
    for o in ops:
        assert o["redacted"] is True
        assert verify_redacted(o["op"], key)
    # The draft's creation is the bare fact; the call comes as issued, with its own share.
    assert ops[4]["op"]["payload"] == {}
    call = ops[5]["op"]["payload"]
    own_share = (await _rows(lp.org, "call_allocations", ops[5]["op"]["entity_id"]))[lp.own_lp]
    assert call["allocations"] == {lp.own_lp: own_share}
    assert "excluded_lp_ids" not in call
    assert "amount" not in call
    assert "note" not in call
    state = await (await world.get("/v1/sync/state", lp.viewer)).json()
    assert state["last_seq"] == ops[-1]["server_seq"]


async def test_the_lps_view_does_not_depend_on_how_many_other_lps_exist(
    world: ServerWorld,
) -> None:
    few = await build(world, others=2)
    many = await build(world, others=5)
    few_ops = await few.org.pull_all(few.viewer)
    many_ops = await many.org.pull_all(many.viewer)
    assert len(few_ops) == len(many_ops)
    assert _shape(few_ops) == _shape(many_ops)


async def test_pull_pages_of_an_external_reader_cover_everything_once(world: ServerWorld) -> None:
    lp = await build(world, others=2)
    whole = await lp.org.pull_all(lp.viewer)
    paged = await lp.org.pull_all(lp.viewer, limit=1)
    assert paged == whole


async def test_counsel_sees_its_deal_and_its_documents_only(org: Org) -> None:
    mine = await org.submit_wire("deal.create", {"name": "Entitled Deal", "currency": "USD"})
    other = await org.submit_wire("deal.create", {"name": "Secret Deal", "currency": "USD"})
    for deal in (mine, other):
        await org.submit_wire(
            "document.add",
            {
                "deal_id": deal,
                "filename": f"{deal}.pdf",
                "media_type": "application/pdf",
                "size_bytes": 10,
                "sha256": "a" * 64,
            },
        )
    counsel = await org.member("counsel", enroll=False)
    await org.submit_wire(
        "entitlement.grant", {"user_id": counsel.user_id, "scope_type": "deal", "scope_id": mine}
    )
    ops = await org.pull_all(counsel)
    assert [o["op"]["kind"] for o in ops] == ["deal.create", "document.add"]
    assert other not in json.dumps(ops)
    assert "Secret Deal" not in json.dumps(ops)


async def test_staff_pull_the_ops_exactly_as_signed(org: Org) -> None:
    auditor = await org.member("auditor", enroll=False)
    mine = await org.pull_all(org.founder)
    theirs = await org.pull_all(auditor)
    assert mine == theirs
    assert all("redacted" not in o for o in theirs)
