"""Which op made each ledger row: the traceability every LP document line carries.

Projection rows do not store the op that wrote them, but the op log does: a commitment,
call or distribution is the ``entity_id`` of its ``*.create`` op; a payment is named by the
``payment_id`` inside its ``capital_call.payment`` op's payload. Refused (``rejected``) ops
wrote nothing, so they are never a row's origin.
"""

from __future__ import annotations

import json
from collections.abc import Collection

from sqlalchemy import Connection, select

from core.ids import transferred_out_id
from core.reports.errors import TraceabilityError
from core.store.local_schema import op_log

__all__ = ["OpTrail", "read_op_trail"]


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
) -> OpTrail:
    """Op ids of ``entity_kinds`` ops on ``entity_ids``, and of payments on ``call_ids``."""
    wanted = set(entity_ids)
    by_entity: dict[tuple[str, str], str] = {}
    positions: dict[str, int] = {}
    rows = conn.execute(
        select(op_log.c.op_id, op_log.c.kind, op_log.c.entity_id, op_log.c.local_seq)
        .where(op_log.c.kind.in_(list(entity_kinds)), op_log.c.status != "rejected")
        .order_by(op_log.c.local_seq)
    )
    for op_id, kind, entity_id, local_seq in rows:
        if entity_id in wanted:
            # The first accepted op of a kind on an entity is the one that made the row.
            by_entity.setdefault((kind, entity_id), op_id)
            positions[op_id] = int(local_seq)
    if "commitment.create" in entity_kinds:
        # A transfer makes two commitment rows, the transferee's (the op's entity) and the
        # transferor's reduction (named from it): both trace to the transfer.
        transfers = conn.execute(
            select(op_log.c.op_id, op_log.c.entity_id, op_log.c.local_seq)
            .where(op_log.c.kind == "commitment.transfer", op_log.c.status != "rejected")
            .order_by(op_log.c.local_seq)
        )
        for op_id, entity_id, order in transfers:
            for row_id in (entity_id, transferred_out_id(entity_id)):
                if row_id in wanted:
                    by_entity.setdefault(("commitment.create", row_id), op_id)
                    positions[op_id] = int(order)
    by_payment: dict[str, str] = {}
    if call_ids:
        payments = conn.execute(
            select(op_log.c.op_id, op_log.c.envelope).where(
                op_log.c.kind == "capital_call.payment",
                op_log.c.status != "rejected",
                op_log.c.entity_id.in_(list(call_ids)),
            )
        )
        for op_id, raw in payments:
            payment_id = json.loads(raw)["payload"].get("payment_id")
            if isinstance(payment_id, str):
                by_payment[payment_id] = op_id
    return OpTrail(by_entity, by_payment, positions)
