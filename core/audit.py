"""The hash-chained audit log: how entries are hashed and how a chain is verified.

Each entry stores the hash of the one before it; its own hash covers its sequence number,
its fields and that previous hash. Editing, removing or reordering any entry breaks the
chain at that entry. Cutting entries off the end leaves a valid shorter chain, so the head
(last sequence number and hash) is also signed by a key kept outside the database, and
verification checks the chain ends where the signed head says.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from core.canonical_json import jcs, jcs_of_plain

__all__ = [
    "AUDIT_HEAD_PREFIX",
    "GENESIS_HASH",
    "AuditEntry",
    "AuditVerdict",
    "entry_hash",
    "head_message",
    "verify_chain",
]

GENESIS_HASH: Final = "0" * 64
AUDIT_HEAD_PREFIX: Final = b"dealos-audit-head-v1\n"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    seq: int
    at: str
    event: str  # op.accepted | op.refused | cross_org | …
    op_id: str | None
    kind: str | None
    entity_id: str | None
    actor_id: str | None
    device_id: str | None
    code: str | None
    detail: str
    prev_hash: str
    entry_hash: str

    def hashed_fields(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at,
            "event": self.event,
            "op_id": self.op_id,
            "kind": self.kind,
            "entity_id": self.entity_id,
            "actor_id": self.actor_id,
            "device_id": self.device_id,
            "code": self.code,
            "detail": self.detail,
        }


def entry_hash(prev_hash: str, fields: dict[str, Any], *, plain: bool = False) -> str:
    """SHA-256 of the previous hash and the entry's canonical (RFC 8785) fields.

    ``plain=True`` is for a writer whose fields are its own ``str``, ``int`` and ``None``
    values (see :func:`core.canonical_json.jcs_of_plain`); a verifier never passes it.
    """
    canonical = jcs_of_plain(fields) if plain else jcs(fields)
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + canonical).hexdigest()


def head_message(seq: int, head_hash: str) -> bytes:
    """The bytes the head signature covers."""
    return AUDIT_HEAD_PREFIX + f"{seq}:{head_hash}".encode("ascii")


@dataclass(frozen=True, slots=True)
class AuditVerdict:
    ok: bool
    entries: int
    head_hash: str
    first_bad_seq: int | None = None
    problem: str | None = None

    def summary(self) -> str:
        if self.ok:
            return f"audit chain intact: {self.entries} entries, head {self.head_hash[:16]}…"
        return f"audit chain broken at entry {self.first_bad_seq}: {self.problem}"


def verify_chain(
    entries: Iterable[AuditEntry], signed_head: tuple[int, str] | None
) -> AuditVerdict:
    """Walk ``entries`` in stored order; name the first entry that breaks the chain.

    ``signed_head`` is the (seq, hash) whose signature the caller has already checked, or
    None when no head was ever signed (an empty log).
    """
    prev = GENESIS_HASH
    expected_seq = 1
    count = 0
    for entry in entries:
        if entry.seq != expected_seq:
            what = "missing" if entry.seq > expected_seq else "out of order"
            return AuditVerdict(
                False,
                count,
                prev,
                expected_seq,
                f"entry {expected_seq} is {what} (found {entry.seq} next)",
            )
        if entry.prev_hash != prev:
            return AuditVerdict(
                False,
                count,
                prev,
                entry.seq,
                "its previous-hash link does not match the entry before it",
            )
        if entry_hash(prev, entry.hashed_fields()) != entry.entry_hash:
            return AuditVerdict(
                False, count, prev, entry.seq, "its contents do not match its hash (edited)"
            )
        prev = entry.entry_hash
        expected_seq += 1
        count += 1
    if signed_head is None:
        if count:
            return AuditVerdict(False, count, prev, 1, "the log has entries but no signed head")
        return AuditVerdict(True, 0, prev)
    head_seq, head_hash = signed_head
    if count < head_seq:
        return AuditVerdict(
            False,
            count,
            prev,
            count + 1,
            f"entries {count + 1}–{head_seq} were removed from the end",
        )
    if count > head_seq or prev != head_hash:
        return AuditVerdict(
            False,
            count,
            prev,
            head_seq + 1 if count > head_seq else head_seq,
            "the chain does not end at the signed head",
        )
    return AuditVerdict(True, count, prev)
