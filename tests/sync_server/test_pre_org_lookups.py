"""What the server looks up before it knows the organization — a bearer token, a login
email, a magic link, an attach code — goes through narrow SECURITY DEFINER functions, never
through a policy a session can open for itself (server migration 0007).

The attack these tests replay: the app role, scoped to organization B, set the token hash
(and the login email) it wanted, and with that planted a link in organization A, revived
A's spent link, pointed it at A's GP and deleted it. And a link, however it got into the
table, never signs in a user who holds a staff role.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import psycopg
import pytest
from mail_drop import wait_for_link
from pg_fixture import PgDatabase
from scenario import Member, Org, ServerWorld
from sqlalchemy import text

from core.ids import new_id
from sync_server.sessions import hash_token, new_token


async def _lp_officer(org: Org) -> Member:
    lp_id = await org.lp("Pension Fund")
    officer = await org.member("lp", enroll=False, name="officer")
    await org.submit_wire(
        "entitlement.grant", {"user_id": officer.user_id, "scope_type": "lp", "scope_id": lp_id}
    )
    return officer


async def _mailed_link(org: Org, email: str) -> str:
    resp = await org.world.post("/v1/auth/magic-link", {"email": email})
    assert resp.status == 202
    folder = org.world.settings.mail_drop_dir
    assert folder is not None
    links = await wait_for_link(folder, email)
    assert links
    return links[-1]


async def _consume(world: ServerWorld, token: str) -> Any:
    return await world.post("/v1/auth/magic-link/consume", {"token": token})


def _links(world: ServerWorld, org_id: str) -> list[tuple[Any, ...]]:
    with world.owner.begin() as conn:
        rows = conn.execute(
            text(
                "SELECT link_id, token_hash, user_id, used_at, expires_at FROM magic_links "
                "WHERE org_id = :o ORDER BY link_id"
            ),
            {"o": org_id},
        )
        return [tuple(r) for r in rows]


async def test_no_setting_opens_another_organizations_links_sessions_or_users(
    world: ServerWorld, pg_database: PgDatabase
) -> None:
    victim = await world.new_org("Northwind Partners")
    officer = await _lp_officer(victim)
    spent = await _mailed_link(victim, officer.email)
    assert (await _consume(world, spent)).status == 200
    await _mailed_link(victim, officer.email)  # and one still open
    attacker = await world.new_org("Harbor Point Capital")
    before = _links(world, victim.org_id)
    planted, planted_hash = new_token()
    gp = victim.founder
    for scope in (attacker.org_id, ""):
        with psycopg.connect(pg_database.app_url) as conn:
            for name, value in (
                ("dealos.org_id", scope),
                ("dealos.token_hash", planted_hash),
                ("dealos.lookup_email", gp.email),
            ):
                conn.execute("SELECT set_config(%s, %s, false)", (name, value))
            now = dt.datetime.now(dt.UTC)
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(
                    "INSERT INTO magic_links (org_id, link_id, token_hash, user_id, created_at, "
                    "expires_at) VALUES (%s, %s, %s, %s, %s, %s)",
                    (victim.org_id, new_id(), planted_hash, gp.user_id, now, now),
                )
            conn.rollback()
            conn.execute("SELECT set_config('dealos.token_hash', %s, false)", (hash_token(spent),))
            revived = conn.execute(
                "UPDATE magic_links SET used_at = NULL, user_id = %s, "
                "expires_at = now() + interval '1 day' WHERE token_hash = %s",
                (gp.user_id, hash_token(spent)),
            )
            assert revived.rowcount == 0
            deleted = conn.execute("DELETE FROM magic_links WHERE org_id = %s", (victim.org_id,))
            assert deleted.rowcount == 0
            assert conn.execute("SELECT count(*) FROM magic_links").fetchone() == (0,)
            conn.execute(
                "SELECT set_config('dealos.token_hash', %s, false)", (hash_token(gp.token),)
            )
            seen = conn.execute(
                "SELECT count(*) FROM sessions WHERE org_id = %s", (victim.org_id,)
            ).fetchone()
            assert seen == (0,)
            found = conn.execute(
                "SELECT count(*) FROM users WHERE email = %s", (gp.email,)
            ).fetchone()
            assert found == (0,)
            conn.commit()
    assert _links(world, victim.org_id) == before
    refused = await _consume(world, planted)
    assert refused.status == 401
    assert (await _consume(world, spent)).status == 401


def test_the_app_role_cannot_read_or_write_invitations(
    world: ServerWorld, pg_database: PgDatabase
) -> None:
    """The invited addresses are in clear; only the owner and the two attach functions see
    them."""
    from sync_server.bootstrap import invite_org

    invite_org(world.owner, admin_email="gp@acme.example", ttl_seconds=600)
    for statement in (
        "SELECT email FROM org_invitations",
        "UPDATE org_invitations SET expires_at = now() + interval '1 year'",
        "DELETE FROM org_invitations",
    ):
        with (
            psycopg.connect(pg_database.app_url) as conn,
            pytest.raises(psycopg.errors.InsufficientPrivilege),
        ):
            conn.execute(statement)


async def test_a_link_never_signs_in_a_user_who_holds_a_staff_role(org: Org) -> None:
    world = org.world
    wrong = await _consume(world, new_token()[0])
    assert wrong.status == 401
    wrong_body = await wrong.json()

    # An LP promoted to GP after asking for a link: the link no longer signs them in.
    officer = await _lp_officer(org)
    token = await _mailed_link(org, officer.email)
    await org.submit_wire("role.grant", {"role": "gp"}, entity_id=officer.user_id)
    promoted = await _consume(world, token)
    assert (promoted.status, await promoted.json()) == (401, wrong_body)

    # A staff member's link, however it got into the table, is refused like a wrong token;
    # so is one for a user with both an external and a staff role, whose request sends
    # nothing.
    analyst = await org.member("gp_analyst", enroll=False)
    both = await org.member("lp", "gp", enroll=False)
    resp = await world.post("/v1/auth/magic-link", {"email": both.email})
    assert resp.status == 202
    assert await wait_for_link(world.settings.mail_drop_dir, both.email, timeout=0.5) == []  # type: ignore[arg-type]
    for member in (analyst, both):
        planted, digest = new_token()
        with world.owner.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO magic_links (org_id, link_id, token_hash, user_id, created_at, "
                    "expires_at) VALUES (:o, :l, :h, :u, now(), now() + interval '15 minutes')"
                ),
                {"o": org.org_id, "l": new_id(), "h": digest, "u": member.user_id},
            )
        resp = await _consume(world, planted)
        assert (resp.status, await resp.json()) == (401, wrong_body), member.roles
    with world.owner.begin() as conn:
        opened = conn.execute(
            text(
                "SELECT count(*) FROM sessions WHERE org_id = :o AND method = 'magic_link' "
                "AND user_id IN (:a, :b, :c)"
            ),
            {"o": org.org_id, "a": officer.user_id, "b": analyst.user_id, "c": both.user_id},
        ).scalar()
        unspent = conn.execute(
            text(
                "SELECT count(*) FROM magic_links WHERE org_id = :o AND used_at IS NULL "
                "AND user_id IN (:a, :b, :c)"
            ),
            {"o": org.org_id, "a": officer.user_id, "b": analyst.user_id, "c": both.user_id},
        ).scalar()
    assert (opened, unspent) == (0, 0)
