"""Signing in and out. Maria's sessions end when she logs out, changes her password, or
logs out everywhere; an analyst's when an admin changes their roles or revokes the device
their session is bound to."""

from __future__ import annotations

from typing import Any

from scenario import PASSWORD, Org

from core.ops.signing import device_proof


async def _alive(org: Org, token: str) -> bool:
    resp = await org.world.client.get(
        "/v1/sync/state", headers={"Authorization": f"Bearer {token}"}
    )
    assert resp.status in (200, 401)
    return resp.status == 200


async def _login(org: Org, email: str, password: str) -> Any:
    return await org.world.post("/v1/auth/login", {"email": email, "password": password})


async def test_login_answers_the_protocol_shape(org: Org) -> None:
    resp = await _login(org, org.founder.email.upper(), PASSWORD)
    body = await resp.json()
    assert resp.status == 200
    assert set(body) == {"session_token", "user_id", "org_id", "roles", "expires_at"}
    assert body["roles"] == ["admin", "gp"]
    assert body["expires_at"].endswith("Z")


async def test_a_wrong_password_and_an_unknown_email_get_the_same_401(org: Org) -> None:
    wrong = await _login(org, org.founder.email, "not the password")
    unknown = await _login(org, "nobody@nowhere.example", PASSWORD)
    assert wrong.status == unknown.status == 401
    a, b = await wrong.json(), await unknown.json()
    assert a == b
    assert a["error"]["code"] == "invalid_credentials"


async def test_logout_ends_only_this_session(org: Org) -> None:
    other = await org.login(org.founder.email)
    resp = await org.world.post("/v1/auth/logout", None, org.founder)
    assert resp.status == 204
    assert not await _alive(org, org.founder.token)
    assert await _alive(org, other.token)


async def test_logout_all_ends_every_session_of_the_user(org: Org) -> None:
    other = await org.login(org.founder.email)
    analyst = await org.member("gp_analyst")
    resp = await org.world.post("/v1/auth/logout-all", None, other)
    assert resp.status == 204
    assert not await _alive(org, org.founder.token)
    assert not await _alive(org, other.token)
    assert await _alive(org, analyst.token)


async def test_a_password_change_ends_every_session_and_opens_a_new_one(org: Org) -> None:
    other = await org.login(org.founder.email)
    resp = await org.world.post(
        "/v1/auth/password",
        {"current_password": PASSWORD, "new_password": "a much longer passphrase"},
        org.founder,
    )
    assert resp.status == 200
    fresh = (await resp.json())["session_token"]
    assert not await _alive(org, org.founder.token)
    assert not await _alive(org, other.token)
    assert await _alive(org, fresh)
    assert (await _login(org, org.founder.email, PASSWORD)).status == 401
    assert (await _login(org, org.founder.email, "a much longer passphrase")).status == 200


async def test_a_wrong_current_password_changes_nothing(org: Org) -> None:
    resp = await org.world.post(
        "/v1/auth/password",
        {"current_password": "wrong", "new_password": "a much longer passphrase"},
        org.founder,
    )
    assert resp.status == 401
    assert await _alive(org, org.founder.token)
    assert (await _login(org, org.founder.email, PASSWORD)).status == 200


async def test_a_role_change_ends_the_users_sessions(org: Org) -> None:
    analyst = await org.member("gp_analyst")
    await org.submit_wire("role.grant", {"role": "gp"}, entity_id=analyst.user_id)
    assert not await _alive(org, analyst.token)
    again = await org.login(analyst.email)
    assert again.roles == ["gp", "gp_analyst"]
    await org.submit_wire("role.revoke", {"role": "gp"}, entity_id=analyst.user_id)
    assert not await _alive(org, again.token)
    assert await _alive(org, org.founder.token)


async def test_revoking_a_device_through_a_pushed_op_ends_its_sessions(org: Org) -> None:
    analyst = await org.member("gp_analyst")
    entity = analyst.device_id
    version = await _version(org, entity)
    await org.submit_wire(
        "device.revoke", {"reason": "stolen"}, entity_id=entity, base_version=version
    )
    assert not await _alive(org, analyst.token)


async def _version(org: Org, entity_id: str) -> int:
    ops = await org.pull_all()
    return sum(1 for o in ops if entity_id in (o["op"]["entity_id"],))


async def test_a_device_is_revoked_by_its_owner_or_an_admin_only(org: Org) -> None:
    a = await org.member("gp_analyst")
    b = await org.member("gp_analyst")
    client = org.world.client
    resp = await client.delete(f"/v1/devices/{a.device_id}", headers=b.auth)
    assert resp.status == 404
    resp = await client.delete(f"/v1/devices/{a.device_id}", headers=a.auth)
    assert resp.status == 204
    assert not await _alive(org, a.token)
    resp = await client.delete(f"/v1/devices/{b.device_id}", headers=org.founder.auth)
    assert resp.status == 204
    ops = await org.pull_all()
    revoked = [o["op"] for o in ops if o["op"]["kind"] == "device.revoke"]
    assert {o["entity_id"] for o in revoked} >= {a.device_id, b.device_id}


async def test_enrolling_a_key_twice_is_a_conflict_unless_it_is_the_same_enrollment_again(
    org: Org,
) -> None:
    """The session that enrolled a key may send that enrollment again (a client retrying
    after a lost answer) and gets the same device, nothing new; from anywhere else an
    enrolled key is a conflict."""
    before = len(await org.pull_all())
    resp = await org.world.post("/v1/devices", org.device_body(org.founder, "again"), org.founder)
    assert resp.status == 201
    assert (await resp.json())["device_id"] == org.founder.device_id
    assert len(await org.pull_all()) == before  # no second device.enroll
    other = await org.member("gp_analyst")
    for who in (other, await org.login(org.founder.email)):
        # Even with the key in hand (a proof over this user), it is enrolled already.
        proof = device_proof(org.founder.key, org.org_id, who.user_id)
        body = {"public_key": org.founder.key.public_key, "name": "again", "proof": proof}
        resp = await org.world.post("/v1/devices", body, who)
        assert resp.status == 409
        assert (await resp.json())["error"]["code"] == "public_key_in_use"


async def test_an_enrolled_device_reaches_every_replica_as_a_signed_op(org: Org) -> None:
    ops = await org.pull_all()
    enroll = [o["op"] for o in ops if o["op"]["entity_id"] == org.founder.device_id]
    assert len(enroll) == 1
    assert enroll[0]["kind"] == "device.enroll"
    assert enroll[0]["payload"]["public_key"] == org.founder.key.public_key
    assert enroll[0]["payload"]["user_id"] == org.founder.user_id
