"""The small fund several sync scenarios start from: Fund I, one LP (Acme) committed
$1,000,000.00, and a drafted capital call — all authored on one workspace."""

from __future__ import annotations

from core.commands.workspace import Workspace
from core.ids import new_id

__all__ = ["drafted_call"]


def drafted_call(ws: Workspace, *, amount: str = "300000.00") -> tuple[str, str, str]:
    """(fund id, LP id, call id) of a draft call of ``amount`` on a fresh one-LP fund."""
    fund, lp, call = new_id(), new_id(), new_id()
    ws.submit_wire("fund.create", entity_id=fund, payload={"name": "Fund I", "currency": "USD"})
    ws.submit_wire("lp.create", entity_id=lp, payload={"name": "Acme", "lp_type": "institution"})
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
            "amount": amount,
            "currency": "USD",
            "basis": "commitment",
            "call_date": "2026-03-01",
            "due_date": "2026-03-31",
        },
    )
    return fund, lp, call
