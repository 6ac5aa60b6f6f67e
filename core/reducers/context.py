"""What a reducer is handed: the store, the op, its parsed payload, the actor's roles."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NoReturn, TypeVar

from core.domain.roles import Action, Role, allowed
from core.errors import OpRejected
from core.money import MoneyError, parse_amount
from core.ops.envelope import UnsignedOp
from core.ops.kinds import KindSpec
from core.ops.payloads.base import Payload
from core.store.projection import Projection, Row

__all__ = ["REDUCERS", "OpContext", "Reducer", "reducer"]


@dataclass
class OpContext:
    store: Projection
    op: UnsignedOp
    spec: KindSpec
    roles: frozenset[Role]
    # The entity's row in ``entities`` before this op (None for a create).
    entity: Row | None

    @property
    def version_after(self) -> int:
        """The entity's version once this op is applied."""
        return 1 if self.entity is None else int(self.entity["version"]) + 1

    def require(self, action: Action, why: str | Callable[[], str]) -> None:
        """Refuse as ``forbidden`` unless the actor holds a role permitting ``action``;
        ``why`` may be a function, called only for a refusal."""
        if not allowed(self.roles, action):
            message = why if isinstance(why, str) else why()
            raise OpRejected("forbidden", message, details={"action": action.value})

    def reject(
        self, code: str, message: str, *, field: str | None = None, **details: Any
    ) -> NoReturn:
        raise OpRejected(code, message, field=field, details=details)

    def deleted(self, what: str) -> NoReturn:
        """Refuse an op on a draft deleted before it: the entity is known, its record gone
        (an op made on a device that had not yet heard of the deletion)."""
        self.reject(
            "not_found",
            f"the {what} was deleted as a draft; nothing more can be recorded against it",
            field="entity_id",
        )

    def must_get(self, table: str, entity_type: str, key: str, value: str, field: str) -> Row:
        """The row of an entity the payload names, or ``not_found`` naming the field.

        Another organization's id is indistinguishable from an id that never existed.
        """
        entity = self.store.get("entities", {"entity_id": value})
        row = self.store.get(table, {key: value}) if entity else None
        if entity is None or entity["entity_type"] != entity_type or row is None:
            self.reject("not_found", f"no {entity_type.replace('_', ' ')} {value}", field=field)
        return row

    def amount(self, raw: str, currency: str, field: str) -> Decimal:
        try:
            return parse_amount(raw, currency)
        except MoneyError as exc:
            self.reject("invalid_payload", str(exc), field=field)

    def create_entity(self, entity_id: str, entity_type: str) -> None:
        """Register a further entity this op creates besides ``op.entity_id``."""
        if self.store.get("entities", {"entity_id": entity_id}) is not None:
            self.reject("invariant_violation", f"id {entity_id} is already in use")
        self.store.insert(
            "entities", {"entity_id": entity_id, "entity_type": entity_type, "version": 1}
        )


P = TypeVar("P", bound=Payload)
Reducer = Callable[[OpContext, Any], None]
REDUCERS: dict[str, Reducer] = {}


def reducer(
    kind: str,
) -> Callable[[Callable[[OpContext, P], None]], Callable[[OpContext, P], None]]:
    """Register the function that validates and applies ``kind``."""

    def register(fn: Callable[[OpContext, P], None]) -> Callable[[OpContext, P], None]:
        if kind in REDUCERS:
            raise RuntimeError(f"two reducers for {kind}")
        REDUCERS[kind] = fn
        return fn

    return register
