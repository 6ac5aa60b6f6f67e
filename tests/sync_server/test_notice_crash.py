"""kill -9 of the server while it emails a notice, and a second server on the same
database picking up: still at most one email per LP.

Harbor Fund I calls $600,000.00 from Pension Fund, Lakeside and Northgate. The server
(``python -m sync_server serve``, a process of its own) sends Pension's email, then the
mail server holds the conversation with Lakeside's — before the message was handed over
(at the recipient), or after (the message taken, the 250 not yet said) — and the server
is killed there. A second server, in this process, finds Lakeside's row still claimed by
the dead one once its lease runs out. Not handed over: it is sent again, once. Handed
over: it may have arrived (here it did), so it is failed with that reason, never resent.
Northgate's goes out once either way.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
from live_server import LiveServer, settings_for
from notice_world import deliveries, fund_with_lps, outbox_rows, settled
from pg_fixture import PgDatabase
from scenario import Org, ServerWorld
from server_process import free_port, start_server, wait_ready
from smtp_inbox import Inbox
from sqlalchemy import Engine

from sync_server.notifications.sender import MAYBE_DELIVERED
from sync_server.settings import Settings

pytestmark = pytest.mark.slow

THREE = {
    "Pension Fund of Harbor County": "1000000.00",
    "Lakeside Family Office": "2000000.00",
    "Northgate Endowment": "3000000.00",
}
LEASE = "2"


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    box = Inbox(free_port())
    box.start()
    yield box
    box.stop()


@pytest.mark.parametrize("held_at", ["recipient", "data"])
async def test_a_server_killed_mid_send_never_sends_an_email_twice(
    held_at: str,
    pg_database: PgDatabase,
    base_settings: Settings,
    owner: Engine,
    inbox: Inbox,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in {
        "DEALOS_SMTP_HOST": "127.0.0.1",
        "DEALOS_SMTP_PORT": str(inbox.port),
        "DEALOS_SMTP_SECURITY": "none",
        "DEALOS_NOTICE_POLL_SECONDS": "0.1",
        "DEALOS_NOTICE_LEASE_SECONDS": LEASE,
        "DEALOS_PUBLIC_URL": "https://investors.harborpoint.example",
    }.items():
        monkeypatch.setenv(name, value)
    port = free_port()
    first = start_server(pg_database, base_settings, port, tmp_path)
    second: LiveServer | None = None
    try:
        base = f"http://127.0.0.1:{port}"
        await wait_ready(base)
        async with aiohttp.ClientSession(base_url=base) as http:
            world = ServerWorld(http, owner, base_settings)  # type: ignore[arg-type]
            org: Org = await world.new_org("Harbor Point Capital")
            fund = await fund_with_lps(org, THREE)
            lakeside = fund.emails["Lakeside Family Office"]
            if held_at == "recipient":
                inbox.behaviour.hold_rcpt = lakeside
            else:
                inbox.behaviour.hold_data = lakeside
            call = await fund.call("600000.00")
            await fund.issue(call)
            for _ in range(300):
                if inbox.held.is_set():
                    break
                await asyncio.sleep(0.05)
            assert inbox.held.is_set(), "the server never reached Lakeside's email"
            os.kill(first.pid, signal.SIGKILL)
            first.wait(timeout=10)
            inbox.release.set()
            [claimed] = [r for r in outbox_rows(org, call) if r["recipient"] == lakeside]
            assert claimed["status"] == "sending"
            assert (claimed["handed_over_at"] is not None) is (held_at == "data")

        later = free_port()
        settings = settings_for(pg_database, tmp_path / "second", later).with_(
            secret_file=base_settings.secret_file,
            smtp_host="127.0.0.1",
            smtp_port=inbox.port,
            smtp_starttls=False,
            notice_poll_seconds=0.1,
            notice_lease_seconds=float(LEASE),
        )
        second = LiveServer(settings, later)
        second.start()
        rows = await settled(org, call, 3, timeout=30)
        await asyncio.sleep(0.5)
        counts = inbox.count_by_recipient()
        assert [counts[address] for address in fund.emails.values()] == [1, 1, 1]
        status = {r["recipient"]: (r["status"], r["attempts"], r["last_error"]) for r in rows}
        if held_at == "recipient":
            assert status[lakeside] == ("sent", 2, None)
        else:
            assert status[lakeside] == ("failed", 1, MAYBE_DELIVERED)
        for name in ("Pension Fund of Harbor County", "Northgate Endowment"):
            assert status[fund.emails[name]] == ("sent", 1, None)

        async with aiohttp.ClientSession(base_url=second.url) as http:
            org.world = ServerWorld(http, owner, base_settings)  # type: ignore[arg-type]
            org.founder = await org.login(org.founder.email)
            answer = await (await deliveries(org, call_id=call)).json()
        [shown] = [d for d in answer["deliveries"] if d["recipient"] == lakeside]
        assert shown["status"] == status[lakeside][0]
        logged = b"".join(p.read_bytes() for p in tmp_path.glob("server-*.log"))
        assert b"notice.sent" in logged
        for name, address in fund.emails.items():
            assert address.encode() not in logged
            assert name.encode() not in logged
    finally:
        if first.poll() is None:
            first.kill()
            first.wait(timeout=10)
        if second is not None:
            second.close()
