"""What must hold after every run, each check raising ``AssertionError`` with the words of
what broke:

- convergence: every staff device's state digest is the server's, and every external
  reader's view digest is the one the server computes for that reader;
- accounting: every op a device signed is on the server exactly once, or in that device's
  conflicts inbox with the server's reason (and then not on the server); the server holds
  each op id and each device counter once; each staff device holds the server's log, each
  op once, at the server's sequence number;
- the ledger, read through core's own positions (:mod:`core.positions`): a call's shares
  add up to the call, an LP never paid more than its share of a call, a distribution's
  shares and carry add up to the distribution, no share is negative, and no LP is called
  beyond its commitment (plus what was distributed as recallable);
- views: an LP's replica holds its own position and nothing of another LP, with the same
  figures as the GP's replica, and no user, role or device but its own officer's whatever
  the admin invited, granted, revoked; counsel's holds the deals granted to it now, nothing
  of a deal withdrawn from it, and no LP position; no device holds anything of the other
  organization;
- proof: ``verify_log`` passes over each organization's whole log on the server; every
  device's audit chain verifies; a rebuild of each replica from its op log (every signature
  checked again) reproduces its digest.
"""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from typing import Any

import psycopg
from live_server import LiveServer
from sim_moves import rows_of
from sim_world import Device, Org, session_client
from sqlalchemy import literal, select, union_all

from core.positions import positions_as_of
from core.store.local_schema import conflicts, op_log
from core.store.schema import PROJECTION_TABLES
from core.store.sql_projection import SqlProjection
from core.sync.replica import view_digest
from sync_server.database import owner_engine
from sync_server.log_verification import verify_log

__all__ = ["check_all"]


def _server_log(owner_url: str, org_id: str) -> list[tuple[int, str, str, int]]:
    with psycopg.connect(owner_url) as conn:
        rows = conn.execute(
            "SELECT server_seq, op_id, device_id, device_seq FROM op_log WHERE org_id = %s "
            "ORDER BY server_seq",
            (org_id,),
        ).fetchall()
    return [(int(a), str(b), str(c), int(d)) for a, b, c, d in rows]


def check_convergence(server: LiveServer, org: Org) -> str:
    staff = org.staff()
    client = session_client(server, staff[0].token)
    try:
        state = client.state()
    finally:
        client.close()
    for device in staff:
        mine = device.ws.digest()
        assert mine == state.digest, (
            f"{device.name}'s digest {mine[:12]}… differs from the server's "
            f"{state.digest[:12]}… at op {state.last_seq}"
        )
    for device in org.devices:
        if not device.reader:
            continue
        client = session_client(server, device.token)
        try:
            theirs = client.state().digest
            if view_digest(device.ws) != theirs:
                raise AssertionError(
                    f"{device.name}'s view differs from the one the server computes for it: "
                    + _view_difference(device, client.pull(0, 1000).ops)
                )
        finally:
            client.close()
    return state.digest


def _view_difference(device: Device, pulled: list[Any]) -> str:
    """The first op where a reader's replica and a fresh pull of its view differ."""
    with device.ws.store.engine.connect() as conn:
        held = {
            r.op_id: (r.server_seq, json.loads(r.envelope))
            for r in conn.execute(select(op_log).where(op_log.c.status == "redacted"))
        }
    fresh = {item.op.op_id: (item.server_seq, item.op.wire()) for item in pulled}
    for op_id in sorted(set(held) | set(fresh), key=lambda o: (held.get(o) or fresh[o])[0]):
        mine, now = held.get(op_id), fresh.get(op_id)
        if mine is None or now is None or mine[1] != now[1]:
            return (
                f"op {op_id} held as {json.dumps(mine and mine[1])}, "
                f"shown now as {json.dumps(now and now[1])}"
            )
    return "no op differs"


def check_accounting(owner_url: str, org: Org) -> int:
    log = _server_log(owner_url, org.org_id)
    ids = Counter(op_id for _, op_id, _, _ in log)
    counters = Counter((dev, seq) for _, _, dev, seq in log)
    twice = [op for op, n in ids.items() if n > 1]
    assert not twice, f"the server holds op {twice[0]} {ids[twice[0]]} times"
    again = [c for c, n in counters.items() if n > 1]
    assert not again, f"the server holds device counter {again[0]} twice"
    on_server = {op_id: seq for seq, op_id, _, _ in log}
    for device in org.devices:
        with device.ws.store.engine.connect() as conn:
            reasons = {r.op_id: r.message for r in conn.execute(select(conflicts))}
            held = conn.execute(
                select(op_log.c.op_id, op_log.c.server_seq).where(op_log.c.server_seq.is_not(None))
            ).all()
        reasons |= device.lost_inbox
        for op_id in device.made:
            if op_id in on_server:
                assert op_id not in reasons or device.lost_inbox.get(op_id), (
                    f"{device.name}'s op {op_id} is on the server and in its conflicts inbox"
                )
            else:
                assert reasons.get(op_id), (
                    f"{device.name}'s op {op_id} is neither on the server nor in its "
                    "conflicts inbox: lost"
                )
        seqs = Counter(seq for _, seq in held)
        assert all(n == 1 for n in seqs.values()), f"{device.name} holds a server op twice"
        for op_id, seq in held:
            assert on_server.get(op_id) == seq, (
                f"{device.name} holds op {op_id} at server seq {seq}, the server at "
                f"{on_server.get(op_id)}"
            )
        if not device.reader:
            assert len(held) == len(log), (
                f"{device.name} holds {len(held)} confirmed ops, the server {len(log)}"
            )
    return len(log)


def check_ledger(org: Org) -> None:
    gp = org.staff()[0]
    with gp.ws.store.engine.connect() as conn:
        store = SqlProjection(conn, org.org_id)
        funds = [f["fund_id"] for f in store.rows("funds", {})]
        for call in store.rows("capital_calls", {}):
            shares = store.rows("call_allocations", {"call_id": call["call_id"]})
            total = sum((Decimal(s["amount"]) for s in shares), Decimal(0))
            assert total == Decimal(call["amount"]), (
                f"call {call['call_id']} of {call['amount']} is allocated {total}"
            )
            for share in shares:
                paid = sum(
                    (
                        Decimal(p["amount"])
                        for p in store.rows(
                            "payments", {"call_id": call["call_id"], "lp_id": share["lp_id"]}
                        )
                    ),
                    Decimal(0),
                )
                assert paid == Decimal(share["paid"]), "a share's paid differs from its payments"
                assert Decimal(0) <= paid <= Decimal(share["amount"]), (
                    f"LP {share['lp_id']} paid {paid} of a share of {share['amount']}"
                )
                if paid:
                    assert call["status"] == "issued", "a payment against a call not issued"
        for dist in store.rows("distributions", {}):
            shares = store.rows(
                "distribution_allocations", {"distribution_id": dist["distribution_id"]}
            )
            parts = [Decimal(s["amount"]) + Decimal(s["carry"] or 0) for s in shares]
            assert sum(parts, Decimal(0)) == Decimal(dist["amount"]), (
                f"distribution {dist['distribution_id']} of {dist['amount']} is shared "
                f"{sum(parts, Decimal(0))}"
            )
            carry = sum((Decimal(s["carry"] or 0) for s in shares), Decimal(0))
            if dist["basis"] == "waterfall":
                assert carry == Decimal(dist["carried_interest"]), (
                    f"distribution {dist['distribution_id']} records carry "
                    f"{dist['carried_interest']}, its shares {carry}"
                )
            for s in shares:
                assert Decimal(s["amount"]) >= 0, "a negative distribution share"
                assert Decimal(s["carry"] or 0) >= 0, "a negative carry"
        for fund in funds:
            for lp, position in positions_as_of(
                store, fund, None, with_nav=False
            ).positions.items():
                assert position.called <= position.commitment + position.recallable, (
                    f"LP {lp} is called {position.called} on a commitment of "
                    f"{position.commitment} (+{position.recallable} recallable)"
                )
                assert position.paid_in <= position.called, (
                    f"LP {lp} paid in {position.paid_in}, more than called {position.called}"
                )


def check_views(orgs: list[Org]) -> int:
    """The views' checks; the number of deals found withdrawn from counsel."""
    withdrawn = 0
    for org in orgs:
        gp = org.staff()[0]
        for device in org.devices:
            others = union_all(
                *(
                    select(literal(t.name).label("name")).where(t.c.org_id != org.org_id)
                    for t in PROJECTION_TABLES
                )
            )
            with device.ws.store.engine.connect() as conn:
                foreign = conn.execute(others.limit(1)).scalar()
            assert foreign is None, f"{device.name} holds a {foreign} row of another org"
            with device.ws.store.engine.connect() as conn:
                logged = {
                    json.loads(raw)["org_id"]
                    for raw in conn.execute(select(op_log.c.envelope)).scalars()
                }
            # (Counsel whose every deal was withdrawn holds no op at all.)
            assert logged <= {org.org_id}, f"{device.name} holds an op of another org"
            if not device.reader:
                continue
            scope = org.readers[device.name]
            if device.role == "lp":
                _check_lp(device, gp, scope)
            else:
                withdrawn += _check_counsel(device, gp)
    return withdrawn


_LP_TABLES = ("commitments", "call_allocations", "payments", "distribution_allocations")


def _check_lp(device: Device, gp: Device, lp: str) -> None:
    assert set(rows_of(device.ws, "lps")) <= {lp}, f"{device.name} holds another LP"
    assert not rows_of(device.ws, "deals"), f"{device.name} holds a deal"
    for table in _LP_TABLES:
        theirs = [r for r in _rows(device, table)]
        assert all(r["lp_id"] == lp for r in theirs), f"{device.name} holds another LP's {table}"
    # Who was invited, granted or refused a role, and which devices were enrolled or
    # revoked, is the organization's business: an LP's replica holds its own officer only.
    users = {r["user_id"] for r in _rows(device, "users")}
    assert users <= {device.user_id}, f"{device.name} holds another user"
    members = {r["user_id"] for r in _rows(device, "memberships")}
    assert members <= {device.user_id}, f"{device.name} holds another user's roles"
    assert not _rows(device, "devices"), f"{device.name} holds a device"
    for op_id, (kind, entity, _) in _ops(device).items():
        if kind in ("user.invite", "role.grant", "role.revoke"):
            assert entity == device.user_id, f"{device.name} holds {kind} {op_id} of another"
        assert not kind.startswith("device."), f"{device.name} holds {kind} {op_id}"
    mine = sorted((r["fund_id"], r["amount"]) for r in _rows(device, "commitments"))
    gps = sorted((r["fund_id"], r["amount"]) for r in _rows(gp, "commitments") if r["lp_id"] == lp)
    assert mine == gps, f"{device.name}'s commitments differ from the GP's for its LP"
    issued = {c for c, r in rows_of(gp.ws, "capital_calls").items() if r["status"] == "issued"}
    mine = sorted((r["call_id"], r["amount"], r["paid"]) for r in _rows(device, "call_allocations"))
    gps = sorted(
        (r["call_id"], r["amount"], r["paid"])
        for r in _rows(gp, "call_allocations")
        if r["lp_id"] == lp and r["call_id"] in issued
    )
    assert mine == gps, f"{device.name}'s call shares differ from the GP's for its LP"


_DEAL_KINDS = frozenset({"deal.create", "deal.update", "deal.transition", "approval.record"})


def _check_counsel(device: Device, gp: Device) -> int:
    """Counsel's replica keeps the ops of its deals (it reduces no deal rows: a deal
    reader reads the deal's ops and documents) and nothing of any LP's position; of a deal
    whose grant the admin withdrew (and did not make again), nothing at all. The number
    of such deals."""
    grants = rows_of(gp.ws, "entitlements", user_id=device.user_id).values()
    granted = {r["scope_id"] for r in grants if r["scope_type"] == "deal" and r["active"]}
    withdrawn = {r["scope_id"] for r in grants if r["scope_type"] == "deal"} - granted
    held = _ops(device)
    for op_id, (kind, entity, payload) in held.items():
        deal = entity if kind in _DEAL_KINDS else payload.get("deal_id")
        assert deal not in withdrawn, (
            f"{device.name} still holds {kind} {op_id} of a deal withdrawn from it"
        )
    kept = [r for r in _rows(device, "documents") if r["deal_id"] in withdrawn]
    assert not kept, f"{device.name} still holds a document of a deal withdrawn from it"
    assert not any(r["deal_id"] in withdrawn for r in _rows(device, "deals")), (
        f"{device.name} still holds a deal withdrawn from it"
    )
    for op_id, (kind, entity, payload) in held.items():
        if kind in _DEAL_KINDS:
            assert entity in granted, f"{device.name} holds {kind} of a deal not granted to it"
        elif kind == "document.add":
            assert payload.get("deal_id") in granted, f"{device.name} holds another document"
        else:
            assert not kind.startswith(("lp.", "commitment.", "capital_call.", "distribution.")), (
                f"{device.name} holds {kind} {op_id}"
            )
    theirs = {
        op_id
        for op_id, (kind, entity, payload) in _ops(gp).items()
        if (kind in _DEAL_KINDS and entity in granted)
        or (kind == "document.add" and payload.get("deal_id") in granted)
    }
    mine = {op_id for op_id, (kind, _, _) in held.items() if kind in _DEAL_KINDS | {"document.add"}}
    gp_ops = _ops(gp)
    assert mine == theirs, (
        f"{device.name} holds {len(mine)} ops of its deals, the GP {len(theirs)}; missing "
        f"{sorted(gp_ops[o][0] + ' ' + json.dumps(gp_ops[o][2]) for o in theirs - mine)}"
    )
    for table in ("lps", *_LP_TABLES, "capital_calls", "distributions"):
        assert not _rows(device, table), f"{device.name} holds {table}"
    return len(withdrawn)


def _ops(device: Device) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """The ops the server confirmed that the device holds: kind, entity, payload."""
    t = op_log.c
    with device.ws.store.engine.connect() as conn:
        rows = conn.execute(
            select(t.op_id, t.kind, t.entity_id, t.envelope).where(t.server_seq.is_not(None))
        )
        return {
            r.op_id: (r.kind, r.entity_id, json.loads(r.envelope).get("payload") or {})
            for r in rows
        }


def _rows(device: Device, table: str) -> list[dict[str, Any]]:
    t = next(t for t in PROJECTION_TABLES if t.name == table)
    with device.ws.store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(t))]


def check_proof(owner_url: str, orgs: list[Org], rebuilt: list[Device]) -> None:
    engine = owner_engine(owner_url)
    try:
        for org in orgs:
            report = verify_log(engine, org.org_id)
            assert report.ok, report.summary()
    finally:
        engine.dispose()
    for org in orgs:
        for device in org.devices:
            verdict = device.ws.verify_audit()
            assert verdict.ok, f"{device.name}: {verdict.summary()}"
    # A rebuild replays a whole log, every signature checked again: a tenth of a second a
    # replica, so each seed rebuilds the few it chose (the server's log is verified whole).
    for device in rebuilt:
        before = device.ws.digest()
        assert device.ws.rebuild() == before, f"{device.name}: a rebuild changes its state"


def check_all(
    server: LiveServer, owner_url: str, orgs: list[Org], rebuilt: list[Device]
) -> dict[str, int]:
    ops = 0
    for org in orgs:
        check_convergence(server, org)
        ops += check_accounting(owner_url, org)
        check_ledger(org)
    withdrawn = check_views(orgs)
    check_proof(owner_url, orgs, rebuilt)
    return {"ops": ops, "withdrawn": withdrawn}
