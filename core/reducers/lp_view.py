"""An LP's replica: the redacted feed reduced into the LP's own projections.

An LP user's replica holds the ops the server shows it (:mod:`core.redaction`), each
signed by the server rather than by the device that made it, with no counters. They are
reduced here, never through :func:`core.reducers.apply.apply_op`: the device, actor, role
and version checks judged the op on the server, and the server's signature — checked by
the caller, at pull and at every rebuild — vouches for what it shows.

- An op shown whole (the fund, its terms, the LP, its contacts and commitments, its
  payments, the reader's own user, roles and LP entitlements) goes through its kind's own
  reducer, the same one the GP's replica runs.
- An op whose payload is the LP's view (``<Kind>RedactedPayload``) writes the LP's own
  rows as given, where the GP's reducer would compute a split across every LP: a call's
  and a distribution's issue write the record and the LP's own allocation (classes,
  withholding, offsets, waterfall tiers, the explanation's lines about it) and settle the
  offsets as the GP's issue does; a NAV mark is recorded as the LP's own share — so on the
  replica the fund's NAV is the LP's account and :mod:`core.positions` gives it its share
  to the cent; the organization's genesis records its name.
- A document the reader is shown (a deal reader's deal or fund document, a fund document
  shared with the LPs) records its row as given, whether or not its deal is on the replica.
- A draft's creation is the bare fact (kept in the log, for the documents that trace a
  record to it) and writes nothing: a call or distribution exists on an LP's replica once
  it is issued, so a draft revised or deleted later never leaves anything behind.

What the LP is shown of a record, the record's totals are on its replica too: a call's
amount is the LP's own share of it, a distribution's its own amount and the carry taken
from its own portion. Entities' versions count the ops reduced here, not the GP's.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, Final

from pydantic import ValidationError

from core.errors import OpRejected
from core.ids import transferred_out_id
from core.ops.amounts import AmountProblem, check_amounts
from core.ops.envelope import RedactedEnvelope, UnsignedOp
from core.ops.kinds import KindSpec, spec_for
from core.ops.payloads import capital as c
from core.ops.payloads.base import Payload, payload_refusal
from core.ops.payloads.deals import DocumentAddPayload
from core.ops.payloads.funds import FundNavRecordPayload
from core.ops.payloads.readers import (
    CommitmentTransferRedactedPayload,
    FundNavRecordRedactedPayload,
    OrgCreateRedactedPayload,
)
from core.reducers.apply import AppliedOp, parse_payload
from core.reducers.context import REDUCERS, OpContext
from core.reducers.deals import record_document
from core.reducers.distribution_classes import settle_call_offsets
from core.store.projection import Projection

# (core.reducers.apply registers every kind's reducer: an LP's replica runs the same ones.)

__all__ = ["LP_VIEW_KINDS", "apply_redacted"]

# Kinds an LP is shown whole, reduced by their own reducers.
_WHOLE: Final = frozenset(
    {
        "fund.create",
        "fund.update",
        "fund.terms.set",
        "fund.close",
        "lp.create",
        "lp.update",
        "commitment.create",
        "capital_call.payment",
        "user.invite",
        "role.grant",
        "role.revoke",
        "entitlement.grant",
    }
)
# A draft's creation: logged, never reduced.
_FACTS: Final = frozenset({"capital_call.create", "distribution.create"})

ViewReducer = Callable[[OpContext, Any], None]


def _view(kind: str, model: type[Payload]) -> Callable[[ViewReducer], ViewReducer]:
    """Register how an LP's replica reduces ``kind`` shown as ``model``."""

    def register(fn: ViewReducer) -> ViewReducer:
        _VIEWS[kind] = (model, fn)
        return fn

    return register


_VIEWS: dict[str, tuple[type[Payload], ViewReducer]] = {}


def apply_redacted(store: Projection, op: RedactedEnvelope) -> AppliedOp | None:
    """Reduce one server-signed, redacted op into ``store`` (whose signature the caller
    has checked); None when it is kept without a change: a draft's creation, a kind this
    build does not know, or one an LP view does not reduce. Raises ``OpRejected`` when it
    does not apply, naming the rule."""
    if op.org_id != store.org_id:
        raise OpRejected("org_mismatch", "the op names another organization", field="org_id")
    spec = spec_for(op.kind)
    if spec is None or op.kind in _FACTS:
        return None
    unsigned = _as_unsigned(op)
    if op.kind in _WHOLE:
        payload = parse_payload(spec, op.payload)
        return _reduce(store, unsigned, spec, REDUCERS[spec.kind], payload)
    view = _VIEWS.get(op.kind)
    if view is None:
        return None
    model, reduce = view
    if op.kind.endswith(".issue") and not op.payload:
        return None  # an older server showed only the fact of an issue: kept, not reduced
    return _reduce(store, unsigned, spec, reduce, _parse(model, spec, op.payload))


def _as_unsigned(op: RedactedEnvelope) -> UnsignedOp:
    """The redacted op as the reducers read an op: the counters it lacks are never read
    (no version is checked here, no device counts)."""
    return UnsignedOp.model_construct(
        op_id=op.op_id,
        org_id=op.org_id,
        device_id=op.device_id,
        device_seq=0,
        actor_id=op.actor_id,
        kind=op.kind,
        entity_id=op.entity_id,
        base_version=None,
        payload=op.payload,
        issued_at=op.issued_at,
    )


def _parse(model: type[Payload], spec: KindSpec, raw: dict[str, Any]) -> Payload:
    try:
        payload = model.model_validate(raw)
    except ValidationError as exc:
        raise payload_refusal(exc, spec.kind) from None
    currency = getattr(payload, "currency", None) or getattr(payload, "base_currency", None)
    if isinstance(currency, str):
        try:
            check_amounts(payload, currency)
        except AmountProblem as exc:
            raise OpRejected("invalid_payload", str(exc), field=exc.path) from None
    return payload


def _reduce(
    store: Projection, op: UnsignedOp, spec: KindSpec, reduce: ViewReducer, payload: Payload
) -> AppliedOp:
    entity = store.get("entities", {"entity_id": op.entity_id})
    if entity is not None and entity["entity_type"] != spec.entity_type:
        what = spec.entity_type.replace("_", " ")
        raise OpRejected("not_found", f"no {what} {op.entity_id}", field="entity_id")
    if spec.concurrency == "create" and entity is not None:
        raise OpRejected(
            "invariant_violation", f"id {op.entity_id} is already in use", field="entity_id"
        )
    ctx = OpContext(store=store, op=op, spec=spec, roles=frozenset(), entity=entity)
    reduce(ctx, payload)
    if entity is None:
        store.insert(
            "entities", {"entity_id": op.entity_id, "entity_type": spec.entity_type, "version": 1}
        )
        return AppliedOp(op.op_id, op.kind, op.entity_id, 1, spec.areas)
    version = int(entity["version"]) + 1
    store.update("entities", {"entity_id": op.entity_id}, {"version": version})
    return AppliedOp(op.op_id, op.kind, op.entity_id, version, spec.areas)


def _total(ctx: OpContext, amounts: list[str], currency: str, field: str) -> Decimal:
    zero = ctx.amount("0", currency, field)
    return sum((ctx.amount(a, currency, field) for a in amounts), zero)


def _fund(ctx: OpContext, fund_id: str, currency: str) -> None:
    fund = ctx.must_get("funds", "fund", "fund_id", fund_id, "payload.fund_id")
    if currency != fund["currency"]:
        ctx.reject(
            "invariant_violation", f"the fund is in {fund['currency']}", field="payload.currency"
        )


def _own_lps(ctx: OpContext, lp_ids: list[str]) -> None:
    for lp_id in lp_ids:
        ctx.must_get("lps", "lp", "lp_id", lp_id, f"payload.allocations.{lp_id}")


def _not_recorded(ctx: OpContext, table: str, key: str, what: str) -> None:
    if ctx.store.get(table, {key: ctx.op.entity_id}) is not None:
        ctx.reject("lifecycle_gate", f"the {what} is already issued", field="entity_id")


@_view("org.create", OrgCreateRedactedPayload)
def org_create(ctx: OpContext, payload: OrgCreateRedactedPayload) -> None:
    if ctx.op.entity_id != ctx.op.org_id:
        ctx.reject("invalid_payload", "org.create acts on the org itself", field="entity_id")
    if ctx.store.get("organizations", {}) is not None:
        ctx.reject("invariant_violation", "the organization already exists")
    ctx.store.insert(
        "organizations", {"name": payload.name, "base_currency": payload.base_currency}
    )


@_view("fund.nav.record", FundNavRecordRedactedPayload)
def fund_nav_record(ctx: OpContext, payload: FundNavRecordRedactedPayload) -> None:
    """The mark, as the LP's own share: the replica's fund is the LP's part of it."""
    _own_lps(ctx, list(payload.nav_shares))
    nav = _total(ctx, list(payload.nav_shares.values()), payload.currency, "payload.nav_shares")
    mark = FundNavRecordPayload(
        valuation_id=payload.valuation_id,
        as_of=payload.as_of,
        nav=format(nav, "f"),
        currency=payload.currency,
        note=payload.note,
    )
    REDUCERS["fund.nav.record"](ctx, mark)


@_view("capital_call.issue", c.CapitalCallIssueRedactedPayload)
def capital_call_issue(ctx: OpContext, payload: c.CapitalCallIssueRedactedPayload) -> None:
    _fund(ctx, payload.fund_id, payload.currency)
    _not_recorded(ctx, "capital_calls", "call_id", "capital call")
    _own_lps(ctx, list(payload.allocations))
    amounts = list(payload.allocations.values())
    amount = _total(ctx, amounts, payload.currency, "payload.allocations")
    ctx.store.insert(
        "capital_calls",
        {
            "call_id": ctx.op.entity_id,
            "fund_id": payload.fund_id,
            "deal_id": payload.deal_id,
            "amount": format(amount, "f"),
            "currency": payload.currency,
            "basis": payload.basis,
            "call_date": payload.call_date,
            "due_date": payload.due_date,
            "purpose": payload.purpose,
            "status": "issued",
            "drafted_by": None,
            "approved_by": None,
        },
    )
    zero = format(ctx.amount("0", payload.currency, "payload.currency"), "f")
    for lp_id, share in sorted(payload.allocations.items()):
        ctx.store.insert(
            "call_allocations",
            {
                "call_id": ctx.op.entity_id,
                "lp_id": lp_id,
                "amount": format(ctx.amount(share, payload.currency, "payload.allocations"), "f"),
                "paid": zero,
            },
        )


_SHARE_COLUMNS: Final = ("carry", "return_of_capital", "gain", "income", "withheld", "call_offset")


@_view("distribution.issue", c.DistributionIssueRedactedPayload)
def distribution_issue(ctx: OpContext, payload: c.DistributionIssueRedactedPayload) -> None:
    _fund(ctx, payload.fund_id, payload.currency)
    _not_recorded(ctx, "distributions", "distribution_id", "distribution")
    _own_lps(ctx, list(payload.allocations))
    currency, dist_id = payload.currency, ctx.op.entity_id
    shares = payload.allocations
    amount = _total(ctx, [s.amount for s in shares.values()], currency, "payload.allocations")
    carries = [s.carry for s in shares.values() if s.carry is not None]
    row: dict[str, Any] = {
        "distribution_id": dist_id,
        "fund_id": payload.fund_id,
        "deal_id": payload.deal_id,
        "amount": format(amount, "f"),
        "currency": currency,
        "basis": payload.basis,
        "distribution_date": payload.distribution_date,
        "source": payload.source,
        "note": "",
        "status": "issued",
        "terms_version": payload.terms_version,
        "carried_interest": (
            format(_total(ctx, carries, currency, "payload.allocations"), "f") if carries else None
        ),
        "drafted_by": None,
        "approved_by": None,
        "recallable": payload.recallable,
        "offsets_unpaid_calls": payload.offsets_unpaid_calls,
    }
    ctx.store.insert("distributions", row)
    for lp_id, share in sorted(shares.items()):
        where = f"payload.allocations.{lp_id}"
        columns = {
            name: None if raw is None else format(ctx.amount(raw, currency, where), "f")
            for name in _SHARE_COLUMNS
            for raw in [getattr(share, name)]
        }
        ctx.store.insert(
            "distribution_allocations",
            {
                "distribution_id": dist_id,
                "lp_id": lp_id,
                "amount": format(ctx.amount(share.amount, currency, where), "f"),
                **columns,
            },
        )
        for tier, part in sorted(share.tiers.items()):
            ctx.store.insert(
                "distribution_allocation_tiers",
                {
                    "distribution_id": dist_id,
                    "lp_id": lp_id,
                    "tier": tier,
                    "amount": format(ctx.amount(part, currency, f"{where}.tiers"), "f"),
                },
            )
    for n, line in enumerate(payload.explanation, start=1):
        ctx.store.insert(
            "distribution_explanations", {"distribution_id": dist_id, "line_no": n, "text": line}
        )
    # The offsets the GP's issue settled against the LP's unpaid calls, settled the same
    # way on the same figures: the LP's calls are all it owes.
    settle_call_offsets(ctx, row)


@_view("commitment.transfer", CommitmentTransferRedactedPayload)
def commitment_transfer(ctx: OpContext, payload: CommitmentTransferRedactedPayload) -> None:
    """The LP's own side of a transfer: the rows the GP's replica holds for it, by the same
    ids (the transferee's is the op's entity, the transferor's named from it)."""
    _fund(ctx, payload.fund_id, payload.currency)
    sides = [
        (
            transferred_out_id(ctx.op.entity_id),
            lp_id,
            -ctx.amount(a, payload.currency, "payload.given"),
        )
        for lp_id, a in sorted(payload.given.items())
    ] + [
        (ctx.op.entity_id, lp_id, ctx.amount(a, payload.currency, "payload.received"))
        for lp_id, a in sorted(payload.received.items())
    ]
    if not sides:
        ctx.reject(
            "invalid_payload", "a transfer shown to an LP names its own side", field="payload"
        )
    for commitment_id, lp_id, amount in sides:
        ctx.must_get("lps", "lp", "lp_id", lp_id, "payload")
        ctx.store.insert(
            "commitments",
            {
                "commitment_id": commitment_id,
                "fund_id": payload.fund_id,
                "lp_id": lp_id,
                "amount": format(amount, "f"),
                "currency": payload.currency,
                "committed_on": payload.effective_date,
            },
        )


@_view("document.add", DocumentAddPayload)
def document_add(ctx: OpContext, payload: DocumentAddPayload) -> None:
    """A document the reader is shown: its row, so its file can be fetched and opened; a
    deal reader's replica may hold no row of the deal itself."""
    record_document(ctx, payload)


# The kinds an LP's replica reduces, whole or as its view.
LP_VIEW_KINDS: Final = _WHOLE | frozenset(_VIEWS)
