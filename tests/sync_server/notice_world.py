"""Harbor Fund I and its LPs on a running server, for the notices-by-email tests: the
fund's bank details recorded (so a test can show no email carries them), LPs with contact
addresses, a capital call issued, and readers of the outbox and of the delivery status."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from scenario import Member, Org
from sqlalchemy import text

from core.ids import new_id

__all__ = ["BANK", "Fund", "deliveries", "fund_with_lps", "outbox_rows", "settled"]

BANK = {
    "bank_name": "First Harbor Bank",
    "account_name": "Harbor Fund I LP",
    "account_number": "00012345678",
    "swift": "FHBKUS33",
}


@dataclass
class Fund:
    org: Org
    fund_id: str
    lps: dict[str, str] = field(default_factory=dict)  # name → lp id
    emails: dict[str, str] = field(default_factory=dict)  # name → contact address

    async def call(self, amount: str) -> str:
        return await self.org.call(self.fund_id, amount)

    async def issue(self, call_id: str) -> Any:
        envelope = self.org.op("capital_call.issue", {}, entity_id=call_id)
        [result] = await self.org.push_ok(envelope)
        assert result["status"] == "accepted", result
        return envelope


async def fund_with_lps(org: Org, commitments: dict[str, str]) -> Fund:
    """A fund with wire instructions and one LP per name, each with its own contact."""
    fund = Fund(org, await org.fund())
    await org.submit_wire("fund.update", {"payment_instructions": BANK}, entity_id=fund.fund_id)
    for name, amount in commitments.items():
        slug = name.split()[0].lower()
        address = f"{slug}+{new_id()[-10:]}@{slug}.example"
        fund.lps[name] = await org.lp(name, address)
        fund.emails[name] = address
        await org.commit(fund.fund_id, fund.lps[name], amount)
    return fund


def outbox_rows(org: Org, notice_id: str) -> list[dict[str, Any]]:
    with org.world.owner.begin() as conn:
        rows = conn.execute(
            text(
                "SELECT lp_id, recipient, status, attempts, last_error, next_attempt_at, "
                "handed_over_at, sent_at FROM notice_outbox "
                "WHERE org_id = :org AND notice_id = :notice ORDER BY lp_id, recipient"
            ),
            {"org": org.org_id, "notice": notice_id},
        )
        return [dict(r._mapping) for r in rows]


async def deliveries(org: Org, who: Member | None = None, **query: str) -> Any:
    resp = await org.world.get("/v1/notices/deliveries", who or org.founder, params=query)
    return resp


async def settled(
    org: Org,
    notice_id: str,
    count: int,
    *,
    timeout: float = 20.0,
    statuses: tuple[str, ...] = ("sent", "failed"),
) -> list[dict[str, Any]]:
    """The outbox rows of ``notice_id`` once ``count`` of them are in ``statuses``."""
    deadline = time.monotonic() + timeout
    while True:
        rows = outbox_rows(org, notice_id)
        if sum(r["status"] in statuses for r in rows) >= count or time.monotonic() > deadline:
            return rows
        await asyncio.sleep(0.1)
