"""What the GP reads of the outbox: each notice's emails, per LP and address.

Staff who read the whole organization may ask (DESIGN §4's "read whole org": GP, GP
analyst, admin, auditor, regulator); counsel, lenders and LPs are refused before anything
is looked up, so the answer says nothing about which notices exist.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from sqlalchemy import Connection, Engine, text

from core.domain.roles import Action, Role, allowed
from core.sync.invitation_messages import InvitationDeliveries, InvitationDelivery
from core.sync.notice_messages import NoticeDeliveries, NoticeDelivery
from sync_server.api_errors import ApiError
from sync_server.database import tenant_tx
from sync_server.sessions import Caller, roles_of

__all__ = ["MOST_ROWS", "deliveries", "invitation_deliveries"]

MOST_ROWS: Final = 10_000

_ROWS: Final = """
SELECT o.notice_kind, o.notice_id, coalesce(f.name, ''), o.lp_id, coalesce(l.name, ''),
       o.recipient, o.status, o.attempts, o.last_error, o.queued_at, o.next_attempt_at,
       o.sent_at
FROM notice_outbox o
LEFT JOIN lps l ON l.org_id = o.org_id AND l.lp_id = o.lp_id
LEFT JOIN capital_calls c
  ON o.notice_kind = 'capital_call' AND c.org_id = o.org_id AND c.call_id = o.notice_id
LEFT JOIN distributions d
  ON o.notice_kind = 'distribution' AND d.org_id = o.org_id
 AND d.distribution_id = o.notice_id
LEFT JOIN funds f ON f.org_id = o.org_id AND f.fund_id = coalesce(c.fund_id, d.fund_id)
WHERE o.org_id = :org AND o.notice_kind IN ('capital_call', 'distribution') {only}
ORDER BY o.queued_at DESC, o.notice_id, l.name, o.lp_id, o.recipient
LIMIT :most
"""
_EXISTS: Final = {
    "capital_call": "SELECT 1 FROM capital_calls WHERE org_id = :org AND call_id = :notice",
    "distribution": "SELECT 1 FROM distributions WHERE org_id = :org AND distribution_id = :notice",
}
_WORDS: Final = {"capital_call": "capital call", "distribution": "distribution"}


def _time(value: Any) -> str | None:
    if value is None:
        return None
    moment: dt.datetime = value
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _staff_only(conn: Connection, caller: Caller, what: str) -> None:
    roles = [Role(r) for r in roles_of(conn, caller.user_id)]
    if not allowed(roles, Action.READ_ORG):
        raise ApiError(403, "forbidden", f"{what} is shown to the organization's staff only")


def deliveries(engine: Engine, caller: Caller, notice: tuple[str, str] | None) -> NoticeDeliveries:
    """The emails of one notice (``(kind, id)``) or of every notice, newest first."""
    with tenant_tx(engine, caller.org_id) as conn:
        _staff_only(conn, caller, "how notices were emailed")
        keys: dict[str, Any] = {"org": caller.org_id, "most": MOST_ROWS}
        only = ""
        if notice is not None:
            kind, notice_id = notice
            keys.update(kind=kind, notice=notice_id)
            if conn.execute(text(_EXISTS[kind]), keys).first() is None:
                raise ApiError(
                    404,
                    "not_found",
                    f"no {_WORDS[kind]} with this id in your organization",
                    field="distribution_id" if kind == "distribution" else "call_id",
                )
            only = "AND o.notice_kind = :kind AND o.notice_id = :notice"
        rows = conn.execute(text(_ROWS.format(only=only)), keys).all()
    return NoticeDeliveries(
        deliveries=[
            NoticeDelivery(
                notice=r[0],
                notice_id=r[1],
                fund_name=r[2],
                lp_id=r[3],
                lp_name=r[4],
                recipient=r[5] or None,
                status=r[6],
                attempts=r[7],
                last_error=r[8],
                queued_at=_time(r[9]) or "",
                next_attempt_at=_time(r[10]) if r[6] == "queued" else None,
                sent_at=_time(r[11]),
            )
            for r in rows
        ]
    )


_INVITATIONS: Final = """
SELECT o.notice_id, coalesce(u.display_name, ''), o.recipient, o.status, o.attempts,
       o.last_error, o.queued_at, o.next_attempt_at, o.sent_at, o.code_used_at
FROM notice_outbox o
LEFT JOIN users u ON u.org_id = o.org_id AND u.user_id = o.notice_id
WHERE o.org_id = :org AND o.notice_kind = 'invitation'
ORDER BY o.queued_at DESC, u.display_name, o.notice_id
LIMIT :most
"""


def invitation_deliveries(engine: Engine, caller: Caller) -> InvitationDeliveries:
    """Every invitation email of the organization, newest first."""
    with tenant_tx(engine, caller.org_id) as conn:
        _staff_only(conn, caller, "how invitations were emailed")
        rows = conn.execute(text(_INVITATIONS), {"org": caller.org_id, "most": MOST_ROWS}).all()
    return InvitationDeliveries(
        invitations=[
            InvitationDelivery(
                user_id=r[0],
                display_name=r[1],
                recipient=r[2],
                status=r[3],
                attempts=r[4],
                last_error=r[5],
                queued_at=_time(r[6]) or "",
                next_attempt_at=_time(r[7]) if r[3] == "queued" else None,
                sent_at=_time(r[8]),
                accepted_at=_time(r[9]),
            )
            for r in rows
        ]
    )
