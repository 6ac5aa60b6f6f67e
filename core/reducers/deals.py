"""Reducers for funds, deals and their lifecycle, documents and approvals."""

from __future__ import annotations

from core.domain.deal_fields import DEAL_FIELDS, FieldType
from core.domain.lifecycle import Requirement, Stage, allowed_targets, transition_rule
from core.domain.roles import Action, Role
from core.ops.payloads import deals as p
from core.reducers.context import OpContext, reducer
from core.store.projection import Row

__all__ = [
    "approval_record",
    "deal_create",
    "deal_transition",
    "deal_update",
    "document_add",
    "fund_create",
    "record_document",
]


@reducer("fund.create")
def fund_create(ctx: OpContext, payload: p.FundCreatePayload) -> None:
    ctx.store.insert(
        "funds",
        {
            "fund_id": ctx.op.entity_id,
            "name": payload.name,
            "currency": payload.currency,
            "vintage_year": payload.vintage_year,
        },
    )


FieldWrite = tuple[dict[str, str], Row | None]  # key, the new row (None: clear the field)


def _field_writes(
    ctx: OpContext, deal_id: str, currency: str, fields: dict[str, p.DealFieldValue]
) -> list[FieldWrite]:
    """Check every field first: a refused op must not leave some fields written."""
    writes: list[FieldWrite] = []
    for name, item in sorted(fields.items()):
        where = f"payload.fields.{name}"
        key = {"deal_id": deal_id, "field": name}
        if item.value is None:
            writes.append((key, None))
            continue
        spec = DEAL_FIELDS[name]
        if spec.type is FieldType.MONEY:
            value = format(ctx.amount(item.value, currency, where), "f")
        elif spec.type is FieldType.USER:
            ctx.must_get("users", "user", "user_id", item.value, where)
            value = item.value
        else:
            value = item.value
        if item.source_document_id is not None:
            doc = ctx.must_get(
                "documents",
                "document",
                "document_id",
                item.source_document_id,
                f"{where}.source_document_id",
            )
            if doc["deal_id"] != deal_id:
                ctx.reject(
                    "invariant_violation",
                    "the source document belongs to another deal",
                    field=f"{where}.source_document_id",
                )
        row = {
            "value": value,
            "provenance": item.provenance.value,
            "source_document_id": item.source_document_id,
            "source_page": item.source_page,
        }
        writes.append((key, row))
    return writes


def _write_fields(ctx: OpContext, writes: list[FieldWrite]) -> None:
    for key, row in writes:
        if row is None:
            ctx.store.delete("deal_fields", key)
        elif ctx.store.get("deal_fields", key) is None:
            ctx.store.insert("deal_fields", key | row)
        else:
            ctx.store.update("deal_fields", key, row)


@reducer("deal.create")
def deal_create(ctx: OpContext, payload: p.DealCreatePayload) -> None:
    if payload.fund_id is not None:
        fund = ctx.must_get("funds", "fund", "fund_id", payload.fund_id, "payload.fund_id")
        if fund["currency"] != payload.currency:
            ctx.reject(
                "invariant_violation",
                f"the fund reports in {fund['currency']}",
                field="payload.currency",
            )
    writes = _field_writes(ctx, ctx.op.entity_id, payload.currency, payload.fields)
    ctx.store.insert(
        "deals",
        {
            "deal_id": ctx.op.entity_id,
            "name": payload.name,
            "stage": Stage.DRAFT.value,
            "stage_version": 1,
            "currency": payload.currency,
            "fund_id": payload.fund_id,
            "created_by": ctx.op.actor_id,
        },
    )
    _write_fields(ctx, writes)


@reducer("deal.update")
def deal_update(ctx: OpContext, payload: p.DealUpdatePayload) -> None:
    deal = ctx.must_get("deals", "deal", "deal_id", ctx.op.entity_id, "entity_id")
    writes = _field_writes(ctx, deal["deal_id"], deal["currency"], payload.fields)
    if payload.name is not None:
        ctx.store.update("deals", {"deal_id": deal["deal_id"]}, {"name": payload.name})
    _write_fields(ctx, writes)


def _latest_approval(ctx: OpContext, deal_id: str, kind: str, since: int) -> str | None:
    votes = [
        a
        for a in ctx.store.rows("approvals", {"deal_id": deal_id, "approval_type": kind})
        if a["recorded_version"] > since and a["decision"] != "abstain"
    ]
    if not votes:
        return None
    return str(max(votes, key=lambda a: a["recorded_version"])["decision"])


@reducer("deal.transition")
def deal_transition(ctx: OpContext, payload: p.DealTransitionPayload) -> None:
    deal = ctx.must_get("deals", "deal", "deal_id", ctx.op.entity_id, "entity_id")
    source, target = Stage(deal["stage"]), payload.to
    rule = transition_rule(source, target)
    if rule is None:
        nexts = ", ".join(t.value for t in allowed_targets(source)) or "none"
        ctx.reject(
            "lifecycle_gate",
            f"a deal cannot move from {source} to {target}; from {source} it can move to: {nexts}",
            field="payload.to",
        )
    if rule.action is Action.DECIDE_DEAL:
        why = f"only a GP may move a deal from {source} to {target}"
    else:
        why = f"only a GP or GP analyst may move a deal from {source} to {target}"
    ctx.require(rule.action, why)
    fund_id = deal["fund_id"]
    if payload.fund_id is not None:
        if target is not Stage.CLOSED:
            ctx.reject(
                "invalid_payload",
                "a fund is assigned when the deal closes",
                field="payload.fund_id",
            )
        fund = ctx.must_get("funds", "fund", "fund_id", payload.fund_id, "payload.fund_id")
        if fund["currency"] != deal["currency"]:
            ctx.reject(
                "invariant_violation",
                f"the fund reports in {fund['currency']}, the deal in {deal['currency']}",
                field="payload.fund_id",
            )
        fund_id = payload.fund_id
    for need in rule.requires:
        if (
            need is Requirement.IC_APPROVAL
            and _latest_approval(ctx, deal["deal_id"], "ic_vote", deal["stage_version"])
            != "approve"
        ):
            ctx.reject(
                "lifecycle_gate",
                "IC approval requires an approving IC vote recorded by a GP during this IC review",
                field="payload.to",
            )
        if (
            need is Requirement.COUNSEL_SIGNOFF
            and _latest_approval(ctx, deal["deal_id"], "legal_signoff", 0) != "approve"
        ):
            ctx.reject(
                "lifecycle_gate",
                "closing requires a legal sign-off recorded by counsel",
                field="payload.to",
            )
        if need is Requirement.FUND_ASSIGNED and fund_id is None:
            ctx.reject(
                "lifecycle_gate",
                "a deal closes into a fund: name payload.fund_id",
                field="payload.fund_id",
            )
    ctx.store.update(
        "deals",
        {"deal_id": deal["deal_id"]},
        {"stage": target.value, "stage_version": ctx.version_after, "fund_id": fund_id},
    )


@reducer("document.add")
def document_add(ctx: OpContext, payload: p.DocumentAddPayload) -> None:
    if payload.deal_id is not None:
        ctx.must_get("deals", "deal", "deal_id", payload.deal_id, "payload.deal_id")
    if payload.fund_id is not None:
        ctx.must_get("funds", "fund", "fund_id", payload.fund_id, "payload.fund_id")
    record_document(ctx, payload)


def record_document(ctx: OpContext, payload: p.DocumentAddPayload) -> None:
    """The document's row: also what an external reader's replica records of a document
    it is shown, whose deal it may not hold (core.reducers.lp_view)."""
    ctx.store.insert(
        "documents",
        {
            "document_id": ctx.op.entity_id,
            "deal_id": payload.deal_id,
            "fund_id": payload.fund_id,
            "filename": payload.filename,
            "title": payload.title,
            "media_type": payload.media_type,
            "size_bytes": payload.size_bytes,
            "sha256": payload.sha256,
            "audience": payload.audience,
        },
    )


def _counsel_entitled(ctx: OpContext, deal: dict[str, object]) -> bool:
    grants = ctx.store.rows("entitlements", {"user_id": ctx.op.actor_id, "active": True})
    return any(
        (g["scope_type"] == "deal" and g["scope_id"] == deal["deal_id"])
        or (g["scope_type"] == "fund" and g["scope_id"] == deal["fund_id"])
        for g in grants
    )


@reducer("approval.record")
def approval_record(ctx: OpContext, payload: p.ApprovalRecordPayload) -> None:
    deal = ctx.must_get("deals", "deal", "deal_id", ctx.op.entity_id, "entity_id")
    stage = Stage(deal["stage"])
    if payload.approval_type == "ic_vote":
        ctx.require(Action.DECIDE_DEAL, "only a GP votes at IC")
        if stage is not Stage.IC_REVIEW:
            ctx.reject(
                "lifecycle_gate",
                f"IC votes are cast in ic_review; the deal is in {stage}",
                field="payload.approval_type",
            )
    else:
        ctx.require(Action.LEGAL_SIGNOFF, "only counsel signs off legally")
        if Role.COUNSEL in ctx.roles and not _counsel_entitled(ctx, deal):
            ctx.reject("not_found", f"no deal {deal['deal_id']}", field="entity_id")
        if stage not in (Stage.APPROVED, Stage.CLOSING):
            ctx.reject(
                "lifecycle_gate",
                "legal sign-off is given once a deal is approved, "
                f"before it closes; the deal is in {stage}",
                field="payload.approval_type",
            )
    if ctx.store.get("approvals", {"approval_id": payload.approval_id}) is not None:
        ctx.reject(
            "invariant_violation",
            "that approval id is already recorded",
            field="payload.approval_id",
        )
    ctx.store.insert(
        "approvals",
        {
            "approval_id": payload.approval_id,
            "deal_id": deal["deal_id"],
            "approval_type": payload.approval_type,
            "decision": payload.decision,
            "decided_by": ctx.op.actor_id,
            "note": payload.note,
            "recorded_version": ctx.version_after,
        },
    )
