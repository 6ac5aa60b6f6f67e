"""What an external reader (counsel, lender, LP) may see of an op, shared by the sync
server that serves redacted ops and any client that checks what it received.

Staff who may read the whole organization see every op as it was signed. External roles
see only ops about what :mod:`core.visibility` lets them see (DESIGN §3 rule 5, §4) —
the one definition the read models filter with too. Which kinds of op show it:

- counsel and lenders: the ops of the deals they see (the deal, its approvals), the
  documents they see, and the creation of each fund granted to them;
- an LP: its own LP record and contacts, its own commitments, the ops of the funds it is
  committed to (the fund, its LPA terms, NAV marks), the capital calls and distributions
  in which it has an allocation — carrying only its own allocation, never the total,
  another LP's id, allocation, payment or the list of excluded LPs — and its own payments.

Whether an LP is shown an op depends only on its own positions, so the number of ops it
receives does not change with the number of other LPs; nor does anything in them. A
redacted op's ``device_seq`` and ``base_version`` are null: the GP's device counts every
op it signs (another LP's commitment too) and a call's version counts every payment on it
(another LP's too), so either would tell an LP how many others there are. A redacted
payload is a valid payload of its kind, or of the kind's ``redacted`` model
(:attr:`core.ops.kinds.KindSpec.redacted`, published as ``<Kind>RedactedPayload``), whose
fields are exactly the ones shown here.

The server re-signs every op it redacts with its own key (``GET /v1/server-key``):
:func:`verify_redacted` checks one.
"""

from __future__ import annotations

from typing import Any, Final

from core.ops.envelope import canonical_bytes
from core.ops.payloads.base import Payload
from core.ops.payloads.capital import (
    CapitalCallCreateRedactedPayload,
    DistributionCreateRedactedPayload,
)
from core.ops.signing import DeviceKey, verify_signature
from core.store.projection import Projection
from core.visibility import Entitlements, Scope, Viewer, entitlements_of

# Viewer, Entitlements and entitlements_of are core.visibility's, named here too for the
# callers that redact.
__all__ = [
    "Entitlements",
    "Viewer",
    "entitlements_of",
    "redact",
    "sign_redacted",
    "verify_redacted",
]

DEAL_KINDS: Final = frozenset({"deal.create", "deal.update", "deal.transition", "approval.record"})
# Fund-level ops an LP of the fund sees: the fund, its LPA terms, NAV marks, pay-in details.
FUND_KINDS: Final = frozenset({"fund.create", "fund.update", "fund.terms.set", "fund.nav.record"})


def _shown_fields(model: type[Payload]) -> tuple[str, ...]:
    """The payload fields an LP is shown of a draft: its redacted model's, bar its own
    ``allocations`` (computed here, not copied)."""
    return tuple(name for name in model.model_fields if name != "allocations")


# fund_id, deal_id, currency, basis, call_date, due_date, purpose
CALL_FIELDS: Final = _shown_fields(CapitalCallCreateRedactedPayload)
# fund_id, deal_id, currency, basis, distribution_date, source
DISTRIBUTION_FIELDS: Final = _shown_fields(DistributionCreateRedactedPayload)
# Counters of the author's device and of the entity: null in every redacted op.
COUNTERS: Final = ("device_seq", "base_version")

Op = dict[str, Any]


def redact(store: Projection, viewer: Viewer, ents: Entitlements, op: Op) -> Op | None:
    """``op`` (wire form) as ``viewer`` may see it, or None when it is hidden entirely.

    The result is unsigned (no ``signature``), with ``device_seq`` and ``base_version``
    null, unless the viewer reads everything, in which case ``op`` comes back unchanged
    with its author's signature.
    """
    if viewer.reads_everything:
        return op
    scope = viewer.scope(ents)
    payload = _lp_payload(store, scope, op)
    if payload is None:
        payload = _deal_payload(store, scope, op)
    if payload is None:
        return None
    shown = {k: v for k, v in op.items() if k != "signature"}
    shown["payload"] = payload
    shown.update(dict.fromkeys(COUNTERS))
    return shown


def _deal_payload(store: Projection, scope: Scope, op: Op) -> dict[str, Any] | None:
    kind, payload = op["kind"], op["payload"]
    if kind in DEAL_KINDS and scope.sees_deal(store, op["entity_id"]):
        return dict(payload)
    if kind == "document.add" and scope.sees_document(
        store, payload.get("deal_id"), payload.get("fund_id")
    ):
        return dict(payload)
    # A deal reader is shown a granted fund's creation, never its terms or NAV marks.
    if kind == "fund.create" and op["entity_id"] in scope.funds:
        return dict(payload)
    return None


def _own_allocations(
    store: Projection, table: str, key: str, entity_id: str, lps: frozenset[str]
) -> dict[str, str]:
    found = {}
    for lp_id in sorted(lps):
        row = store.get(table, {key: entity_id, "lp_id": lp_id})
        if row is not None:
            found[lp_id] = str(row["amount"])
    return found


def _lp_payload(store: Projection, scope: Scope, op: Op) -> dict[str, Any] | None:
    kind, payload, entity_id = op["kind"], op["payload"], op["entity_id"]
    if not scope.lps:
        return None
    if kind in ("lp.create", "lp.update"):
        return dict(payload) if scope.sees_lp(entity_id) else None
    if kind in ("commitment.create", "capital_call.payment"):
        return dict(payload) if scope.sees_lp(payload.get("lp_id")) else None
    if kind in FUND_KINDS:
        if not scope.invests_in(store, entity_id):
            return None
        shown = dict(payload)
        # The GP commitment is another partner's position: name it only to that partner.
        gp_lp = shown.get("gp_commitment_lp_id")
        if gp_lp is not None and not scope.sees_lp(gp_lp):
            shown.pop("gp_commitment_lp_id")
        return shown
    shaped: dict[str, tuple[str, str, tuple[str, ...] | None]] = {
        "capital_call.create": ("call_allocations", "call_id", CALL_FIELDS),
        "capital_call.revise": ("call_allocations", "call_id", CALL_FIELDS),
        "capital_call.issue": ("call_allocations", "call_id", None),
        "distribution.create": ("distribution_allocations", "distribution_id", DISTRIBUTION_FIELDS),
        "distribution.revise": (
            "distribution_allocations",
            "distribution_id",
            DISTRIBUTION_FIELDS,
        ),
        "distribution.issue": ("distribution_allocations", "distribution_id", None),
    }
    if kind not in shaped:
        return None
    table, key, fields = shaped[kind]
    # The op's own split as stored, read back for the viewer's LPs alone.
    own = _own_allocations(store, table, key, entity_id, scope.lps)
    if not own:
        return None
    if fields is None:
        return {}  # issuing: only the fact and its time; the GP's note may name others
    shown = {f: payload[f] for f in fields if f in payload}
    shown["allocations"] = own
    return shown


def sign_redacted(op: Op, key: DeviceKey) -> Op:
    """``op`` (unsigned) with the server's signature over its canonical bytes."""
    return {**op, "signature": key.sign_bytes(canonical_bytes(op))}


def verify_redacted(op: Op, server_public_key: str) -> bool:
    """True when ``op`` carries a valid signature by the server's redaction key."""
    signature = op.get("signature")
    if not isinstance(signature, str):
        return False
    unsigned = {k: v for k, v in op.items() if k != "signature"}
    try:
        message = canonical_bytes(unsigned)
    except ValueError:
        return False
    return verify_signature(server_public_key, message, signature)
