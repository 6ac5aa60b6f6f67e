"""The open local organization: its store, this device's key, and who works on it.

Every change goes through :meth:`Workspace.submit`: build the op, sign it with the device
key, and — in one SQLite transaction — apply it through the shared reducers, append it to
the op log and the outbox, and chain an audit entry. A refused op writes nothing but a
"refused" audit entry, and the error reaches the caller with its code, field and rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, delete

from core.audit import AuditVerdict
from core.errors import OpRejected, StoreError
from core.ids import new_id
from core.keys import KeyStore
from core.ops.batch_verify import precheck_signatures
from core.ops.envelope import Envelope, UnsignedOp
from core.ops.signing import DeviceKey
from core.reducers.apply import AppliedOp, apply_op
from core.store.digest import sql_state_digest
from core.store.local import LocalStore
from core.store.local_log import LocalLog
from core.store.schema import PROJECTION_TABLES
from core.store.sql_projection import SqlProjection
from core.verification.audit_trail import append_audit, sign_audit_head, verify_local_audit
from core.verification.replay import RefusedPending, device_keys, logged_ops, replay_ops

__all__ = ["OpResult", "RefusedPending", "Workspace"]


# What one accepted op changed (the redraw signal for the desktop): the reducers' own
# result, one type from apply_op to the views.
OpResult = AppliedOp


def _write_identity(store: LocalStore, *, org_id: str, device_id: str, user_id: str) -> None:
    """Which org this store replicates, as which device and user."""
    with store.transaction() as conn:
        for name, value in (
            ("org_id", org_id),
            ("device_id", device_id),
            ("user_id", user_id),
            ("device_seq", "0"),
        ):
            store.set_meta(conn, name, value)


class Workspace:
    """One local organization opened by this device."""

    def __init__(
        self, store: LocalStore, keys: KeyStore, *, org_id: str, device_id: str, user_id: str
    ) -> None:
        self.store = store
        self.keys = keys
        self.org_id = org_id
        self.device_id = device_id
        self.user_id = user_id
        self._key: DeviceKey = keys.device_key(device_id)

    # -- opening -----------------------------------------------------------------------

    @classmethod
    def init(
        cls,
        data_dir: Path,
        *,
        org_name: str,
        email: str,
        display_name: str,
        base_currency: str = "USD",
        device_name: str = "this workstation",
        keys: KeyStore | None = None,
    ) -> Workspace:
        """A new local organization: its founder (GP and admin) and this device, offline."""
        keys = keys or KeyStore()
        store = LocalStore.open(data_dir, create=True)
        org_id, user_id, device_id = new_id(), new_id(), new_id()
        key = DeviceKey.generate()
        keys.save_device_key(device_id, key)
        _write_identity(store, org_id=org_id, device_id=device_id, user_id=user_id)
        ws = cls(store, keys, org_id=org_id, device_id=device_id, user_id=user_id)
        try:
            ws.submit(
                "org.create",
                entity_id=org_id,
                payload={
                    "name": org_name,
                    "base_currency": base_currency,
                    "founder": {"email": email, "display_name": display_name},
                    "device": {"public_key": key.public_key, "name": device_name},
                },
            )
        except OpRejected:
            store.close()
            store.path.unlink(missing_ok=True)
            raise
        return ws

    @classmethod
    def join(
        cls,
        data_dir: Path,
        *,
        org_id: str,
        user_id: str,
        device_id: str,
        key: DeviceKey,
        keys: KeyStore | None = None,
    ) -> Workspace:
        """A new replica of an organization that lives on a server (``dealos enroll``).

        It holds nothing until the first pull brings the org's history, this device's
        enrollment included; only then can it author ops.
        """
        keys = keys or KeyStore()
        store = LocalStore.open(data_dir, create=True)
        keys.save_device_key(device_id, key)
        _write_identity(store, org_id=org_id, device_id=device_id, user_id=user_id)
        return cls(store, keys, org_id=org_id, device_id=device_id, user_id=user_id)

    @classmethod
    def open(cls, data_dir: Path, *, keys: KeyStore | None = None) -> Workspace:
        store = LocalStore.open(data_dir)
        with store.transaction() as conn:
            ids = {k: store.meta(conn, k) for k in ("org_id", "device_id", "user_id")}
        if None in ids.values():
            raise StoreError(f"the store in {data_dir} holds no organization")
        return cls(
            store,
            keys or KeyStore(),
            org_id=str(ids["org_id"]),
            device_id=str(ids["device_id"]),
            user_id=str(ids["user_id"]),
        )

    def close(self) -> None:
        self.store.close()

    # -- changing ----------------------------------------------------------------------

    def submit(
        self,
        kind: str,
        *,
        entity_id: str,
        payload: dict[str, Any],
        base_version: int | None = None,
    ) -> OpResult:
        """Sign and apply one op as this device's user; raise ``OpRejected`` if refused."""
        try:
            with self.store.transaction() as conn:
                log = LocalLog(conn)
                seq = int(log.meta("device_seq") or "0") + 1
                op = UnsignedOp.new(
                    org_id=self.org_id,
                    device_id=self.device_id,
                    device_seq=seq,
                    actor_id=self.user_id,
                    kind=kind,
                    entity_id=entity_id,
                    base_version=base_version,
                    payload=payload,
                )
                envelope = self._key.sign(op)
                applied = apply_op(SqlProjection(conn, self.org_id), envelope, verify=False)
                self._record(conn, envelope, applied, status="pending")
                log.set_meta("device_seq", str(seq))
        except OpRejected as exc:
            with self.store.transaction() as conn:
                append_audit(
                    conn,
                    self._key,
                    event="op.refused",
                    kind=kind,
                    entity_id=entity_id,
                    actor_id=self.user_id,
                    device_id=self.device_id,
                    code=exc.code,
                    detail=exc.message,
                )
            raise
        return applied

    def apply_signed(
        self, envelopes: Iterable[Envelope], *, status: str = "pending"
    ) -> list[OpResult]:
        """Verify and apply ops signed elsewhere, all in one transaction.

        Any refusal rolls the whole batch back, is audited, and is raised with the op that
        caused it.
        """
        results = []
        batch = list(envelopes)
        envelope: Envelope | None = None
        try:
            with self.store.transaction() as conn:
                projection = SqlProjection(conn, self.org_id, cache_reference=True)
                keys = {d["device_id"]: d["public_key"] for d in projection.rows("devices", {})}
                with precheck_signatures(batch, keys) as prechecked:
                    for envelope in batch:
                        applied = apply_op(
                            projection,
                            envelope,
                            verify=True,
                            verified_with=prechecked.key_for(envelope),
                        )
                        self._record(conn, envelope, applied, status=status, sign_head=False)
                        results.append(applied)
                sign_audit_head(conn, self._key)
        except OpRejected as exc:
            # DESIGN §4: every refused mutation is audited, not only those authored here.
            if envelope is not None:
                with self.store.transaction() as conn:
                    append_audit(
                        conn,
                        self._key,
                        event="op.refused",
                        op_id=envelope.op_id,
                        kind=envelope.kind,
                        entity_id=envelope.entity_id,
                        actor_id=envelope.actor_id,
                        device_id=envelope.device_id,
                        code=exc.code,
                        detail=exc.message,
                    )
            raise
        return results

    def apply_received(
        self,
        conn: Connection,
        envelope: Envelope,
        *,
        server_seq: int,
        projection: SqlProjection | None = None,
        verified_with: str | None = None,
    ) -> OpResult:
        """Apply a server-confirmed op made elsewhere, in the caller's transaction.

        The caller calls :meth:`seal_audit` once before committing; it may pass the
        ``projection`` it holds for the batch and the key a signature was checked with.
        """
        store = projection or SqlProjection(conn, self.org_id)
        applied = apply_op(store, envelope, verify=True, verified_with=verified_with)
        self._record(
            conn, envelope, applied, status="confirmed", sign_head=False, server_seq=server_seq
        )
        return applied

    def seal_audit(self, conn: Connection) -> None:
        """Sign the audit head after a batch appended without signing it."""
        sign_audit_head(conn, self._key)

    def audit_event(
        self,
        conn: Connection,
        event: str,
        detail: str,
        *,
        op_id: str | None = None,
        code: str | None = None,
    ) -> None:
        """Chain an entry for something this user did that is not an op (e.g. a discard)."""
        append_audit(
            conn,
            self._key,
            event=event,
            op_id=op_id,
            actor_id=self.user_id,
            device_id=self.device_id,
            code=code,
            detail=detail,
        )

    def _record(
        self,
        conn: Connection,
        envelope: Envelope,
        applied: AppliedOp,
        *,
        status: str,
        sign_head: bool = True,
        server_seq: int | None = None,
    ) -> None:
        log = LocalLog(conn)
        local_seq = log.append_op(envelope, status=status, server_seq=server_seq)
        if status == "pending" and envelope.device_id == self.device_id:
            log.enqueue(envelope.op_id, local_seq)
        append_audit(
            conn,
            self._key,
            event="op.accepted",
            op_id=envelope.op_id,
            kind=envelope.kind,
            entity_id=envelope.entity_id,
            actor_id=envelope.actor_id,
            device_id=envelope.device_id,
            detail=f"{applied.kind} → version {applied.version}",
            sign_head=sign_head,
        )

    # -- checking ----------------------------------------------------------------------

    def digest(self) -> str:
        with self.store.transaction() as conn:
            return sql_state_digest(conn, self.org_id)

    def rebuild(self, *, on_refused_pending: RefusedPending | None = None) -> str:
        """Drop every projection row and replay the op log, verifying each signature.

        Confirmed ops replay in server order, then pending ones in the order they were
        made (the rebase of DESIGN §3). With ``on_refused_pending``, a pending op that no
        longer applies on the new confirmed state is handed to it (to become a conflict)
        instead of failing the rebuild; its partial effects are rolled back.
        """
        with self.store.transaction() as conn:
            keys = device_keys(conn, self.org_id)
            for table in reversed(PROJECTION_TABLES):
                conn.execute(delete(table).where(table.c.org_id == self.org_id))
            replay_ops(
                conn,
                self.org_id,
                logged_ops(conn),
                keys=keys,
                on_refused_pending=on_refused_pending,
            )
            return sql_state_digest(conn, self.org_id)

    def verify_audit(self) -> AuditVerdict:
        with self.store.transaction() as conn:
            return verify_local_audit(conn, self._key.public_key)

    @property
    def public_key(self) -> str:
        return self._key.public_key
