"""An external reader's replica holds what the server shows it now, whenever it pulled.

What a reader is shown of an op is decided when it is pulled; a later op can change that
for ops already behind the reader's cursor. Found by the seeded sync simulation (seeds 102
and 128): Acme's officer synced while a draft call of Fund I was waiting, the GP deleted
the draft, and the officer's replica kept the fact of its creation, which the server no
longer shows, so its view never matched the server's again. Likewise Morgan (counsel)
synced before being granted a deal, and the memorandum added to that deal before the grant
never reached her laptop, though a new laptop of hers would have it.

Each reader's next round now compares its view with the server's and, when they differ,
pulls its whole view again, so it holds exactly what a new replica of the same reader holds.
"""

from __future__ import annotations

import email
import re
import time
from pathlib import Path

from live_server import LiveServer, create_org
from sqlalchemy import select

from core.commands.workspace import Workspace
from core.ids import new_id
from core.keys import FileKeyring, KeyStore
from core.onboarding import enroll_device, join_as_reader
from core.store.local_schema import op_log
from core.store.schema import documents
from core.sync.client import SyncClient
from core.sync.engine import SyncEngine, SyncReport
from core.sync.replica import view_digest

PASSWORD = "correct horse battery staple"


def _sync(ws: Workspace, server: LiveServer) -> SyncReport:
    client = SyncClient(server.url, token=ws.keys.secret(f"session:{ws.device_id}"))
    try:
        return SyncEngine(ws, client, files=False).run_once()
    finally:
        client.close()


def _server_view(ws: Workspace, server: LiveServer) -> str:
    client = SyncClient(server.url, token=ws.keys.secret(f"session:{ws.device_id}"))
    try:
        return client.state().digest
    finally:
        client.close()


def _reader(server: LiveServer, address: str, folder: Path, keys: KeyStore) -> Workspace:
    client = SyncClient(server.url)
    client.request_magic_link(address)
    client.close()
    mail = server.settings.mail_drop_dir
    assert mail is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for path in sorted(mail.glob("*.eml")):
            message = email.message_from_bytes(path.read_bytes())
            body = message.get_payload(decode=True)
            found = re.search(r"#token=([A-Za-z0-9_-]+)", body.decode() if body else "")
            if message["To"] == address and found:
                path.unlink()
                ws, _ = join_as_reader(folder, server=server.url, token=found.group(1), keys=keys)
                return ws
        time.sleep(0.05)
    raise AssertionError(f"no sign-in link mailed to {address}")


def _held(ws: Workspace) -> set[str]:
    with ws.store.engine.connect() as conn:
        return set(
            conn.execute(select(op_log.c.kind).where(op_log.c.status == "redacted")).scalars()
        )


def test_readers_hold_what_the_server_shows_them_now(
    live_server: LiveServer, tmp_path: Path
) -> None:
    keys = KeyStore(FileKeyring(tmp_path / "keyring.json"))
    maria = f"maria+{new_id()[-12:]}@harborpoint.example"
    create_org(live_server.settings, name="Harbor Point Capital", email=maria, password=PASSWORD)
    gp, _ = enroll_device(
        tmp_path / "gp",
        server=live_server.url,
        email=maria,
        password=PASSWORD,
        device_name="gp",
        keys=keys,
        snapshots=False,
    )
    fund, acme, deal, call = new_id(), new_id(), new_id(), new_id()
    gp.submit_wire("fund.create", entity_id=fund, payload={"name": "Fund I", "currency": "USD"})
    gp.submit_wire("lp.create", entity_id=acme, payload={"name": "Acme", "lp_type": "institution"})
    gp.submit_wire(
        "commitment.create",
        entity_id=new_id(),
        payload={
            "fund_id": fund,
            "lp_id": acme,
            "amount": "1000000.00",
            "currency": "USD",
            "committed_on": "2026-01-15",
        },
    )
    officer, counsel = f"ir+{new_id()[-8:]}@acme.example", f"morgan+{new_id()[-8:]}@law.example"
    lp_user, counsel_user = new_id(), new_id()
    for user, address, role in ((lp_user, officer, "lp"), (counsel_user, counsel, "counsel")):
        payload = {"email": address, "display_name": role.title(), "roles": [role]}
        gp.submit_wire("user.invite", entity_id=user, payload=payload)
    grant = {"user_id": lp_user, "scope_type": "lp", "scope_id": acme}
    gp.submit_wire("entitlement.grant", entity_id=new_id(), payload=grant)
    gp.submit_wire("deal.create", entity_id=deal, payload={"name": "Mill St", "currency": "USD"})
    memo = {
        "deal_id": deal,
        "filename": "memo.pdf",
        "media_type": "application/pdf",
        "size_bytes": 1200,
        "sha256": "ab" * 32,
    }
    gp.submit_wire("document.add", entity_id=new_id(), payload=memo)
    gp.submit_wire(
        "capital_call.create",
        entity_id=call,
        payload={
            "fund_id": fund,
            "amount": "100000.00",
            "currency": "USD",
            "basis": "commitment",
            "call_date": "2026-03-01",
            "due_date": "2026-03-31",
        },
    )
    _sync(gp, live_server)
    lp = _reader(live_server, officer, tmp_path / "acme", keys)
    morgan = _reader(live_server, counsel, tmp_path / "morgan", keys)
    assert "capital_call.create" in _held(lp)  # the draft's bare fact
    assert _held(morgan) == set()  # nothing granted yet

    gp.submit_wire(
        "capital_call.delete", entity_id=call, payload={"reason": "drafted twice"}, base_version=1
    )
    grant = {"user_id": counsel_user, "scope_type": "deal", "scope_id": deal}
    gp.submit_wire("entitlement.grant", entity_id=new_id(), payload=grant)
    _sync(gp, live_server)

    assert _sync(lp, live_server).reloaded
    assert "capital_call.create" not in _held(lp)
    assert _sync(morgan, live_server).reloaded
    assert {"deal.create", "document.add"} <= _held(morgan)
    with morgan.store.engine.connect() as conn:
        assert conn.execute(select(documents.c.filename)).scalars().all() == ["memo.pdf"]
    for reader in (lp, morgan):
        assert view_digest(reader) == _server_view(reader, live_server)
        assert not _sync(reader, live_server).reloaded  # in step now: no second reload
    fresh = _reader(live_server, counsel, tmp_path / "morgan-2", keys)
    assert fresh.digest() == morgan.digest()
