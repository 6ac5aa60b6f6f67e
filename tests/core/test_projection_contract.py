"""MemoryProjection and SqlProjection keep each other honest: same ops, same rows, same digest.

A year at Harbor Point Capital touches every projection table — people come and go,
devices are revoked, deal fields are extracted, corrected and cleared, LP contacts
replaced, a yen fund called, a deal closed into Fund I, entitlements withdrawn. The same
signed ops replayed into a real SQLite file must give the same rows and state digest; and
the ops a real workspace logged, replayed in memory, the same again.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from fixtures_org import EUROPEAN_TERMS, OrgBuilder, document_payload

from core.commands.workspace import Workspace
from core.ids import new_id
from core.keys import FileKeyring, KeyStore
from core.ops.envelope import Envelope
from core.reducers.apply import apply_op
from core.store.digest import digest_of, sql_state_digest
from core.store.local import LocalStore
from core.store.memory import MemoryProjection
from core.store.schema import PROJECTION_TABLES
from core.store.sql_projection import SqlProjection


def _year_at_harbor_point(org: OrgBuilder) -> None:
    sam = org.user("gp_analyst", "lender", name="sam")
    org.submit_wire("role.revoke", {"role": "lender"}, entity_id=sam.user_id)
    org.submit_wire("role.grant", {"role": "auditor"}, entity_id=sam.user_id)
    temp = org.user("gp")
    org.submit_wire("device.revoke", {"reason": "left the firm"}, entity_id=temp.device_id)
    fund_id, (pension, family) = org.fund_with_lps("6000000.00", "4000000.00")
    org.submit_wire("fund.create", {"name": "No vintage", "currency": "EUR"})
    yen, (tokyo,) = org.fund_with_lps("900000000", currency="JPY")
    contact = {
        "contact_id": new_id(),
        "name": "Ana Ruiz",
        "email": "Ana@Pension.example",
        "phone": "+1 512 555 0100",
        "title": "CIO",
    }
    org.submit_wire("lp.update", {"contacts": [contact]}, entity_id=pension)
    org.submit_wire(
        "lp.update",
        {
            "name": "State Pension",
            "contacts": [
                {**contact, "title": None},
                {"contact_id": new_id(), "name": "Bo", "email": "b@p.example"},
            ],
        },
        entity_id=pension,
    )
    deal_id = org.deal(by=sam)
    doc_id = org.submit_wire("document.add", document_payload(deal_id), by=sam)
    org.submit_wire(
        "document.add",
        {**document_payload(deal_id), "deal_id": None, "fund_id": fund_id, "title": None},
    )
    org.submit_wire(
        "deal.update",
        {
            "name": "Riverside Apartments",
            "fields": {
                "asking_price": {
                    "value": "12500000",
                    "provenance": "extracted",
                    "source_document_id": doc_id,
                    "source_page": 3,
                },
                "cap_rate": {"value": "6.25"},
                "units": {"value": "184"},
                "owner_id": {"value": sam.user_id},
                "city": {"value": "Austin"},
            },
        },
        entity_id=deal_id,
        by=sam,
    )
    org.submit_wire(
        "deal.update",
        {
            "fields": {
                "asking_price": {
                    "value": "12250000.00",
                    "provenance": "confirmed",
                    "source_document_id": doc_id,
                },
                "city": {"value": None},
            }
        },
        entity_id=deal_id,
        by=sam,
        base_version=2,
    )
    org.move(deal_id, "screening", "underwriting", "ic_review", by=sam)
    org.vote(deal_id, "reject")
    org.move(deal_id, "underwriting", "ic_review")
    org.vote(deal_id, "abstain")
    org.vote(deal_id, "approve")
    org.move(deal_id, "approved", "closing")
    lawyer = org.counsel(deal_id)
    org.vote(deal_id, kind="legal_signoff", by=lawyer)
    org.move(deal_id, "closed", fund_id=fund_id)
    investor = org.user("lp")
    grant = org.entitle(investor, "lp", family)
    org.submit_wire("entitlement.revoke", {"reason": "redeemed"}, entity_id=grant)
    org.entitle(investor, "fund", fund_id)
    call_id = org.call(fund_id, "1000000.01", deal_id=deal_id, purpose="Riverside equity")
    org.issue(call_id)
    org.pay(call_id, pension, "600000.00")
    org.pay(call_id, family, "100000.00")
    second = org.call(fund_id, "500000.00", basis="unfunded", excluded_lp_ids=[pension])
    org.call(yen, "90000000", currency="JPY")
    dist_id = org.distribution(fund_id, "70000.07")
    org.issue(dist_id)
    org.distribution(fund_id, "1000.00", basis="commitment")
    org.issue(second)
    instructions = {
        "bank_name": "First Harbor Bank",
        "account_name": "Harbor Point Fund I",
        "account_number": "00012345678",
        "routing": "021000021",
    }
    org.submit_wire("fund.update", {"payment_instructions": instructions}, entity_id=fund_id)
    terms = {
        **EUROPEAN_TERMS,
        "gp_commitment_lp_id": family,
        "gp_commitment_bears_carry": False,
    }
    org.submit_wire("fund.terms.set", terms, entity_id=fund_id)
    org.submit_wire(
        "fund.nav.record",
        {"valuation_id": new_id(), "as_of": "2026-09-30", "nav": "1250000.00", "currency": "USD"},
        entity_id=fund_id,
    )
    org.distribution(fund_id, "900000.00", basis="waterfall")
    assert tokyo


def _replay_into_sqlite(envelopes: list[Envelope], founder_key: Any, path: Path) -> Workspace:
    genesis = envelopes[0]
    keys = KeyStore(FileKeyring(path / "keyring.json"))
    keys.save_device_key(genesis.device_id, founder_key)
    store = LocalStore.open(path / "replica", create=True)
    ws = Workspace(
        store, keys, org_id=genesis.org_id, device_id=genesis.device_id, user_id=genesis.actor_id
    )
    ws.apply_signed(envelopes[:1])
    ws.apply_signed(envelopes[1:])
    return ws


def _memory_digest(memory: MemoryProjection) -> str:
    dump = memory.dump()
    return digest_of((t.name, dump[t.name]) for t in PROJECTION_TABLES)


def _sql_rows(ws: Workspace) -> dict[str, list[dict[str, Any]]]:
    with ws.store.transaction() as conn:
        sql = SqlProjection(conn, ws.org_id)
        return {t.name: sql.rows(t.name, {}) for t in PROJECTION_TABLES}


def test_the_same_ops_give_the_same_rows_and_digest(tmp_path: Path) -> None:
    org = OrgBuilder.in_memory()
    _year_at_harbor_point(org)
    memory = org.sink.store  # type: ignore[union-attr]
    ws = _replay_into_sqlite(org.accepted, org.founder.key, tmp_path)
    dump = memory.dump()
    sql_rows = _sql_rows(ws)
    for table in PROJECTION_TABLES:
        assert sql_rows[table.name] == dump[table.name], table.name
    assert all(dump[t.name] for t in PROJECTION_TABLES), "every table holds rows"
    with ws.store.transaction() as conn:
        assert sql_state_digest(conn, ws.org_id) == _memory_digest(memory)
    assert ws.digest() == _memory_digest(memory) == ws.rebuild()
    ws.close()


def test_a_workspaces_op_log_replays_to_the_same_digest_in_memory(workspace: Workspace) -> None:
    org = OrgBuilder.on_workspace(workspace)
    _year_at_harbor_point(org)
    workspace.submit_wire(
        "fund.create", entity_id=new_id(), payload={"name": "III", "currency": "USD"}
    )
    with sqlite3.connect(workspace.store.path) as raw:
        logged = [
            Envelope.model_validate(json.loads(env))
            for (env,) in raw.execute("SELECT envelope FROM op_log ORDER BY local_seq")
        ]
    memory = MemoryProjection(workspace.org_id)
    for envelope in logged:
        apply_op(memory, envelope)
    assert _memory_digest(memory) == workspace.digest()


def _both(tmp_path: Path) -> tuple[MemoryProjection, SqlProjection, Any]:
    store = LocalStore.open(tmp_path / "contract", create=True)
    conn = store.engine.connect()
    conn.begin()
    return MemoryProjection("org-1"), SqlProjection(conn, "org-1"), conn


ENTITLEMENTS = [
    {
        "entitlement_id": f"e{i}",
        "user_id": f"u{i % 2}",
        "scope_type": "deal",
        "scope_id": f"d{i}",
        "active": i != 2,
    }
    for i in (3, 1, 2, 0)
]


@pytest.mark.parametrize(
    ("table", "where"),
    [
        ("entitlements", {}),
        ("entitlements", {"user_id": "u1"}),
        ("entitlements", {"active": False}),
        ("entitlements", {"user_id": "u0", "active": True}),
        ("deals", {"fund_id": None}),
        ("deals", {}),
        ("users", {"email": "nobody@x.example"}),
    ],
)
def test_projection_reads_agree(tmp_path: Path, table: str, where: dict[str, Any]) -> None:
    memory, sql, conn = _both(tmp_path)
    for p in (memory, sql):
        for row in ENTITLEMENTS:
            p.insert("entitlements", row)
        for deal, fund in (("d2", "f1"), ("d1", None)):
            p.insert(
                "deals",
                {
                    "deal_id": deal,
                    "name": deal,
                    "stage": "draft",
                    "stage_version": 1,
                    "currency": "USD",
                    "fund_id": fund,
                    "created_by": "u0",
                },
            )
        p.update("entitlements", {"entitlement_id": "e1"}, {"active": False})
        p.delete("entitlements", {"entitlement_id": "e3"})
    assert sql.rows(table, where) == memory.rows(table, where)
    assert sql.get("entitlements", {"entitlement_id": "e1"}) == memory.get(
        "entitlements", {"entitlement_id": "e1"}
    )
    assert sql.get("entitlements", {"entitlement_id": "e3"}) is None
    assert memory.get("entitlements", {"entitlement_id": "e3"}) is None
    for p in (memory, sql):  # a None in a key means "is null" for writes too
        p.update("deals", {"fund_id": None}, {"name": "unassigned"})
    assert sql.rows("deals", {}) == memory.rows("deals", {})
    assert [d["name"] for d in memory.rows("deals", {})] == ["unassigned", "d2"]
    for p in (memory, sql):
        p.delete("deals", {"fund_id": None, "stage": "draft"})
    assert sql.rows("deals", {}) == memory.rows("deals", {})
    assert [d["deal_id"] for d in memory.rows("deals", {})] == ["d2"]
    conn.rollback()
    conn.close()
