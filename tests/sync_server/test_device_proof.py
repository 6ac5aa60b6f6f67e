"""Enrolling a device proves possession of its key (security review: a GP of one firm
enrolled another firm's GP's public key into their own organization, and was answered 201).

``POST /v1/devices`` carries ``proof``: the key's own signature over the session's org and
user. Whoever does not hold the key cannot make one; one made for another org or user does
not transfer; nothing is written for a refused proof but the audit entry.
"""

from __future__ import annotations

from typing import Any

from scenario import Member, Org, ServerWorld

from core.canonical_json import jcs
from core.ids import new_id
from core.ops.signing import DEVICE_PROOF_PREFIX, DeviceKey, device_proof
from sync_server.openapi import openapi_document


def _count(world: ServerWorld, sql: str, *args: Any) -> int:
    with world.owner.begin() as conn:
        return int(conn.exec_driver_sql(sql, args).scalar_one())


def _devices_with(world: ServerWorld, public_key: str) -> list[tuple[str, str]]:
    with world.owner.begin() as conn:
        rows = conn.exec_driver_sql(
            "SELECT org_id, user_id FROM devices WHERE public_key = %s ORDER BY org_id",
            (public_key,),
        ).fetchall()
    return [(str(o), str(u)) for o, u in rows]


def _written(world: ServerWorld, org: Org) -> tuple[int, int]:
    """(ops in the org's log, devices of the org)."""
    ops = _count(world, "SELECT count(*) FROM op_log WHERE org_id = %s", org.org_id)
    devices = _count(world, "SELECT count(*) FROM devices WHERE org_id = %s", org.org_id)
    return ops, devices


def _refusals(world: ServerWorld, org: Org) -> int:
    return _count(
        world,
        "SELECT count(*) FROM server_audit WHERE org_id = %s "
        "AND event = 'device.enroll.refused' AND code = 'invalid_proof'",
        org.org_id,
    )


async def _enroll(world: ServerWorld, who: Member, body: dict[str, Any]) -> tuple[int, Any]:
    resp = await world.post("/v1/devices", body, who)
    return resp.status, await resp.json()


async def test_a_gp_cannot_enroll_another_firms_gp_key_into_their_own_org(
    world: ServerWorld,
) -> None:
    """The review's attack: Harbor Point's GP posts Northwind's GP's public key (which is
    public: every replica of Northwind holds it). Without the key's private half, no proof
    they can send is accepted, and nothing is written."""
    victim = await world.new_org("Northwind Partners")
    attacker_org = await world.new_org("Harbor Point Capital")
    gp = attacker_org.founder
    stolen = victim.founder.key.public_key
    # What Northwind's GP sent when enrolling there (Ed25519 signatures are deterministic).
    copied = device_proof(victim.founder.key, victim.org_id, victim.founder.user_id)
    own_key = DeviceKey.generate()
    attempts: list[tuple[str, dict[str, Any]]] = [
        ("no proof", {}),
        ("a proof copied from the victim's enrollment", {"proof": copied}),
        (
            "a proof over the attacker's org and user, made with another key",
            {"proof": device_proof(own_key, attacker_org.org_id, gp.user_id)},
        ),
        (
            "a proof by the victim's key over the victim's org but the attacker's user",
            {"proof": device_proof(victim.founder.key, victim.org_id, gp.user_id)},
        ),
        ("86 characters of nothing", {"proof": "A" * 86}),
        ("an empty proof", {"proof": ""}),
        ("a proof that is not text", {"proof": 12345}),
    ]
    before = _written(world, attacker_org)
    victim_before = _written(world, victim)
    audited_before = _refusals(world, attacker_org)
    for what, extra in attempts:
        body = {"public_key": stolen, "name": "laptop", **extra}
        status, answer = await _enroll(world, gp, body)
        assert (status, answer["error"]["code"], answer["error"]["field"]) == (
            422,
            "invalid_proof",
            "proof",
        ), what
    # No device row with the stolen key anywhere but the victim's own, no op, in either org.
    assert _devices_with(world, stolen) == [(victim.org_id, victim.founder.user_id)]
    assert _written(world, attacker_org) == before
    assert _written(world, victim) == victim_before
    kinds = [o["op"]["kind"] for o in await attacker_org.pull_all()]
    assert kinds.count("device.enroll") == 2  # the service device and the GP's own laptop
    # Each well-formed proof that failed its check is in the attacker org's audit log; the
    # malformed ones were refused as bad input, before the database.
    assert _refusals(world, attacker_org) == audited_before + 4
    # The victim's key still works for the victim.
    await victim.submit_wire("deal.create", {"name": "Still mine", "currency": "USD"})


async def test_a_proof_names_its_org_and_its_user(world: ServerWorld) -> None:
    """A proof by the right key counts only for the org and user it names."""
    org = await world.new_org("Harbor Point Capital")
    other = await world.new_org("Northwind Partners")
    analyst = await org.member("gp_analyst", enroll=False)
    key = DeviceKey.generate()

    def body(proof: str) -> dict[str, str]:
        return {"public_key": key.public_key, "name": "desk", "proof": proof}

    wrong = {
        "another org": device_proof(key, other.org_id, analyst.user_id),
        "another user of the same org": device_proof(key, org.org_id, org.founder.user_id),
        "another public key named inside": key.sign_bytes(
            DEVICE_PROOF_PREFIX
            + jcs(
                {
                    "org_id": org.org_id,
                    "user_id": analyst.user_id,
                    "public_key": DeviceKey.generate().public_key,
                }
            )
        ),
        "no prefix": key.sign_bytes(
            jcs({"org_id": org.org_id, "user_id": analyst.user_id, "public_key": key.public_key})
        ),
    }
    before = _written(world, org)
    for what, proof in wrong.items():
        status, answer = await _enroll(world, analyst, body(proof))
        assert (status, answer["error"]["code"]) == (422, "invalid_proof"), what
    assert _written(world, org) == before
    assert _devices_with(world, key.public_key) == []

    good = device_proof(key, org.org_id, analyst.user_id)
    status, answer = await _enroll(world, analyst, body(good))
    assert status == 201, answer
    device_id = answer["device_id"]
    assert _devices_with(world, key.public_key) == [(org.org_id, analyst.user_id)]
    enrolled = [o["op"] for o in await org.pull_all() if o["op"]["entity_id"] == device_id]
    assert [(o["kind"], o["payload"]["public_key"]) for o in enrolled] == [
        ("device.enroll", key.public_key)
    ]
    # The same session sending the same enrollment again (its answer lost) gets the same
    # device and nothing new; the proof is judged again all the same.
    after = _written(world, org)
    status, answer = await _enroll(world, analyst, body(good))
    assert (status, answer["device_id"]) == (201, device_id)
    assert _written(world, org) == after
    status, answer = await _enroll(world, analyst, body(wrong["another org"]))
    assert (status, answer["error"]["code"]) == (422, "invalid_proof")
    # The device signs for the analyst.
    analyst.key, analyst.device_id = key, device_id
    await org.submit_wire("deal.create", {"name": "Desk deal", "currency": "USD"}, by=analyst)


async def test_a_malformed_key_is_invalid_public_key_whatever_the_proof(org: Org) -> None:
    key = DeviceKey.generate()
    proof = device_proof(key, org.org_id, org.founder.user_id)
    malformed = [
        "short",
        key.public_key + "=",  # padded
        key.public_key[:-1],  # 31½ bytes
        "A" * 44,  # 33 bytes
        "+" + key.public_key[1:],  # standard base64, not base64url
    ]
    for public_key in malformed:
        for extra in ({}, {"proof": proof}, {"proof": "A" * 86}, {"proof": "bad"}):
            body = {"public_key": public_key, "name": "x", **extra}
            status, answer = await _enroll(org.world, org.founder, body)
            assert (status, answer["error"]["code"], answer["error"]["field"]) == (
                422,
                "invalid_public_key",
                "public_key",
            ), (public_key, extra)
    # Other body faults keep their own answers.
    status, answer = await _enroll(
        org.world, org.founder, {**org.device_body(org.founder), "extra": 1}
    )
    assert (status, answer["error"]["code"]) == (422, "unknown_field")
    status, answer = await _enroll(
        org.world, org.founder, {"public_key": 7, "name": "x", "proof": proof}
    )
    assert (status, answer["error"]["field"]) == (422, "public_key")


async def test_an_admin_cannot_enroll_another_firms_key_by_pushing_a_device_enroll_op(
    world: ServerWorld,
) -> None:
    """The same attack by the other road into the log: the founder (GP and admin) signs a
    device.enroll op naming the other firm's GP's key and pushes it — with no proof, or
    with a proof the victim made for its own org. Both are refused naming the proof."""
    victim = await world.new_org("Northwind Partners")
    attacker_org = await world.new_org("Harbor Point Capital")
    stolen = victim.founder.key.public_key
    payload = {"user_id": attacker_org.founder.user_id, "public_key": stolen, "name": "x"}
    copied = device_proof(victim.founder.key, victim.org_id, victim.founder.user_id)
    for body in (payload, {**payload, "proof": copied}):
        resp = await attacker_org.push(attacker_org.op("device.enroll", body, entity_id=new_id()))
        [result] = (await resp.json())["results"]
        assert result["status"] == "rejected"
        assert (result["error"]["code"], result["error"]["field"]) == (
            "invalid_payload",
            "payload.proof",
        )
    assert _devices_with(world, stolen) == [(victim.org_id, victim.founder.user_id)]
    # With a proof of its own, the attacker's own new key enrolls by the same road.
    own = DeviceKey.generate()
    proven = {
        "user_id": attacker_org.founder.user_id,
        "public_key": own.public_key,
        "name": "tablet",
        "proof": device_proof(own, attacker_org.org_id, attacker_org.founder.user_id),
    }
    [ok] = await attacker_org.push_ok(attacker_org.op("device.enroll", proven, entity_id=new_id()))
    assert ok["status"] == "accepted"


def test_the_openapi_document_asks_for_the_proof() -> None:
    doc = openapi_document()
    schema = doc["components"]["schemas"]["DeviceBody"]
    assert "proof" in schema["required"]
    assert schema["properties"]["proof"]["pattern"] == "^[A-Za-z0-9_-]{86}$"
    errors = doc["paths"]["/v1/devices"]["post"]["responses"]["422"]["description"]
    assert "invalid_proof" in errors
    assert "invalid_public_key" in errors
