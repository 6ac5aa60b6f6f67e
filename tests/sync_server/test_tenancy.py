"""Two firms on one server: Harbor Point (the attacker's side) and Northwind (the victim).

Every route, as every role of Harbor Point, aimed at Northwind's ids: zero successes, and
Northwind's state unchanged. Proven twice, once per layer: with the app's own checks and
row-level security together, and with the app connecting as a role that bypasses RLS (the
app layer alone). Then RLS alone: the app role, scoped to one organization, reads and
writes nothing of another's, whatever SQL it runs.

The server refuses to run as a role that bypasses RLS (sync_server/app_role.py); only this
test switches that check off, to take row-level security out of the way on purpose.
"""

from __future__ import annotations

import json
from typing import Any

import psycopg
import pytest
from pg_fixture import PgDatabase
from scenario import Member, Org, ServerWorld

from core.ids import new_id
from core.store.schema import PROJECTION_TABLES
from sync_server import app_role
from sync_server.app_context import DB
from sync_server.server_schema import TENANT_TABLES
from sync_server.settings import Settings

ROLES = ("gp", "gp_analyst", "admin", "counsel", "lender", "lp", "auditor", "regulator")


@pytest.fixture(params=["app-and-rls", "app-layer-alone"])
def settings(
    request: pytest.FixtureRequest, base_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    if request.param == "app-layer-alone":
        # The owner URL: the test cluster's superuser bypasses RLS, which the server would
        # refuse but for this.
        monkeypatch.setattr(app_role, "check_app_role", lambda _conn: None)
        return base_settings.with_(app_database_url=base_settings.database_url)
    return base_settings


async def _victim(world: ServerWorld) -> tuple[Org, dict[str, str]]:
    org = await world.new_org("Northwind Partners")
    fund = await org.fund()
    lp = await org.lp("Northwind Pension", email="pension@northwind.example")
    await org.commit(fund, lp, "500000.00")
    call = await org.call(fund, "100000.00")
    deal = await org.submit_wire("deal.create", {"name": "Northwind Deal", "currency": "USD"})
    ids = {
        "fund": fund,
        "lp": lp,
        "call": call,
        "deal": deal,
        "device": org.founder.device_id,
        "user": org.founder.user_id,
    }
    return org, ids


async def _attempts(
    org: Org, who: Member, victim: Org, ids: dict[str, str], counsel: str
) -> list[str]:
    """Every way to reach the victim; returns what succeeded (must stay empty)."""
    w, won = org.world, []
    pay = {
        "payment_id": new_id(),
        "lp_id": ids["lp"],
        "amount": "1.00",
        "currency": "USD",
        "paid_on": "2026-03-02",
    }
    ops = [
        org.op("deal.update", {"name": "pwned"}, by=who, entity_id=ids["deal"], base_version=1),
        org.op("capital_call.issue", {}, by=who, entity_id=ids["call"], base_version=1),
        org.op("capital_call.payment", pay, by=who, entity_id=ids["call"], base_version=1),
        org.op(
            "commitment.create",
            {
                "fund_id": ids["fund"],
                "lp_id": ids["lp"],
                "amount": "1.00",
                "currency": "USD",
                "committed_on": "2026-01-01",
            },
            by=who,
        ),
        org.op("device.revoke", {}, by=who, entity_id=ids["device"], base_version=1),
        org.op("role.grant", {"role": "gp"}, by=who, entity_id=ids["user"], base_version=1),
        org.op("deal.create", {"name": "x", "currency": "USD"}, by=who, org_id=victim.org_id),
        org.op(
            "entitlement.grant",
            {"user_id": counsel, "scope_type": "deal", "scope_id": ids["deal"]},
            by=who,
        ),
    ]
    resp = await org.push(*ops, by=who)
    if resp.status == 200:
        for op, r in zip(ops, (await resp.json())["results"], strict=True):
            if r["status"] != "rejected":
                won.append(f"push {op.kind}")
            elif r["error"]["code"] not in ("not_found", "org_mismatch", "forbidden"):
                won.append(f"push {op.kind} leaked {r['error']['code']}")
    elif resp.status not in (401, 403, 404):
        won.append(f"push answered {resp.status}")
    resp = await org.push(
        org.op("deal.create", {"name": "x", "currency": "USD"}, by=who),
        by=who,
        device_id=ids["device"],
    )
    if resp.status != 404:
        won.append(f"push with the victim's device answered {resp.status}")
    resp = await w.client.delete(f"/v1/devices/{ids['device']}", headers=who.auth)
    if resp.status != 404:
        won.append(f"delete device answered {resp.status}")
    pulled = json.dumps(await org.pull_all(who))
    state = await (await w.get("/v1/sync/state", who)).json()
    snapshot = await (await w.get("/v1/sync/snapshot", who)).text()
    for name, value in ids.items():
        if value in pulled or value in json.dumps(state):
            won.append(f"pull showed the victim's {name}")
        if value in snapshot:
            won.append(f"the snapshot showed the victim's {name}")
    resp = await w.post(
        "/v1/auth/login", {"email": victim.founder.email, "password": "x", "org_id": org.org_id}
    )
    if resp.status != 401:
        won.append(f"login into the wrong org answered {resp.status}")
    return won


async def test_every_route_every_role_against_another_org_succeeds_nowhere(
    world: ServerWorld,
) -> None:
    victim, ids = await _victim(world)
    with world.client.app[DB].engine.connect() as conn:
        visible = conn.exec_driver_sql("SELECT count(*) FROM org_heads").scalar()
    before = await (await world.get("/v1/sync/state", victim.founder)).json()
    org = await world.new_org("Harbor Point Capital")
    members = [org.founder] + [await org.member(role, name=role) for role in ROLES]
    successes = []
    for who in members:
        found = await _attempts(org, who, victim, ids, counsel=members[4].user_id)
        successes += [f"{who.roles}: {s}" for s in found]
    assert successes == []
    after = await (await world.get("/v1/sync/state", victim.founder)).json()
    assert after == before
    # In the second run the app's connection really bypasses RLS: only its own checks held.
    bypassing = world.settings.app_database_url == world.settings.database_url
    assert (visible > 0) == bypassing
    with world.owner.begin() as conn:
        events = conn.exec_driver_sql(
            "SELECT event, code, count(*) FROM server_audit WHERE org_id = %s GROUP BY event, code",
            (org.org_id,),
        ).fetchall()
    audited = {(e, c): n for e, c, n in events}
    assert audited[("cross_org", "org_mismatch")] == len(members)
    assert audited[("op.refused", "not_found")] >= len(members)
    assert audited[("push.refused", "unknown_device")] == len(members)
    assert audited[("device.revoke.refused", "not_found")] == len(members)


def test_row_level_security_alone_keeps_organizations_apart(
    pg_database: PgDatabase, owner: Any
) -> None:
    """As the app role, scoped to org A, plain SQL against org B's rows does nothing."""
    a, b = new_id(), new_id()
    with owner.begin() as conn:
        for org_id in (a, b):
            conn.exec_driver_sql("SELECT set_config('dealos.org_id', %s, true)", (org_id,))
            conn.exec_driver_sql(
                "INSERT INTO organizations (org_id, name, base_currency) VALUES (%s, 'x', 'USD')",
                (org_id,),
            )
            conn.exec_driver_sql(
                "INSERT INTO entities (org_id, entity_id, entity_type, version) "
                "VALUES (%s, %s, 'deal', 1)",
                (org_id, org_id),
            )
    tables = [t.name for t in (*PROJECTION_TABLES, *TENANT_TABLES)]
    with psycopg.connect(pg_database.app_url) as conn:
        conn.execute("SELECT set_config('dealos.org_id', %s, false)", (a,))
        assert conn.execute("SELECT count(*) FROM organizations").fetchone() == (1,)
        for table in tables:
            seen = conn.execute(f"SELECT count(*) FROM {table} WHERE org_id = %s", (b,)).fetchone()
            assert seen == (0,), table
        for statement in (
            "UPDATE entities SET version = 99 WHERE org_id = %s",
            "DELETE FROM entities WHERE org_id = %s",
            "DELETE FROM organizations WHERE org_id = %s",
        ):
            assert conn.execute(statement, (b,)).rowcount == 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(
                "INSERT INTO entities (org_id, entity_id, entity_type, version) "
                "VALUES (%s, %s, 'deal', 1)",
                (b, new_id()),
            )
        conn.rollback()
        conn.execute("SELECT set_config('dealos.org_id', '', false)")
        for table in tables:
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table
    with owner.begin() as conn:
        version = conn.exec_driver_sql(
            "SELECT version FROM entities WHERE org_id = %s", (b,)
        ).scalar()
    assert version == 1
