"""Reducers for LPs (investors), their contacts, and commitments."""

from __future__ import annotations

from core.ops.payloads import investors as p
from core.reducers.context import OpContext, reducer

__all__ = ["commitment_create", "lp_create", "lp_update"]


def _check_contacts(ctx: OpContext, lp_id: str, contacts: list[p.Contact]) -> None:
    """Before any write: a contact id may only be reused by the LP that already has it."""
    for i, c in enumerate(contacts):
        existing = ctx.store.get("lp_contacts", {"contact_id": c.contact_id})
        if existing is not None and existing["lp_id"] != lp_id:
            ctx.reject(
                "invariant_violation",
                "that contact id is already in use",
                field=f"payload.contacts.{i}.contact_id",
            )


def _insert_contacts(ctx: OpContext, lp_id: str, contacts: list[p.Contact]) -> None:
    for c in contacts:
        ctx.store.insert(
            "lp_contacts",
            {
                "contact_id": c.contact_id,
                "lp_id": lp_id,
                "name": c.name,
                "email": c.email,
                "phone": c.phone,
                "title": c.title,
            },
        )


@reducer("lp.create")
def lp_create(ctx: OpContext, payload: p.LpCreatePayload) -> None:
    _check_contacts(ctx, ctx.op.entity_id, payload.contacts)
    ctx.store.insert(
        "lps", {"lp_id": ctx.op.entity_id, "name": payload.name, "lp_type": payload.lp_type}
    )
    _insert_contacts(ctx, ctx.op.entity_id, payload.contacts)


@reducer("lp.update")
def lp_update(ctx: OpContext, payload: p.LpUpdatePayload) -> None:
    lp_id = ctx.op.entity_id
    if payload.name is None and payload.contacts is None:
        ctx.reject("invalid_payload", "an update changes the name or the contacts", field="payload")
    if payload.contacts is not None:
        _check_contacts(ctx, lp_id, payload.contacts)
    if payload.name is not None:
        ctx.store.update("lps", {"lp_id": lp_id}, {"name": payload.name})
    if payload.contacts is not None:
        ctx.store.delete("lp_contacts", {"lp_id": lp_id})
        _insert_contacts(ctx, lp_id, payload.contacts)


@reducer("commitment.create")
def commitment_create(ctx: OpContext, payload: p.CommitmentCreatePayload) -> None:
    fund = ctx.must_get("funds", "fund", "fund_id", payload.fund_id, "payload.fund_id")
    ctx.must_get("lps", "lp", "lp_id", payload.lp_id, "payload.lp_id")
    if payload.currency != fund["currency"]:
        ctx.reject(
            "invariant_violation",
            f"the fund takes commitments in {fund['currency']}",
            field="payload.currency",
        )
    amount = ctx.amount(payload.amount, payload.currency, "payload.amount")
    if amount <= 0:
        ctx.reject("invalid_payload", "a commitment is a positive amount", field="payload.amount")
    if ctx.store.rows("commitments", {"fund_id": payload.fund_id, "lp_id": payload.lp_id}):
        ctx.reject(
            "invariant_violation",
            "the LP already has a commitment to this fund",
            field="payload.lp_id",
        )
    ctx.store.insert(
        "commitments",
        {
            "commitment_id": ctx.op.entity_id,
            "fund_id": payload.fund_id,
            "lp_id": payload.lp_id,
            "amount": format(amount, "f"),
            "currency": payload.currency,
            "committed_on": payload.committed_on,
        },
    )
