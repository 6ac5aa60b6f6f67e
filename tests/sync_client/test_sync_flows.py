"""The sync client against the real server on a socket, over the session's Postgres.

Harbor Point Capital lives on the firm's server. Maria (GP and admin) works on a laptop
and on her office desktop; both write offline and sync in any order. An LP signs in with a
magic link and holds only its own, server-signed view.
"""

from __future__ import annotations

import email
import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from fund_setup import drafted_call
from live_server import LiveServer, create_org

from core.commands.workspace import Workspace
from core.ids import new_id
from core.keys import KEYRING_FILE_ENV
from core.onboarding import enroll_device, join_as_reader
from core.redaction import verify_redacted
from core.sync import conflicts as inbox
from core.sync.client import SyncClient
from core.sync.engine import SyncEngine
from core.sync.replica import view_digest

PASSWORD = "correct horse battery staple"


@pytest.fixture
def server(live_server: LiveServer) -> LiveServer:
    return live_server


@pytest.fixture
def maria(server: LiveServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    monkeypatch.setenv(KEYRING_FILE_ENV, str(tmp_path / "keyring.json"))
    address = f"maria+{new_id()[-12:]}@harborpoint.example"
    create_org(server.settings, name="Harbor Point Capital", email=address, password=PASSWORD)
    return address


def _device(server: LiveServer, maria: str, folder: Path, name: str) -> Workspace:
    ws, _ = enroll_device(
        folder, server=server.url, email=maria, password=PASSWORD, device_name=name
    )
    return ws


def _sync(ws: Workspace, server: LiveServer) -> Any:
    token = ws.keys.secret(f"session:{ws.device_id}")
    client = SyncClient(server.url, token=token)
    try:
        return SyncEngine(ws, client).run_once()
    finally:
        client.close()


def _server_digest(ws: Workspace, server: LiveServer) -> str:
    client = SyncClient(server.url, token=ws.keys.secret(f"session:{ws.device_id}"))
    try:
        return client.state().digest
    finally:
        client.close()


def test_two_devices_write_offline_and_converge(
    server: LiveServer, maria: str, tmp_path: Path
) -> None:
    laptop = _device(server, maria, tmp_path / "laptop", "laptop")
    desk = _device(server, maria, tmp_path / "desk", "desk")
    _sync(laptop, server)  # learns the desk's enrollment
    deal = new_id()
    laptop.submit_wire(
        "deal.create", entity_id=deal, payload={"name": "Riverside Commons", "currency": "USD"}
    )
    _sync(laptop, server)
    _sync(desk, server)
    # Offline, both change the same deal and add their own records.
    laptop.submit_wire(
        "deal.update",
        entity_id=deal,
        base_version=1,
        payload={"fields": {"sponsor": {"value": "Crescent Ridge Partners"}}},
    )
    fund = new_id()
    laptop.submit_wire("fund.create", entity_id=fund, payload={"name": "Fund I", "currency": "USD"})
    desk.submit_wire(
        "deal.update",
        entity_id=deal,
        base_version=1,
        payload={
            "fields": {
                "sponsor": {"value": "Bluewater Development"},
                "city": {"value": "Austin, TX"},
            }
        },
    )
    desk.submit_wire(
        "lp.create", entity_id=new_id(), payload={"name": "Acme Pension", "lp_type": "institution"}
    )
    assert laptop.digest() != desk.digest()
    first = _sync(desk, server)
    second = _sync(laptop, server)
    third = _sync(desk, server)
    assert (first.accepted, second.accepted) == (2, 2)
    assert second.rebased  # the desk's ops landed between the laptop's in server order
    assert third.pulled >= 2
    assert laptop.digest() == desk.digest() == _server_digest(laptop, server)
    # Later server order wins per field; the other value stays in history.
    sponsor = _field(laptop, deal, "sponsor")
    assert sponsor == "Crescent Ridge Partners"
    assert _field(laptop, deal, "city") == "Austin, TX"
    assert laptop.rebuild() == laptop.digest()


def _field(ws: Workspace, deal_id: str, name: str) -> str | None:
    from sqlalchemy import select

    from core.store.schema import deal_fields

    with ws.store.transaction() as conn:
        return conn.execute(
            select(deal_fields.c.value).where(
                deal_fields.c.deal_id == deal_id, deal_fields.c.field == name
            )
        ).scalar()


def test_a_stale_payment_lands_in_the_inbox_and_is_reapplied(
    server: LiveServer, maria: str, tmp_path: Path
) -> None:
    laptop = _device(server, maria, tmp_path / "laptop", "laptop")
    desk = _device(server, maria, tmp_path / "desk", "desk")
    _, lp, call = drafted_call(laptop, amount="300000.00")
    laptop.submit_wire("capital_call.issue", entity_id=call, base_version=1, payload={})
    _sync(laptop, server)
    _sync(desk, server)

    def pay(ws: Workspace, amount: str) -> None:
        ws.submit_wire(
            "capital_call.payment",
            entity_id=call,
            base_version=2,
            payload={
                "payment_id": new_id(),
                "lp_id": lp,
                "amount": amount,
                "currency": "USD",
                "paid_on": "2026-03-20",
            },
        )

    pay(desk, "100000.00")
    pay(laptop, "50000.00")  # written against version 2 too: stale once the desk syncs
    _sync(desk, server)
    report = _sync(laptop, server)
    assert report.rejected == 1
    (conflict,) = inbox.list_conflicts(laptop)
    assert conflict.code == "version_conflict"
    assert conflict.details == {"current_version": 3}
    assert conflict.server_value is not None
    assert conflict.server_value["version"] == 3
    assert laptop.digest() == _server_digest(laptop, server)  # the rejected op is undone
    inbox.reapply(laptop, conflict.op_id)
    again = _sync(laptop, server)
    assert again.accepted == 1
    assert inbox.list_conflicts(laptop) == []
    _sync(desk, server)
    paid = _paid(laptop, call, lp)
    assert paid == "150000.00"
    assert laptop.digest() == desk.digest() == _server_digest(desk, server)


def _paid(ws: Workspace, call_id: str, lp_id: str) -> str:
    from sqlalchemy import select

    from core.store.schema import call_allocations

    with ws.store.transaction() as conn:
        return str(
            conn.execute(
                select(call_allocations.c.paid).where(
                    call_allocations.c.call_id == call_id, call_allocations.c.lp_id == lp_id
                )
            ).scalar()
        )


def test_a_replayed_push_is_a_duplicate_and_changes_nothing(
    server: LiveServer, maria: str, tmp_path: Path
) -> None:
    laptop = _device(server, maria, tmp_path / "laptop", "laptop")
    laptop.submit_wire("fund.create", entity_id=new_id(), payload={"name": "F", "currency": "USD"})
    _sync(laptop, server)
    before = _server_digest(laptop, server)
    from sqlalchemy import insert, select, update

    from core.store.local_schema import op_log, outbox

    with laptop.store.transaction() as conn:  # as if the answer to the push was lost
        local_seq, op_id = conn.execute(
            select(op_log.c.local_seq, op_log.c.op_id).order_by(op_log.c.local_seq.desc())
        ).first()
        conn.execute(
            update(op_log).where(op_log.c.op_id == op_id).values(status="pending", server_seq=None)
        )
        conn.execute(insert(outbox).values(op_id=op_id, local_seq=local_seq))
    report = _sync(laptop, server)
    assert (report.duplicates, report.accepted, report.rejected) == (1, 0, 0)
    assert _server_digest(laptop, server) == before == laptop.digest()


def _token(folder: Path, to: str) -> str:
    for _ in range(200):
        for path in sorted(folder.glob("*.eml")) if folder.exists() else []:
            msg = email.message_from_bytes(path.read_bytes())
            body = msg.get_payload(decode=True)
            if msg["To"] == to and isinstance(body, bytes):
                match = re.search(r"#token=([A-Za-z0-9_-]+)", body.decode())
                if match:
                    return match.group(1)
        time.sleep(0.05)
    raise AssertionError(f"no sign-in link mailed to {to}")


def test_an_lp_replica_holds_only_its_own_signed_view(
    server: LiveServer, maria: str, tmp_path: Path
) -> None:
    gp = _device(server, maria, tmp_path / "gp", "gp laptop")
    fund, call = new_id(), new_id()
    gp.submit_wire("fund.create", entity_id=fund, payload={"name": "Fund I", "currency": "USD"})
    lps = {}
    for name, amount in (
        ("Acme Pension", "1000000.00"),
        ("Bayview Endowment", "3000000.00"),
        ("Cobalt Family Office", "6000000.00"),
    ):
        lp = new_id()
        gp.submit_wire("lp.create", entity_id=lp, payload={"name": name, "lp_type": "institution"})
        gp.submit_wire(
            "commitment.create",
            entity_id=new_id(),
            payload={
                "fund_id": fund,
                "lp_id": lp,
                "amount": amount,
                "currency": "USD",
                "committed_on": "2026-01-15",
            },
        )
        lps[name] = lp
    gp.submit_wire(
        "capital_call.create",
        entity_id=call,
        payload={
            "fund_id": fund,
            "amount": "2000000.00",
            "currency": "USD",
            "basis": "commitment",
            "call_date": "2026-03-01",
            "due_date": "2026-03-31",
        },
    )
    gp.submit_wire("capital_call.issue", entity_id=call, base_version=1, payload={})
    investor = f"ir+{new_id()[-12:]}@acme.example"
    lp_user = new_id()
    gp.submit_wire(
        "user.invite",
        entity_id=lp_user,
        payload={"email": investor, "display_name": "Acme IR", "roles": ["lp"]},
    )
    gp.submit_wire(
        "entitlement.grant",
        entity_id=new_id(),
        payload={"user_id": lp_user, "scope_type": "lp", "scope_id": lps["Acme Pension"]},
    )
    _sync(gp, server)

    client = SyncClient(server.url)
    client.request_magic_link(investor)
    client.close()
    token = _token(server.settings.mail_drop_dir, investor)
    reader, report = join_as_reader(tmp_path / "lp", server=server.url, token=token)
    assert report.pulled > 0
    # An LP gets no snapshot (403): its replica pulls its redacted view and, knowing the
    # answer, does not ask again.
    assert report.snapshot is None
    with reader.store.transaction() as conn:
        assert reader.store.meta(conn, "no_snapshot") == "1"
    assert view_digest(reader) == _server_digest(reader, server)
    from sqlalchemy import select

    from core.store.local_schema import op_log

    with reader.store.transaction() as conn:
        held = conn.execute(select(op_log.c.status, op_log.c.envelope)).all()
    assert {status for status, _ in held} == {"redacted"}
    text = " ".join(raw.decode() for _, raw in held)
    for secret in (
        "Bayview",
        "Cobalt",
        lps["Bayview Endowment"],
        lps["Cobalt Family Office"],
        "3000000.00",
        "6000000.00",
        "2000000.00",
    ):
        assert secret not in text
    call_op = next(
        json.loads(raw) for _, raw in held if json.loads(raw)["kind"] == "capital_call.issue"
    )
    assert call_op["payload"]["allocations"] == {lps["Acme Pension"]: "200000.00"}
    # Kept as served: no counter of the others' ops, and still the server's signature.
    with reader.store.transaction() as conn:
        key = reader.store.meta(conn, "server_public_key")
    assert key is not None
    for _, raw in held:
        kept = json.loads(raw)
        assert (kept["device_seq"], kept["base_version"]) == (None, None)
        assert verify_redacted(kept, key)
    # Read-only: the replica's own key is enrolled nowhere, so it can author nothing.
    with pytest.raises(Exception, match="not enrolled"):
        reader.submit_wire(
            "fund.create", entity_id=new_id(), payload={"name": "x", "currency": "USD"}
        )


def test_a_stale_call_issue_lands_in_the_inbox_and_is_discarded_with_a_note(
    server: LiveServer, maria: str, tmp_path: Path
) -> None:
    laptop = _device(server, maria, tmp_path / "laptop", "laptop")
    desk = _device(server, maria, tmp_path / "desk", "desk")
    _, lp, call = drafted_call(laptop, amount="300000.00")
    _sync(laptop, server)
    _sync(desk, server)
    desk.submit_wire(
        "capital_call.issue",
        entity_id=call,
        base_version=1,
        payload={"note": "issued from the office"},
    )
    desk.submit_wire(
        "capital_call.payment",
        entity_id=call,
        base_version=2,
        payload={
            "payment_id": new_id(),
            "lp_id": lp,
            "amount": "300000.00",
            "currency": "USD",
            "paid_on": "2026-03-05",
        },
    )
    laptop.submit_wire(
        "capital_call.issue",
        entity_id=call,
        base_version=1,
        payload={"note": "issued on the plane"},
    )
    _sync(desk, server)
    report = _sync(laptop, server)
    assert report.rejected == 1
    (conflict,) = inbox.list_conflicts(laptop)
    assert (conflict.kind, conflict.code) == ("capital_call.issue", "version_conflict")
    assert conflict.details == {"current_version": 3}
    assert conflict.server_value is not None
    assert conflict.server_value["row"]["status"] == "issued"
    inbox.discard(laptop, conflict.op_id, note="already issued from the office")
    assert inbox.list_conflicts(laptop) == []
    assert laptop.verify_audit().ok
    assert laptop.digest() == desk.digest() == _server_digest(laptop, server)
