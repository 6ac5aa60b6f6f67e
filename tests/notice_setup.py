"""An issued capital call on a desktop enrolled with the real server, for the command line's
and the desktop's view of how its emails went: Harbor Fund I, Pension Fund (a contact to
write to) and Quiet Holdings (none), a $300,000.00 call issued and synced."""

from __future__ import annotations

import time
from pathlib import Path

from live_server import LiveServer, create_org

from core.commands.workspace import Workspace
from core.ids import new_id
from core.onboarding import enroll_device
from core.sync.client import SyncClient
from core.sync.engine import SyncEngine
from core.sync.notice_messages import NoticeDeliveries
from core.sync.notice_status import NoticeRef, fetch_deliveries

__all__ = ["PASSWORD", "enrolled_gp", "issue_call", "wait_settled"]

PASSWORD = "correct horse battery staple"


def enrolled_gp(server: LiveServer, folder: Path) -> Workspace:
    address = f"maria+{new_id()[-12:]}@harborpoint.example"
    create_org(server.settings, name="Harbor Point Capital", email=address, password=PASSWORD)
    ws, _ = enroll_device(
        folder, server=server.url, email=address, password=PASSWORD, device_name="laptop"
    )
    return ws


def issue_call(ws: Workspace, *, sync: bool = True) -> tuple[str, str]:
    """(call id, Pension Fund's contact address) of the issued call, synced if ``sync``."""
    fund, call = new_id(), new_id()
    address = f"officer+{new_id()[-10:]}@pension.example"
    ws.submit_wire(
        "fund.create", entity_id=fund, payload={"name": "Harbor Fund I", "currency": "USD"}
    )
    investors = (
        ("Pension Fund", [{"contact_id": new_id(), "name": "Officer", "email": address}]),
        ("Quiet Holdings", []),
    )
    for name, contacts in investors:
        lp = new_id()
        ws.submit_wire(
            "lp.create",
            entity_id=lp,
            payload={"name": name, "lp_type": "institution", "contacts": contacts},
        )
        ws.submit_wire(
            "commitment.create",
            entity_id=new_id(),
            payload={
                "fund_id": fund,
                "lp_id": lp,
                "amount": "1000000.00",
                "currency": "USD",
                "committed_on": "2026-01-15",
            },
        )
    ws.submit_wire(
        "capital_call.create",
        entity_id=call,
        payload={
            "fund_id": fund,
            "amount": "300000.00",
            "currency": "USD",
            "basis": "commitment",
            "call_date": "2026-03-01",
            "due_date": "2026-03-31",
        },
    )
    ws.submit_wire("capital_call.issue", entity_id=call, base_version=1, payload={})
    if not sync:
        return call, address
    client = SyncClient(ws_url(ws), token=ws.keys.secret(f"session:{ws.device_id}"))
    try:
        SyncEngine(ws, client).run_once()
    finally:
        client.close()
    return call, address


def ws_url(ws: Workspace) -> str:
    from core.sync.status import server_url

    url = server_url(ws)
    assert url
    return url


def wait_settled(ws: Workspace, call: str, timeout: float = 20.0) -> NoticeDeliveries:
    """The call's deliveries once none is waiting any more."""
    deadline = time.monotonic() + timeout
    while True:
        found = fetch_deliveries(ws, NoticeRef("capital_call", call))
        done = all(d.status in ("sent", "failed") for d in found.deliveries)
        if (found.deliveries and done) or time.monotonic() > deadline:
            return found
        time.sleep(0.1)
