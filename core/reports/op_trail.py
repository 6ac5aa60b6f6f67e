"""Which op made each ledger row: the traceability every LP document line carries.

Projection rows do not store the op that wrote them, but the op log does: a commitment,
call or distribution is the ``entity_id`` of its ``*.create`` op; a payment is named by the
``payment_id`` inside its ``capital_call.payment`` op's payload. Refused (``rejected``) ops
wrote nothing, so they are never a row's origin.

The log is read through an :class:`OpLog`: a replica's own log (:data:`REPLICA_OP_LOG`,
ordered by its local sequence, refused ops left out) or any other table of the same ops
with its own order and filter — the sync server's log of one organization, say, which the
server describes in its own terms, so that its pages state exactly what the desktop does.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import ColumnElement, Connection, Table, select

from core.ids import transferred_out_id
from core.reports.errors import TraceabilityError
from core.store.local_schema import op_log

__all__ = ["REPLICA_OP_LOG", "OpLog", "OpTrail", "read_op_trail"]


@dataclass(frozen=True, slots=True)
class OpLog:
    """A table of signed ops: ``op_id``, ``kind``, ``entity_id`` and ``envelope`` (the
    op's JSON) columns, ``order`` giving log order, ``kept`` the ops that wrote rows.

    ``records_payment``, when the database can look it up by key, is the SQL test that a
    ``capital_call.payment`` op records one of some payment ids: one LP's payments are
    then found without reading the other LPs' (the ops found are still checked here, so
    the answer is the same)."""

    table: Table
    order: ColumnElement[Any]
    kept: ColumnElement[bool]
    records_payment: Callable[[list[str]], ColumnElement[bool]] | None = None


# Up to this many entities are named in the query itself; a whole fund's are sifted here.
_FEW: Final = 200
# A replica's own log: every op in the order it applied them, bar the refused.
REPLICA_OP_LOG: Final = OpLog(op_log, op_log.c.local_seq, op_log.c.status != "rejected")


class OpTrail:
    """Op ids by entity (for ``kind``) and by payment id, read once for one fund."""

    def __init__(
        self,
        by_entity: dict[tuple[str, str], str],
        by_payment: dict[str, str],
        positions: dict[str, int],
    ) -> None:
        self._by_entity = by_entity
        self._by_payment = by_payment
        self._positions = positions

    def created_by(self, kind: str, entity_id: str) -> str:
        """The op id of the ``kind`` op on ``entity_id``; refuses a row with no origin."""
        op_id = self._by_entity.get((kind, entity_id))
        if op_id is None:
            raise TraceabilityError(
                f"no {kind} op in the op log for {entity_id}: a document cannot state a line "
                "it cannot trace; run `dealos rebuild` or sync, then try again"
            )
        return op_id

    def optional(self, kind: str, entity_id: str) -> str | None:
        return self._by_entity.get((kind, entity_id))

    def payment(self, payment_id: str) -> str:
        op_id = self._by_payment.get(payment_id)
        if op_id is None:
            raise TraceabilityError(
                f"no capital_call.payment op in the op log records payment {payment_id}"
            )
        return op_id

    def position(self, op_id: str) -> int:
        """Where ``op_id`` sits in this replica's log: orders same-day calls as they were made."""
        return self._positions.get(op_id, 0)


def read_op_trail(
    conn: Connection,
    *,
    entity_kinds: Collection[str],
    entity_ids: Collection[str],
    call_ids: Collection[str],
    payment_ids: Collection[str] | None = None,
    log: OpLog = REPLICA_OP_LOG,
) -> OpTrail:
    """Op ids of ``entity_kinds`` ops on ``entity_ids``, and of payments on ``call_ids``
    (only of ``payment_ids`` when given: one LP's ledger parses only its own payments)."""
    wanted = set(entity_ids)
    by_entity: dict[tuple[str, str], str] = {}
    positions: dict[str, int] = {}
    c = log.table.c
    query = select(c.op_id, c.kind, c.entity_id, log.order).where(
        c.kind.in_(list(entity_kinds)), log.kept
    )
    if len(wanted) <= _FEW:  # one LP's ledger: let the database pick its few ops
        query = query.where(c.entity_id.in_(sorted(wanted)))
    rows = conn.execute(query.order_by(log.order))
    for op_id, kind, entity_id, local_seq in rows:
        if entity_id in wanted:
            # The first accepted op of a kind on an entity is the one that made the row.
            by_entity.setdefault((kind, entity_id), op_id)
            positions[op_id] = int(local_seq)
    if "commitment.create" in entity_kinds:
        # A transfer makes two commitment rows, the transferee's (the op's entity) and the
        # transferor's reduction (named from it): both trace to the transfer.
        transfers = conn.execute(
            select(c.op_id, c.entity_id, log.order)
            .where(c.kind == "commitment.transfer", log.kept)
            .order_by(log.order)
        )
        for op_id, entity_id, order in transfers:
            for row_id in (entity_id, transferred_out_id(entity_id)):
                if row_id in wanted:
                    by_entity.setdefault(("commitment.create", row_id), op_id)
                    positions[op_id] = int(order)
    by_payment: dict[str, str] = {}
    own = None if payment_ids is None else [p.encode() for p in payment_ids]
    if call_ids and own != []:
        calls = set(call_ids)
        paid = select(c.op_id, c.entity_id, c.envelope).where(
            c.kind == "capital_call.payment", log.kept
        )
        if payment_ids is not None and log.records_payment is not None:
            # By the payment's key alone: the calls are sifted below, as a whole fund's are.
            paid = paid.where(log.records_payment(sorted(payment_ids)))
        else:
            paid = paid.where(c.entity_id.in_(sorted(calls)))
        payments: list[tuple[str, str, bytes]] = [(r[0], r[1], r[2]) for r in conn.execute(paid)]
        for op_id, call_id, raw in payments:
            if call_id not in calls or (own is not None and not any(p in raw for p in own)):
                continue
            payment_id = json.loads(raw)["payload"].get("payment_id")
            if isinstance(payment_id, str):
                by_payment[payment_id] = op_id
    return OpTrail(by_entity, by_payment, positions)
