"""An LP's pull tells it nothing about how many other LPs there are.

Harbor Point runs the same fund twice, in two organizations on one server: once with 2
other LPs, once with 5, whose commitments add up to the same total. Everything Pension Fund
(our LP) is part of happens identically in both — its commitment, its share of each call
and distribution, its payment, paid after the others' — so everything it may see is the
same. Its two pulls must then be the same op for op, once the values that are new in every
organization are renamed consistently: ids (by order of first appearance), the GP's clock
(``issued_at``), the server's signature over them, and ``server_seq``. Before redacted ops
carried null counters, the GP device's ``device_seq`` and the call's ``base_version``
counted the other LPs' ops (Pension's payment came with ``base_version`` 4 beside 2 others,
7 beside 5).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from mail_drop import wait_for_link
from scenario import Member, Org, ServerWorld

from core.canonical_json import jcs
from core.ids import new_id
from core.redaction import verify_redacted

OTHERS_COMMIT = Decimal("9000000.00")  # what the other LPs commit between them
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass
class LpOrg:
    org: Org
    fund: str
    own_lp: str
    viewer: Member
    # Every id Pension Fund's officer may learn: its own records, its fund, the calls and
    # distributions it is in, the organization, and who signed what it sees.
    visible: set[str] = field(default_factory=set)
    # Every id, name, email and amount of the other LPs.
    secrets: list[str] = field(default_factory=list)


async def lp_session(org: Org, email: str) -> Member:
    await org.world.post("/v1/auth/magic-link", {"email": email})
    folder = org.world.settings.mail_drop_dir
    assert folder is not None
    [token] = await wait_for_link(folder, email)
    resp = await org.world.post("/v1/auth/magic-link/consume", {"token": token})
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    return Member(email, body["user_id"], body["session_token"], body["roles"])


async def allocations(org: Org, table: str, entity: str) -> dict[str, str]:
    from sqlalchemy import text

    key = "call_id" if table == "call_allocations" else "distribution_id"
    with org.world.owner.begin() as conn:
        rows = conn.execute(
            text(f"SELECT lp_id, amount FROM {table} WHERE org_id = :o AND {key} = :e"),
            {"o": org.org_id, "e": entity},
        )
        return {r[0]: str(r[1]) for r in rows}


async def _lp(org: Org, name: str, email: str) -> tuple[str, str]:
    contact = new_id()
    lp = await org.submit_wire(
        "lp.create",
        {
            "name": name,
            "lp_type": "institution",
            "contacts": [{"contact_id": contact, "name": name, "email": email}],
        },
    )
    return lp, contact


async def _pay(org: Org, call: str, lp: str, amount: str) -> str:
    payment = new_id()
    payload = {"payment_id": payment, "lp_id": lp, "amount": amount}
    await org.submit_wire(
        "capital_call.payment",
        {**payload, "currency": "USD", "paid_on": "2026-03-20"},
        entity_id=call,
    )
    return payment


async def build(world: ServerWorld, others: int) -> LpOrg:
    """Harbor Fund I with Pension Fund and ``others`` other LPs, through a call, its
    payments, a call Pension is left out of, a distribution and the fund's terms."""
    org = await world.new_org("Harbor Point Capital")
    fund = await org.fund()
    secrets: list[str] = []
    other_lps = []
    each = f"{OTHERS_COMMIT / others:.2f}"

    async def other(i: int) -> None:
        name, email = f"Confidential Family Office {i}", f"cfo{i}@secret{i}.example"
        lp, contact = await _lp(org, name, email)
        commitment = await org.commit(fund, lp, each)
        secrets.extend([lp, contact, commitment, name, email])
        other_lps.append(lp)

    # Half the others come before Pension Fund, half after: the GP's device counts both.
    for i in range(others // 2):
        await other(i)
    own, own_contact = await _lp(org, "Pension Fund", "officer@pension.example")
    own_commitment = await org.commit(fund, own, "1000000.00")
    for i in range(others // 2, others):
        await other(i)
    secrets.append(each)
    await org.submit_wire("lp.update", {"name": "Pension Fund of Harbor County"}, entity_id=own)
    # The GP's own commitment is another partner's position: Pension never learns whose.
    await org.submit_wire(
        "fund.terms.set",
        {
            "style": "european",
            "preferred_return": "0.08",
            "compounding": "compound",
            "carried_interest": "0.20",
            "catch_up": "1",
            "gp_name": "Harbor Point GP",
            "gp_commitment_lp_id": other_lps[0],
        },
        entity_id=fund,
    )
    valuation = new_id()
    await org.submit_wire(
        "fund.nav.record",
        {"valuation_id": valuation, "as_of": "2026-06-30", "nav": "10500000.00", "currency": "USD"},
        entity_id=fund,
    )
    await org.submit_wire(
        "fund.update",
        {
            "payment_instructions": {
                "bank_name": "First Harbor Bank",
                "account_name": "Harbor Fund I",
                "account_number": "00012345678",
                "swift": "FHBKUS33",
            }
        },
        entity_id=fund,
    )
    call = await org.call(fund, "2000000.00")
    await org.submit_wire(
        "capital_call.issue", {"note": "Family Office 0 wired early"}, entity_id=call
    )
    called = await allocations(org, "call_allocations", call)
    for lp in other_lps:  # the others pay first: every payment bumps the call's version
        await _pay(org, call, lp, called[lp])
        secrets.append(called[lp])
    payment = await _pay(org, call, own, called[own])
    skipped = await org.call(fund, "100000.00", excluded_lp_ids=[own])
    dist = await org.submit_wire(
        "distribution.create",
        {
            "fund_id": fund,
            "amount": "700000.00",
            "currency": "USD",
            "basis": "commitment",
            "distribution_date": "2026-09-30",
            "source": "income",
        },
    )
    await org.submit_wire("distribution.issue", {}, entity_id=dist)
    distributed = await allocations(org, "distribution_allocations", dist)
    secrets += [a for lp, a in distributed.items() if lp != own]
    secrets += [skipped, "2000000.00", "700000.00", "9000000.00"]  # totals: the others' sum
    officer = await org.member("lp", enroll=False, name="officer")
    grant = await org.submit_wire(
        "entitlement.grant", {"user_id": officer.user_id, "scope_type": "lp", "scope_id": own}
    )
    viewer = await lp_session(org, officer.email)
    visible = {org.org_id, org.founder.user_id, org.founder.device_id, fund, own, own_contact}
    visible |= {own_commitment, valuation, call, payment, dist, officer.user_id, grant}
    return LpOrg(org, fund, own, viewer, visible, secrets)


def normalized(ops: list[dict[str, Any]]) -> list[str]:
    """The pulled ops without what is new in every organization: ``server_seq`` dropped,
    ``issued_at`` and the signature (over it) blanked, every id renamed by order of first
    appearance (``<id 0>``, ``<id 1>``…) — a renaming, so which op refers to which record
    must still match."""
    names: dict[str, str] = {}

    def rename(match: re.Match[str]) -> str:
        return names.setdefault(match.group(0), f"<id {len(names)}>")

    shown = []
    for item in ops:
        entry = {k: v for k, v in item.items() if k != "server_seq"}
        entry["op"] = {**item["op"], "issued_at": "<time>", "signature": "<signature>"}
        shown.append(_UUID.sub(rename, jcs(entry).decode()))
    return shown


async def test_an_lps_pull_is_the_same_beside_two_or_five_other_lps(world: ServerWorld) -> None:
    few, many = await build(world, others=2), await build(world, others=5)
    key = (await (await world.client.get("/v1/server-key")).json())["public_key"]
    feeds = []
    for lp in (few, many):
        ops = await lp.org.pull_all(lp.viewer)
        assert [o["op"]["kind"] for o in ops] == [
            "org.create",
            "fund.create",
            "lp.create",
            "commitment.create",
            "lp.update",
            "fund.terms.set",
            "fund.nav.record",
            "fund.update",
            "capital_call.create",
            "capital_call.issue",
            "capital_call.payment",
            "distribution.create",
            "distribution.issue",
            "user.invite",
            "entitlement.grant",
        ]
        for o in ops:
            assert o["redacted"] is True
            assert verify_redacted(o["op"], key)
            # The counters would count the others' ops: the GP's signatures, the payments.
            assert (o["op"]["device_seq"], o["op"]["base_version"]) == (None, None), o
        text = jcs(ops).decode()
        assert [s for s in lp.secrets if s in text] == []
        ids = {v for o in ops for v in _UUID.findall(jcs({**o["op"], "op_id": None}).decode())}
        # The organization's genesis names who created it: the server's own account.
        genesis = ops[0]["op"]
        assert ids <= lp.visible | {genesis["actor_id"], genesis["device_id"]}, ids - lp.visible
        feeds.append(ops)
    # Pension's own share is the same in both (1/10 of each call and distribution), shown
    # with the issue; a draft's creation is the bare fact …
    assert feeds[0][8]["op"]["payload"] == {}
    assert feeds[0][9]["op"]["payload"]["allocations"] == {few.own_lp: "200000.00"}
    assert feeds[1][9]["op"]["payload"]["allocations"] == {many.own_lp: "200000.00"}
    assert feeds[1][12]["op"]["payload"]["allocations"][many.own_lp]["amount"] == "70000.00"
    # … its NAV mark is its own share of the NAV (1/10, by paid-in), never the fund's …
    assert feeds[1][6]["op"]["payload"]["nav_shares"] == {many.own_lp: "1050000.00"}
    # … and so is everything else it is shown, op for op (its officer's address aside,
    # which is new in every organization).
    shown = [
        normalized(json.loads(jcs(f).decode().replace(lp.viewer.email, "<officer>")))
        for f, lp in zip(feeds, (few, many), strict=True)
    ]
    assert shown[0] == shown[1]


async def test_an_lps_state_digest_holds_nothing_but_its_pull(world: ServerWorld) -> None:
    """``GET /v1/sync/state`` for an LP is a digest of exactly the ops it pulls: the LP can
    recompute it, so it carries no count the pull does not."""
    lp = await build(world, others=3)
    ops = await lp.org.pull_all(lp.viewer)
    state = await (await world.get("/v1/sync/state", lp.viewer)).json()
    h = hashlib.sha256()
    for o in ops:
        h.update(b"%d:" % o["server_seq"] + jcs(o["op"]) + b"\n")
    assert state == {
        "org_id": lp.org.org_id,
        "last_seq": ops[-1]["server_seq"],
        "digest": h.hexdigest(),
    }
    # The staff-only snapshot is no way around the redaction.
    snap = await world.get("/v1/sync/snapshot", lp.viewer)
    assert snap.status == 403


async def test_a_device_op_without_a_device_seq_is_still_refused(org: Org) -> None:
    for missing in ({"device_seq": None}, {"device_seq": 0}):
        op = org.op("fund.create", {"name": "Harbor Fund X", "currency": "USD"}).wire()
        op.update(missing)
        resp = await org.push(op)
        assert resp.status == 200, await resp.text()
        [result] = (await resp.json())["results"]
        assert result["status"] == "rejected", result
        assert result["error"]["code"] == "invalid_payload"
        assert result["error"].get("field") == "device_seq", result
    dropped = org.op("fund.create", {"name": "Harbor Fund Y", "currency": "USD"}).wire()
    del dropped["device_seq"]
    [result] = (await (await org.push(dropped)).json())["results"]
    assert result["status"] == "rejected", result
