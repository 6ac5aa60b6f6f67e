"""The open local organization: its store, this device's key, and who works on it.

Every change goes through :meth:`Workspace.submit`, which takes a command — a frozen
payload model, whose class names the op kind — builds the op, signs it with the device
key, and in one SQLite transaction applies it through the shared reducers, appends it to
the op log and the outbox, and chains an audit entry. A refused op writes nothing but a
"refused" audit entry, and the error reaches the caller with its code, field and rule.

:meth:`Workspace.dry_run` runs the same reducers on the same state and rolls back: a
wizard previews a call through it, so the preview and the op can never disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, delete

from core.audit import AuditVerdict
from core.errors import OpRejected, StoreError
from core.ids import new_id
from core.keys import KeyStore
from core.ops.batch_verify import precheck_signatures
from core.ops.envelope import Envelope, RedactedEnvelope, UnsignedOp
from core.ops.kinds import KINDS, spec_of
from core.ops.payloads.base import Payload
from core.ops.signing import DeviceKey
from core.redaction import SERVER_KEY_META
from core.reducers.apply import AppliedOp, apply_op, parse_payload
from core.reducers.lp_view import apply_redacted
from core.store.digest import sql_state_digest
from core.store.local import LocalStore
from core.store.local_log import REJOIN_PENDING, LocalLog
from core.store.schema import PROJECTION_TABLES
from core.store.sql_projection import SqlProjection
from core.verification.audit_trail import append_audit, sign_audit_head, verify_local_audit
from core.verification.replay import (
    RefusedPending,
    device_keys,
    logged_ops,
    redacted_ops,
    replay_ops,
    replay_redacted,
)

__all__ = ["BatchTrial", "DryRun", "OpResult", "RefusedPending", "Step", "Workspace"]

RESTORED_NOT_SYNCED = (
    "this store was restored from a snapshot: sync once before making changes, so the "
    "changes this device made after the snapshot come back first (dealos sync)"
)


# What one accepted op changed (the redraw signal for the desktop): the reducers' own
# result, one type from apply_op to the views.
OpResult = AppliedOp

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class DryRun(Generic[T]):
    """What a command would do on the current state, rolled back: the result it would
    have (or the refusal it would meet) and what ``inspect`` read before the rollback."""

    result: OpResult | None
    refusal: OpRejected | None
    seen: T | None

    @property
    def accepted(self) -> bool:
        return self.refusal is None


@dataclass(frozen=True, slots=True)
class Step:
    """One command of a batch (:meth:`Workspace.submit_all`): the entity it makes or
    changes (a create's id chosen beforehand, so a later step can name it) and the version
    it was written against."""

    command: Payload
    entity_id: str | None = None
    base_version: int | None = None


@dataclass(frozen=True, slots=True)
class BatchTrial:
    """What a batch would do on the current state, rolled back: the result of each step
    accepted in order, and the first refusal with the index of the step it refused."""

    results: tuple[OpResult, ...]
    refusal: OpRejected | None
    refused_step: int | None

    @property
    def accepted(self) -> bool:
        return self.refusal is None


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
                parse_payload(
                    KINDS["org.create"],
                    {
                        "name": org_name,
                        "base_currency": base_currency,
                        "founder": {"email": email, "display_name": display_name},
                        "device": {"public_key": key.public_key, "name": device_name},
                    },
                ),
                entity_id=org_id,
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
        command: Payload,
        *,
        entity_id: str | None = None,
        base_version: int | None = None,
    ) -> OpResult:
        """Sign and apply ``command`` as this device's user; raise ``OpRejected`` if refused.

        The command's class names the kind. A create makes a new entity (``entity_id``
        defaults to a fresh id); any other kind names the entity it changes and the
        version it was written against.
        """
        kind, entity_id = self._target(command, entity_id)
        return self.submit_wire(
            kind, entity_id=entity_id, payload=command.wire(), base_version=base_version
        )

    def dry_run(
        self,
        command: Payload,
        *,
        entity_id: str | None = None,
        base_version: int | None = None,
        inspect: Callable[[Connection, OpResult], T] | None = None,
    ) -> DryRun[T]:
        """What :meth:`submit` would do now, through the same reducers, rolled back.

        ``inspect`` reads the changed state before the rollback (the allocations a draft
        call would make). Nothing is signed, logged, queued or audited.
        """
        kind, entity_id = self._target(command, entity_id)
        with self.store.trial() as conn:
            seq = int(LocalLog(conn).meta("device_seq") or "0") + 1
            op = self._unsigned(kind, entity_id, command.wire(), base_version, seq)
            try:
                applied = apply_op(SqlProjection(conn, self.org_id), op, verify=False)
            except OpRejected as exc:
                return DryRun(None, exc, None)
            seen = inspect(conn, applied) if inspect is not None else None
            return DryRun(applied, None, seen)

    def dry_run_all(self, steps: Sequence[Step]) -> BatchTrial:
        """What :meth:`submit_all` would do now: each step through the reducers, in order,
        on the state the steps before it left, all rolled back. Nothing is signed or
        logged; the first refusal stops the trial."""
        results: list[OpResult] = []
        with self.store.trial() as conn:
            projection = SqlProjection(conn, self.org_id)
            seq = int(LocalLog(conn).meta("device_seq") or "0")
            for index, step in enumerate(steps):
                kind, entity_id = self._target(step.command, step.entity_id)
                wire = step.command.wire()
                op = self._unsigned(kind, entity_id, wire, step.base_version, seq + index + 1)
                try:
                    results.append(apply_op(projection, op, verify=False))
                except OpRejected as exc:
                    return BatchTrial(tuple(results), exc, index)
        return BatchTrial(tuple(results), None, None)

    def submit_all(self, steps: Sequence[Step]) -> list[OpResult]:
        """Sign and apply every step, in order, in one transaction: all of them are
        recorded or none is (an import of a spreadsheet is never half done).

        A refusal rolls the batch back, is audited, and is raised with
        ``details["step"]``, the index of the step it refused.
        """
        if not steps:
            return []
        results: list[OpResult] = []
        kind, entity_id = "", ""
        try:
            with self.store.transaction() as conn:
                log = LocalLog(conn)
                if log.meta(REJOIN_PENDING) == "1":
                    raise StoreError(RESTORED_NOT_SYNCED)
                projection = SqlProjection(conn, self.org_id)
                seq = int(log.meta("device_seq") or "0")
                for step in steps:
                    kind, entity_id = self._target(step.command, step.entity_id)
                    seq += 1
                    op = self._unsigned(
                        kind, entity_id, step.command.wire(), step.base_version, seq
                    )
                    envelope = self._key.sign(op)
                    applied = apply_op(projection, envelope, verify=False)
                    self._record(conn, envelope, applied, status="pending", sign_head=False)
                    results.append(applied)
                log.set_meta("device_seq", str(seq))
                sign_audit_head(conn, self._key)
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
            # The steps before it were accepted (then rolled back): their count is its index.
            details = {**exc.details, "step": len(results)}
            raise OpRejected(exc.code, exc.message, field=exc.field, details=details) from exc
        return results

    def _target(self, command: Payload, entity_id: str | None) -> tuple[str, str]:
        spec = spec_of(command)
        if entity_id is None:
            if spec.concurrency != "create":
                raise ValueError(f"{spec.kind} changes an existing entity: give its entity_id")
            entity_id = new_id()
        return spec.kind, entity_id

    def _unsigned(
        self,
        kind: str,
        entity_id: str,
        payload: Mapping[str, Any],
        base_version: int | None,
        seq: int,
    ) -> UnsignedOp:
        return UnsignedOp.new(
            org_id=self.org_id,
            device_id=self.device_id,
            device_seq=seq,
            actor_id=self.user_id,
            kind=kind,
            entity_id=entity_id,
            base_version=base_version,
            payload=dict(payload),
        )

    def submit_wire(
        self,
        kind: str,
        *,
        entity_id: str,
        payload: Mapping[str, Any],
        base_version: int | None = None,
    ) -> OpResult:
        """Sign and apply an op given in its wire form: a kind and a JSON payload.

        For ops that arrive as data — a refused op the conflicts inbox re-applies, a
        payload read from a file — and for tests of what the reducers refuse. Code that
        builds a change calls :meth:`submit` with a command.
        """
        try:
            with self.store.transaction() as conn:
                log = LocalLog(conn)
                if log.meta(REJOIN_PENDING) == "1":
                    raise StoreError(RESTORED_NOT_SYNCED)
                seq = int(log.meta("device_seq") or "0") + 1
                op = self._unsigned(kind, entity_id, payload, base_version, seq)
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

    def apply_redacted(
        self,
        conn: Connection,
        envelope: RedactedEnvelope,
        *,
        server_seq: int,
        projection: SqlProjection | None = None,
    ) -> OpResult | None:
        """Keep a redacted op an external reader pulled (its server signature checked by
        the caller) and reduce it into this replica's view (:mod:`core.reducers.lp_view`),
        in the caller's transaction; None when it is kept without a change."""
        store = projection or SqlProjection(conn, self.org_id)
        applied = apply_redacted(store, envelope)
        log = LocalLog(conn)
        log.append_op(envelope, status="redacted", server_seq=server_seq)
        if applied is not None:
            self._audit_accepted(
                conn, envelope, applied, sign_head=False, seen=" (as this reader sees it)"
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
        self._audit_accepted(conn, envelope, applied, sign_head=sign_head)

    def _audit_accepted(
        self,
        conn: Connection,
        envelope: Envelope | RedactedEnvelope,
        applied: OpResult,
        *,
        sign_head: bool,
        seen: str = "",
    ) -> None:
        append_audit(
            conn,
            self._key,
            event="op.accepted",
            op_id=envelope.op_id,
            kind=envelope.kind,
            entity_id=envelope.entity_id,
            actor_id=envelope.actor_id,
            device_id=envelope.device_id,
            detail=f"{applied.kind} → version {applied.version}{seen}",
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
        instead of failing the rebuild; its partial effects are rolled back. An external
        reader's redacted ops replay in server order through its view, each checked
        against the server's key again.
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
            held = redacted_ops(conn)
            if held:
                server_key = LocalLog(conn).meta(SERVER_KEY_META)
                replay_redacted(conn, self.org_id, held, server_key=server_key)
            return sql_state_digest(conn, self.org_id)

    def verify_audit(self) -> AuditVerdict:
        with self.store.transaction() as conn:
            return verify_local_audit(conn, self._key.public_key)

    @property
    def public_key(self) -> str:
        return self._key.public_key
