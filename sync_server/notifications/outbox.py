"""Queueing notices by email, in the transaction that accepts the issue op.

When a push accepts ``capital_call.issue`` or ``distribution.issue``, :func:`queue_notices`
writes one outbox row per LP with a share in the notice and per address of that LP, in
the push's own transaction (after its rows are written, so a call drafted and issued in
one push is found): a refused op queues nothing, a push that rolls back takes its rows
with it, and a duplicate push accepts nothing, so it queues nothing again. The unique key
(notice, LP, address, whatever its capitals) is the last guard against a second row.

Who gets the email (docs/SYNC_SERVER.md, "Notices by email"): every contact email recorded
on the LP, and every active user bound to the LP — holding the LP role and an active
entitlement of scope ``lp`` on it, the people who sign in to its portal — each address
once. An LP with a share and nobody to write to gets one row already ``failed``, saying
so, so the GP sees it beside the others. An LP whose share is zero gets no email.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Final

from sqlalchemy import Connection

from core.ids import new_id
from core.ops.envelope import Envelope
from core.sync.messages import AcceptedOp, PushResult
from sync_server.request_log import logger

__all__ = ["ISSUE_KINDS", "NOBODY_TO_WRITE_TO", "issued_notices", "queue_notices"]

# The op kinds that issue a notice, and the notice each names (its entity).
ISSUE_KINDS: Final = {"capital_call.issue": "capital_call", "distribution.issue": "distribution"}
NOBODY_TO_WRITE_TO: Final = (
    "nobody to send it to: the investor has no contact email and no portal user; "
    "add a contact to the investor to reach it"
)

_SHARES: Final = {
    "capital_call": "SELECT lp_id FROM call_allocations WHERE org_id = %(org)s "
    "AND call_id = %(notice)s AND CAST(amount AS numeric) <> 0 ORDER BY lp_id",
    "distribution": "SELECT lp_id FROM distribution_allocations WHERE org_id = %(org)s "
    "AND distribution_id = %(notice)s AND CAST(amount AS numeric) <> 0 ORDER BY lp_id",
}
_RECIPIENTS: Final = """
SELECT c.lp_id, c.email FROM lp_contacts c
WHERE c.org_id = %(org)s AND c.lp_id = ANY(%(lps)s)
UNION ALL
SELECT e.scope_id, u.email FROM entitlements e
JOIN users u ON u.org_id = e.org_id AND u.user_id = e.user_id
JOIN memberships m ON m.org_id = u.org_id AND m.user_id = u.user_id AND m.role = 'lp'
WHERE e.org_id = %(org)s AND e.scope_type = 'lp' AND e.active AND u.active
  AND e.scope_id = ANY(%(lps)s)
ORDER BY 1, 2
"""
_INSERT: Final = """
INSERT INTO notice_outbox (
    org_id, outbox_id, notice_kind, notice_id, op_id, lp_id, recipient, status, attempts,
    next_attempt_at, last_error, queued_at
) VALUES (
    %(org)s, %(outbox_id)s, %(kind)s, %(notice)s, %(op_id)s, %(lp)s, %(recipient)s, %(status)s, 0,
    now(), %(last_error)s, now()
)
ON CONFLICT DO NOTHING
"""


def issued_notices(
    parsed: Iterable[object], results: Sequence[PushResult]
) -> list[tuple[str, str, str]]:
    """``(notice kind, notice id, op id)`` of each issue op this push accepted, once."""
    accepted = {r.op_id for r in results if isinstance(r, AcceptedOp) and r.status == "accepted"}
    found: dict[str, tuple[str, str, str]] = {}
    for envelope in parsed:
        if (
            isinstance(envelope, Envelope)
            and envelope.kind in ISSUE_KINDS
            and envelope.op_id in accepted
        ):
            kind = ISSUE_KINDS[envelope.kind]
            found.setdefault(envelope.op_id, (kind, envelope.entity_id, envelope.op_id))
    return list(found.values())


def _cursor(conn: Connection) -> Any:
    # The push runs in psycopg's pipeline mode, where only the driver's own cursor waits
    # for a query's rows; SQLAlchemy's result would find none.
    return conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]


def _recipients(cur: Any, org_id: str, lp_ids: list[str]) -> dict[str, list[str]]:
    """Each LP's addresses, each once whatever its capitals, in a stable order."""
    found: dict[str, dict[str, str]] = {lp: {} for lp in lp_ids}
    cur.execute(_RECIPIENTS, {"org": org_id, "lps": lp_ids})
    for lp_id, email in cur.fetchall():
        address = str(email).strip()
        if address:
            found[lp_id].setdefault(address.lower(), address)
    return {lp: list(addresses.values()) for lp, addresses in found.items()}


def queue_notices(conn: Connection, org_id: str, notices: list[tuple[str, str, str]]) -> int:
    """Queue the emails of ``notices`` (from :func:`issued_notices`) in ``conn``'s
    transaction; returns how many rows it asked for (a row already there is kept)."""
    if not notices:
        return 0
    cur = _cursor(conn)
    rows = []
    for kind, notice_id, op_id in notices:
        keys = {"org": org_id, "notice": notice_id}
        cur.execute(_SHARES[kind], keys)
        lp_ids = [r[0] for r in cur.fetchall()]
        recipients = _recipients(cur, org_id, lp_ids) if lp_ids else {}
        for lp_id in lp_ids:
            base = {**keys, "kind": kind, "op_id": op_id, "lp": lp_id}
            addresses = recipients.get(lp_id) or []
            for address in addresses:
                row = {"recipient": address, "status": "queued", "last_error": None}
                rows.append({**base, **row, "outbox_id": new_id()})
            if not addresses:
                row = {"recipient": "", "status": "failed", "last_error": NOBODY_TO_WRITE_TO}
                rows.append({**base, **row, "outbox_id": new_id()})
    if rows:
        cur.executemany(_INSERT, rows)
    for kind, notice_id, _ in notices:
        logger().info(
            "notices.queued",
            org_id=org_id,
            notice=kind,
            notice_id=notice_id,
            messages=sum(1 for r in rows if r["notice"] == notice_id),
        )
    return len(rows)
