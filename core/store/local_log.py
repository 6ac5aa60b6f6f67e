"""Fast writes to the desktop's own tables (op log, outbox, audit chain, meta) on the raw
SQLite cursor of the caller's transaction: the hot path of every op authored here."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from core.ops.envelope import Envelope, RedactedEnvelope

__all__ = ["REJOIN_PENDING", "LocalLog"]

# Set by a restore from a snapshot, cleared by the first full sync round: until then the
# store signs nothing, since its device counter may be behind what the server holds.
REJOIN_PENDING = "rejoin_pending"

_AUDIT_COLUMNS = (
    "seq",
    "at",
    "event",
    "op_id",
    "kind",
    "entity_id",
    "actor_id",
    "device_id",
    "code",
    "detail",
    "prev_hash",
    "entry_hash",
)
_INSERT_AUDIT = (
    f"INSERT INTO audit_log ({', '.join(_AUDIT_COLUMNS)}) "  # noqa: S608 (constant names)
    f"VALUES ({', '.join('?' for _ in _AUDIT_COLUMNS)})"
)
_INSERT_OP = (
    "INSERT INTO op_log (op_id, server_seq, kind, entity_id, actor_id, device_id, "
    "device_seq, issued_at, envelope, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


class LocalLog:
    def __init__(self, conn: Connection) -> None:
        self._cur = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]

    def meta(self, key: str) -> str | None:
        self._cur.execute("SELECT value FROM local_meta WHERE key = ?", (key,))
        row = self._cur.fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self._cur.execute(
            "INSERT INTO local_meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def append_op(
        self,
        envelope: Envelope | RedactedEnvelope,
        *,
        status: str,
        server_seq: int | None = None,
    ) -> int:
        """Log a signed op; returns its local sequence number.

        A redacted op has no ``device_seq``: its column holds 0 (no device counts from 0);
        the envelope kept beside it holds the null it came with.
        """
        self._cur.execute(
            _INSERT_OP,
            (
                envelope.op_id,
                server_seq,
                envelope.kind,
                envelope.entity_id,
                envelope.actor_id,
                envelope.device_id,
                envelope.device_seq or 0,
                envelope.issued_at,
                envelope.model_dump_json().encode("utf-8"),
                status,
            ),
        )
        return int(self._cur.lastrowid or 0)

    def append_rows(self, rows: list[tuple[Any, ...]]) -> None:
        """Log many ops at once, given as rows in the op log's column order (op_id,
        server_seq, kind, entity_id, actor_id, device_id, device_seq, issued_at, envelope,
        status): a new replica's history, kept as it came."""
        self._cur.executemany(_INSERT_OP, rows)

    def enqueue(self, op_id: str, local_seq: int) -> None:
        self._cur.execute("INSERT INTO outbox (op_id, local_seq) VALUES (?, ?)", (op_id, local_seq))

    def audit_head(self) -> tuple[int, str] | None:
        self._cur.execute("SELECT seq, entry_hash FROM audit_head WHERE id = 1")
        row = self._cur.fetchone()
        return None if row is None else (int(row[0]), str(row[1]))

    def append_audit(self, fields: dict[str, Any]) -> None:
        self._cur.execute(_INSERT_AUDIT, tuple(fields[c] for c in _AUDIT_COLUMNS))

    def set_audit_head(self, seq: int, entry_hash: str, signature: str) -> None:
        self._cur.execute(
            "INSERT INTO audit_head (id, seq, entry_hash, signature) VALUES (1, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, "
            "entry_hash = excluded.entry_hash, signature = excluded.signature",
            (seq, entry_hash, signature),
        )
