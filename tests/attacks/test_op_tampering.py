"""Signed ops altered after signing, replayed, forked and twinned: never accepted.

Byte flips: for sample ops of several kinds, signed by several roles, every byte of the
op's canonical wire form is flipped in turn (its lowest bit: the smallest change, which
keeps most bytes printable and most of the JSON parseable). A variant that still parses is
pushed with the others in batches of the protocol's 500; one that does not is pushed alone,
raw, inside an otherwise valid push. Each is refused (signature, parse or validation) or
answered 4xx, never accepted, never a 5xx; then the untouched op is accepted.

Replays, forks and twins: an accepted op pushed again, in the same push, by another
person's session and into another organization; a second op on the same ``device_seq`` and
one below it; the same ``op_id`` with any one envelope field changed (generated from the
envelope's fields) and signed again, or carrying the original's signature. Only the
byte-identical replay is ``duplicate`` (with its first ``server_seq``); everything else is
refused, and the organization's log holds each op once.
"""

from __future__ import annotations

import json
from typing import Any

from reliability_figures import record
from siege_world import Member, Siege

from core.canonical_json import jcs
from core.ids import new_id
from core.ops.envelope import Envelope, UnsignedOp

PUSH_LIMIT = 500


def _samples(siege: Siege) -> list[tuple[Member, Envelope]]:
    home, people = siege.home, siege.people
    return [
        (people["gp_analyst"], home.op(
            "deal.create", {"name": "Harbor Yards", "currency": "USD"}, by=people["gp_analyst"])),
        (people["gp"], home.op(
            "capital_call.payment",
            {"payment_id": new_id(), "lp_id": siege.own["lp"], "amount": "1250.00",
             "currency": "USD", "paid_on": "2026-03-20"},
            by=people["gp"], entity_id=siege.own["call"])),
        (people["admin"], home.op(
            "entitlement.grant",
            {"user_id": people["counsel"].user_id, "scope_type": "fund",
             "scope_id": siege.own["fund"]},
            by=people["admin"])),
    ]  # fmt: skip


def _flips(wire: bytes) -> list[bytes]:
    return [wire[:i] + bytes([wire[i] ^ 0x01]) + wire[i + 1 :] for i in range(len(wire))]


def _push_raw(siege: Siege, who: Member, ops: list[bytes]) -> Any:
    body = b'{"device_id":"%s","ops":[%s]}' % (who.device_id.encode(), b",".join(ops))
    return siege.home.http.post(
        "/v1/sync/push", content=body,
        headers={**who.auth, "Content-Type": "application/json"},
    )  # fmt: skip


def test_every_byte_of_signed_ops_flipped_is_refused_and_the_op_still_goes_through(
    siege: Siege,
) -> None:
    home = siege.home
    before = home.state()
    attempted = refused = 0
    failures = []
    for who, op in _samples(siege):
        original = op.wire()
        wire = jcs(original)
        parsed, unparsed = [], []
        for i, variant in enumerate(_flips(wire)):
            try:
                data = json.loads(variant)
            except ValueError:
                unparsed.append((i, variant))
                continue
            if data == original:
                continue  # the same op in other bytes: not a change (none seen so far)
            parsed.append((i, variant))
        for start in range(0, len(parsed), PUSH_LIMIT):
            batch = parsed[start : start + PUSH_LIMIT]
            resp = _push_raw(siege, who, [v for _, v in batch])
            assert resp.status_code == 200, resp.text
            for (i, _), result in zip(batch, resp.json()["results"], strict=True):
                attempted += 1
                if result["status"] == "rejected":
                    refused += 1
                else:
                    failures.append(f"{op.kind}, byte {i} ({chr(wire[i])!r}): {result}")
        for i, variant in unparsed:
            attempted += 1
            resp = _push_raw(siege, who, [variant])
            if 400 <= resp.status_code < 500 or (
                resp.status_code == 200 and resp.json()["results"][0]["status"] == "rejected"
            ):
                refused += 1
            else:
                failures.append(f"{op.kind}, byte {i}: {resp.status_code} {resp.text[:200]}")
        assert home.state() == before, f"a flipped {op.kind} changed the organization"
        [result] = home.results([op], by=who)
        assert result["status"] == "accepted", result
        before = home.state()
    record("generated attacks", attempted=attempted, refused=refused)
    assert failures == [], "\n".join(failures[:20])
    assert attempted > 1500, attempted


def _twins(home: Any, who: Member, op: Envelope) -> list[tuple[str, dict[str, Any]]]:
    """The op with its ``op_id`` and one other field changed, signed again; and the same
    change keeping the original's signature."""
    changes: dict[str, Any] = {
        "org_id": new_id(), "device_id": new_id(), "device_seq": op.device_seq + 10_000,
        "actor_id": new_id(), "kind": "deal.update", "entity_id": new_id(), "base_version": 1,
        "payload": {"name": "Forged Yards", "currency": "USD"},
        "issued_at": "2026-01-01T00:00:00.000Z",
    }  # fmt: skip
    assert set(changes) | {"op_id", "signature"} == set(Envelope.model_fields)
    twins = []
    for name, value in changes.items():
        unsigned = {**op.unsigned().model_dump(), name: value}
        resigned = who.key.sign(UnsignedOp(**unsigned)).wire()
        twins.append((f"{name} changed, signed again", resigned))
        twins.append((f"{name} changed, the original signature", {**resigned,
                      "signature": op.signature}))  # fmt: skip
    return twins


def test_replays_forks_and_twins_are_refused_and_each_op_is_logged_once(siege: Siege) -> None:
    home, who = siege.home, siege.people["gp_analyst"]
    op = home.op("deal.create", {"name": "Pier 7", "currency": "USD"}, by=who)
    [first, again] = home.results([op, op], by=who)
    assert first["status"] == "accepted"
    assert again == {**first, "status": "duplicate"}
    state = home.state()
    attempts: list[tuple[str, Member, Any]] = [("replayed", who, op)]
    attempts.append(("replayed by another person's session", siege.people["gp"], op))
    fork = home.op("deal.create", {"name": "Pier 8", "currency": "USD"}, by=who,
                   device_seq=op.device_seq)  # fmt: skip
    attempts.append(("another op on the same device_seq", who, fork))
    lower = home.op("deal.create", {"name": "Pier 9", "currency": "USD"}, by=who,
                    device_seq=op.device_seq - 1)  # fmt: skip
    attempts.append(("another op below the device's highest device_seq", who, lower))
    attempts += [(f"a twin with {what}", who, twin) for what, twin in _twins(home, who, op)]
    failures = []
    for what, by, sent in attempts:
        [result] = home.results([sent], by=by)
        if what == "replayed":
            ok = result == {**first, "status": "duplicate"}
        else:
            ok = result["status"] == "rejected"
        if not ok:
            failures.append(f"{what}: {result}")
    resp = siege.victim.push([op], by=siege.victim.founder)
    victim_result = resp.json()["results"][0] if resp.status_code == 200 else resp.status_code
    if resp.status_code == 200 and victim_result["status"] != "rejected":
        failures.append(f"replayed into another organization: {victim_result}")
    record("generated attacks", attempted=len(attempts), refused=len(attempts) - len(failures))
    assert failures == [], "\n".join(failures)
    assert home.state() == state
    logged = [o for o in home.pull_all() if o["op"]["op_id"] == op.op_id]
    assert [o["server_seq"] for o in logged] == [first["server_seq"]]
    assert logged[0]["op"] == op.wire()
