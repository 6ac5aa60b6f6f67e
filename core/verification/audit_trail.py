"""Appending to and verifying the local audit chain (tables in core.store.local_schema)."""

from __future__ import annotations

from sqlalchemy import Connection, select

from core.audit import (
    GENESIS_HASH,
    AuditEntry,
    AuditVerdict,
    entry_hash,
    head_message,
    verify_chain,
)
from core.ops.envelope import utc_now_rfc3339
from core.ops.signing import DeviceKey, verify_signature
from core.store.local_log import LocalLog
from core.store.local_schema import audit_head, audit_log

__all__ = ["append_audit", "sign_audit_head", "verify_local_audit"]


def append_audit(
    conn: Connection,
    key: DeviceKey,
    *,
    event: str,
    detail: str,
    op_id: str | None = None,
    kind: str | None = None,
    entity_id: str | None = None,
    actor_id: str | None = None,
    device_id: str | None = None,
    code: str | None = None,
    sign_head: bool = True,
) -> int:
    """Append one entry in the caller's transaction and return its seq.

    The head is re-signed unless ``sign_head`` is false, for a batch that calls
    :func:`sign_audit_head` once before it commits.
    """
    log = LocalLog(conn)
    head = log.audit_head()
    seq, prev = (head[0] + 1, head[1]) if head is not None else (1, GENESIS_HASH)
    fields = {
        "seq": seq,
        "at": utc_now_rfc3339(),
        "event": event,
        "op_id": op_id,
        "kind": kind,
        "entity_id": entity_id,
        "actor_id": actor_id,
        "device_id": device_id,
        "code": code,
        "detail": detail,
    }
    # Its own ints and strings (or None): nothing the plain path's type walk could catch.
    digest = entry_hash(prev, fields, plain=True)
    log.append_audit({**fields, "prev_hash": prev, "entry_hash": digest})
    signature = key.sign_bytes(head_message(seq, digest)) if sign_head else ""
    log.set_audit_head(seq, digest, signature)
    return seq


def sign_audit_head(conn: Connection, key: DeviceKey) -> None:
    """Sign the head as it stands (after a batch appended with ``sign_head=False``)."""
    log = LocalLog(conn)
    head = log.audit_head()
    if head is not None:
        log.set_audit_head(head[0], head[1], key.sign_bytes(head_message(*head)))


def verify_local_audit(conn: Connection, public_key: str) -> AuditVerdict:
    """Check the chain and that it ends at the head signed by ``public_key``."""
    head = conn.execute(select(audit_head)).mappings().first()
    signed: tuple[int, str] | None = None
    if head is not None:
        message = head_message(head["seq"], head["entry_hash"])
        if not verify_signature(public_key, message, head["signature"]):
            return AuditVerdict(
                False,
                0,
                head["entry_hash"],
                head["seq"],
                "the signed head does not verify with this device's key",
            )
        signed = (head["seq"], head["entry_hash"])
    rows = conn.execute(select(audit_log).order_by(audit_log.c.seq)).mappings()
    return verify_chain((AuditEntry(**dict(r)) for r in rows), signed)
