"""Verify and apply one operation: the single path every op takes, desktop and server alike.

Order of checks (each refusal names its code, field and rule, and writes nothing):
kind known → organization → device and signature → actor → payload schema → entity and
version → role → the kind's own rules (lifecycle gates, ledger invariants). The caller
runs this inside a transaction and rolls back on :class:`~core.errors.OpRejected`.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError

from core.domain.roles import Action, Role, allowed
from core.errors import OpRejected
from core.ops.amounts import AmountProblem, check_amounts
from core.ops.changes import Area, OpChanges
from core.ops.envelope import Envelope, UnsignedOp
from core.ops.kinds import KindSpec, spec_for
from core.ops.payloads.access import OrgCreatePayload
from core.ops.payloads.base import Payload, payload_refusal
from core.ops.signing import verify_envelope
from core.redaction import Viewer, entitlements_of, redact
from core.reducers import (  # noqa: F401  (registration)
    access,
    capital,
    deals,
    drafts,
    four_eyes,
    funds,
    investors,
)
from core.reducers.context import REDUCERS, OpContext
from core.store.projection import Projection, Row

__all__ = ["AppliedOp", "apply_op", "parse_payload"]

# Records split among LPs: a reader sees one only where it holds a share of it.
_SHARED_RECORDS = frozenset({"capital_call", "distribution"})


@dataclass(frozen=True, slots=True)
class AppliedOp:
    """One accepted op: which entity it changed, the version it left, and the areas of the
    organization it touched (the kind's, from the registry)."""

    op_id: str
    kind: str
    entity_id: str
    version: int
    areas: frozenset[Area]

    @property
    def changes(self) -> OpChanges:
        return OpChanges.of([self])


def parse_payload(spec: KindSpec, payload: dict[str, object]) -> Payload:
    """The kind's payload model, or ``unknown_field`` / ``invalid_payload`` naming the field.

    Every money amount is checked against the payload's currency here, on the way in, so a
    USD amount of 100.001 is refused before any reducer runs.
    """
    try:
        model = spec.payload.model_validate(payload)
    except ValidationError as exc:
        raise payload_refusal(exc, spec.kind) from None
    currency = getattr(model, "currency", None)
    if isinstance(currency, str):
        try:
            check_amounts(model, currency)
        except AmountProblem as exc:
            raise OpRejected("invalid_payload", str(exc), field=exc.path) from None
    return model


def apply_op(
    store: Projection,
    op: Envelope | UnsignedOp,
    *,
    verify: bool = True,
    verified_with: str | None = None,
) -> AppliedOp:
    """Check ``op`` against the store and apply it; raise ``OpRejected`` otherwise.

    ``verify=False`` skips only the signature check, for ops the caller has just signed
    itself; every other rule still runs. ``verified_with`` names a public key the
    signature was already checked against (see :mod:`core.ops.batch_verify`): the check is
    skipped only if that is still the device's key.
    """
    spec = spec_for(op.kind)
    if spec is None:
        raise OpRejected("unknown_kind", f"no op kind {op.kind!r} in this version", field="kind")
    if op.org_id != store.org_id:
        raise OpRejected("org_mismatch", "the op names another organization", field="org_id")
    if spec.kind == "org.create":
        return _genesis(store, op, spec, verify=verify)
    device = store.get("devices", {"device_id": op.device_id})
    if device is None:
        raise OpRejected("not_found", "the op's device is not enrolled", field="device_id")
    if device["status"] != "active":
        raise OpRejected("device_revoked", "the op's device has been revoked", field="device_id")
    if device["user_id"] != op.actor_id:
        raise OpRejected(
            "actor_mismatch", "the actor is not the user the device belongs to", field="actor_id"
        )
    if verify and (verified_with is None or verified_with != device["public_key"]):
        _verify(op, device["public_key"])
    actor = store.get("users", {"user_id": op.actor_id})
    if actor is None or not actor["active"]:
        raise OpRejected("forbidden", "the actor is not an active user of the organization")
    payload = parse_payload(spec, op.payload)
    roles = frozenset(Role(r["role"]) for r in store.rows("memberships", {"user_id": op.actor_id}))
    _refuse_unseen(store, op, spec, roles)
    entity = _check_entity(store, op, spec)
    ctx = OpContext(store=store, op=op, spec=spec, roles=roles, entity=entity)
    if spec.action is not None:
        ctx.require(
            spec.action,
            lambda: f"{_role_names(roles)} may not {spec.summary[0].lower()}{spec.summary[1:]}",
        )
    REDUCERS[spec.kind](ctx, payload)
    return _bump(store, op, spec, entity)


def _verify(op: Envelope | UnsignedOp, public_key: str) -> None:
    if not isinstance(op, Envelope):
        raise OpRejected("invalid_signature", "the op carries no signature", field="signature")
    verify_envelope(op, public_key)


def _role_names(roles: frozenset[Role]) -> str:
    if not roles:
        return "a user with no role"
    return "a user with role " + ", ".join(sorted(r.value for r in roles))


def _refuse_unseen(
    store: Projection, op: UnsignedOp, spec: KindSpec, roles: frozenset[Role]
) -> None:
    """An external reader (counsel, lender, LP) acting on an existing entity it may not
    see is told ``not_found``, exactly as for an id that never existed — never
    ``forbidden`` or ``version_conflict``, which would confirm the entity and its version
    (DESIGN §4). What it may see is what :func:`core.redaction.redact` would show it."""
    if spec.concurrency == "create" or allowed(roles, Action.READ_ORG):
        return
    if store.get("entities", {"entity_id": op.entity_id}) is None:
        return  # _check_entity says not_found, in the same words
    viewer = Viewer(op.actor_id, roles)
    ents = entitlements_of(store, op.actor_id)
    wire = op.model_dump(mode="json")
    # The op may name what the reader sees (its own LP's payment) on a record it does not
    # (a call it has no share of): the record itself must be one the reader is shown.
    record = {**wire, "kind": f"{spec.entity_type}.create", "payload": {}}
    shown = spec.entity_type not in _SHARED_RECORDS or redact(store, viewer, ents, record)
    if shown and redact(store, viewer, ents, wire):
        return
    raise OpRejected(
        "not_found",
        f"no {spec.entity_type.replace('_', ' ')} {op.entity_id}",
        field="entity_id",
    )


def _check_entity(store: Projection, op: UnsignedOp, spec: KindSpec) -> Row | None:
    entity = store.get("entities", {"entity_id": op.entity_id})
    if spec.concurrency == "create":
        if op.base_version is not None:
            raise OpRejected(
                "invalid_payload", "a create carries base_version null", field="base_version"
            )
        if entity is not None:
            raise OpRejected(
                "invariant_violation", f"id {op.entity_id} is already in use", field="entity_id"
            )
        return None
    if entity is None or entity["entity_type"] != spec.entity_type:
        raise OpRejected(
            "not_found",
            f"no {spec.entity_type.replace('_', ' ')} {op.entity_id}",
            field="entity_id",
        )
    if op.base_version is None:
        raise OpRejected(
            "invalid_payload", "base_version is required for a change", field="base_version"
        )
    current = int(entity["version"])
    stale = (
        op.base_version != current if spec.concurrency == "checked" else (op.base_version > current)
    )
    if stale:
        raise OpRejected(
            "version_conflict",
            f"the {spec.entity_type.replace('_', ' ')} is at version {current}, "
            f"the op was written against version {op.base_version}",
            field="base_version",
            details={"current_version": current},
        )
    return entity


def _bump(store: Projection, op: UnsignedOp, spec: KindSpec, entity: Row | None) -> AppliedOp:
    if entity is None:
        store.insert(
            "entities", {"entity_id": op.entity_id, "entity_type": spec.entity_type, "version": 1}
        )
        return AppliedOp(op.op_id, op.kind, op.entity_id, 1, spec.areas)
    version = int(entity["version"]) + 1
    store.update("entities", {"entity_id": op.entity_id}, {"version": version})
    return AppliedOp(op.op_id, op.kind, op.entity_id, version, spec.areas)


def _genesis(
    store: Projection, op: Envelope | UnsignedOp, spec: KindSpec, *, verify: bool
) -> AppliedOp:
    if store.get("organizations", {}) is not None:
        raise OpRejected("invariant_violation", "the organization already exists")
    if op.entity_id != op.org_id:
        raise OpRejected("invalid_payload", "org.create acts on the org itself", field="entity_id")
    # Genesis creates three entities at once; a shared id would collide half-way through.
    for name, value, taken in (
        ("actor_id", op.actor_id, {op.org_id}),
        ("device_id", op.device_id, {op.org_id, op.actor_id}),
    ):
        if value in taken:
            raise OpRejected(
                "invalid_payload",
                "the organization, its founder and the founder's device need distinct ids",
                field=name,
            )
    if op.base_version is not None:
        raise OpRejected(
            "invalid_payload", "a create carries base_version null", field="base_version"
        )
    payload = parse_payload(spec, op.payload)
    assert isinstance(payload, OrgCreatePayload)
    if verify:
        _verify(op, payload.device.public_key)
    ctx = OpContext(store=store, op=op, spec=spec, roles=frozenset(), entity=None)
    REDUCERS[spec.kind](ctx, payload)
    return _bump(store, op, spec, None)
