"""LP sign-in by magic link: Pension Fund's investment officer asks for a link, uses it
once. Replays, wrong and expired tokens are refused alike; twenty tabs redeeming the same
link at once open exactly one session; only hashes reach the database."""

from __future__ import annotations

import asyncio
from typing import Any

from mail_drop import wait_for_link
from scenario import Member, Org
from sqlalchemy import text


async def lp_user(org: Org) -> tuple[Member, str]:
    lp_id = await org.lp("Pension Fund")
    member = await org.member("lp", enroll=False, name="officer")
    await org.submit_wire(
        "entitlement.grant", {"user_id": member.user_id, "scope_type": "lp", "scope_id": lp_id}
    )
    return member, lp_id


async def _request(org: Org, address: str) -> Any:
    resp = await org.world.post("/v1/auth/magic-link", {"email": address})
    return resp.status, await resp.json()


async def _consume(org: Org, token: str) -> Any:
    return await org.world.post("/v1/auth/magic-link/consume", {"token": token})


async def test_a_link_opens_one_lp_session_and_only_once(org: Org) -> None:
    officer, _ = await lp_user(org)
    assert await _request(org, officer.email) == (202, {"status": "sent_if_registered"})
    [token] = await wait_for_link(org.world.settings.mail_drop_dir, officer.email)  # type: ignore[arg-type]
    resp = await _consume(org, token)
    assert resp.status == 200
    body = await resp.json()
    assert body["user_id"] == officer.user_id
    assert body["roles"] == ["lp"]
    resp = await org.world.client.get(
        "/v1/sync/state", headers={"Authorization": f"Bearer {body['session_token']}"}
    )
    assert resp.status == 200
    replay = await _consume(org, token)
    assert replay.status == 401
    assert (await replay.json())["error"]["code"] == "invalid_or_expired_token"


async def test_unknown_and_staff_addresses_get_the_same_answer_and_no_mail(org: Org) -> None:
    folder = org.world.settings.mail_drop_dir
    assert folder is not None
    assert await _request(org, "nobody@nowhere.example") == (202, {"status": "sent_if_registered"})
    assert await _request(org, org.founder.email) == (202, {"status": "sent_if_registered"})
    await asyncio.sleep(0.3)
    assert await wait_for_link(folder, "nobody@nowhere.example", timeout=0.2) == []
    assert await wait_for_link(folder, org.founder.email, timeout=0.2) == []


async def test_wrong_and_expired_tokens_are_refused_alike(org: Org) -> None:
    officer, _ = await lp_user(org)
    await _request(org, officer.email)
    [token] = await wait_for_link(org.world.settings.mail_drop_dir, officer.email)  # type: ignore[arg-type]
    wrong = await _consume(org, token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    with org.world.owner.begin() as conn:
        conn.execute(
            text(
                "UPDATE magic_links SET expires_at = now() - interval '1 second' WHERE org_id = :o"
            ),
            {"o": org.org_id},
        )
    expired = await _consume(org, token)
    assert wrong.status == expired.status == 401
    assert await wrong.json() == await expired.json()


async def test_twenty_concurrent_redemptions_open_exactly_one_session(org: Org) -> None:
    officer, _ = await lp_user(org)
    await _request(org, officer.email)
    [token] = await wait_for_link(org.world.settings.mail_drop_dir, officer.email)  # type: ignore[arg-type]
    answers = await asyncio.gather(*(_consume(org, token) for _ in range(20)))
    assert sorted(a.status for a in answers) == [200] + [401] * 19
    with org.world.owner.begin() as conn:
        sessions = conn.execute(
            text(
                "SELECT count(*) FROM sessions WHERE org_id = :o AND user_id = :u "
                "AND method = 'magic_link'"
            ),
            {"o": org.org_id, "u": officer.user_id},
        ).scalar()
    assert sessions == 1


async def test_only_hashes_of_tokens_are_stored(org: Org) -> None:
    officer, _ = await lp_user(org)
    await _request(org, officer.email)
    [token] = await wait_for_link(org.world.settings.mail_drop_dir, officer.email)  # type: ignore[arg-type]
    session = (await (await _consume(org, token)).json())["session_token"]
    with org.world.owner.begin() as conn:
        dump = " ".join(
            str(row)
            for table in ("magic_links", "sessions", "credentials")
            for row in conn.execute(text(f"SELECT * FROM {table}"))
        )
    assert token not in dump
    assert session not in dump
    assert officer.token not in dump
    assert "correct horse" not in dump
