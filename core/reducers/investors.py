"""Reducers for LPs (investors), their contacts, and commitments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from core.ids import transferred_out_id
from core.money import money_text
from core.ops.payloads import investors as p
from core.positions import ledger_book
from core.reducers.context import OpContext, reducer
from core.store.projection import Row

__all__ = ["commitment_create", "commitment_transfer", "lp_create", "lp_update"]


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


def _positive_in_fund_currency(
    ctx: OpContext,
    fund: Row,
    payload: p.CommitmentCreatePayload | p.CommitmentTransferPayload,
    not_positive: str,
) -> Decimal:
    """The payload's amount, in the fund's currency and above zero, or a refusal."""
    if payload.currency != fund["currency"]:
        ctx.reject(
            "invariant_violation",
            f"the fund takes commitments in {fund['currency']}",
            field="payload.currency",
        )
    amount = ctx.amount(payload.amount, payload.currency, "payload.amount")
    if amount <= 0:
        ctx.reject("invalid_payload", not_positive, field="payload.amount")
    return amount


@reducer("commitment.create")
def commitment_create(ctx: OpContext, payload: p.CommitmentCreatePayload) -> None:
    fund = ctx.must_get("funds", "fund", "fund_id", payload.fund_id, "payload.fund_id")
    ctx.must_get("lps", "lp", "lp_id", payload.lp_id, "payload.lp_id")
    amount = _positive_in_fund_currency(ctx, fund, payload, "a commitment is a positive amount")
    closed = fund.get("final_close_date")
    if closed and payload.committed_on > str(closed):
        ctx.reject(
            "lifecycle_gate",
            f"{fund['name']} held its final close on {closed}: a commitment dated after it "
            "comes only by transfer from an existing LP",
            field="payload.committed_on",
        )
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


@reducer("commitment.transfer")
def commitment_transfer(ctx: OpContext, payload: p.CommitmentTransferPayload) -> None:
    fund = ctx.must_get("funds", "fund", "fund_id", payload.fund_id, "payload.fund_id")
    source = ctx.must_get("lps", "lp", "lp_id", payload.from_lp_id, "payload.from_lp_id")
    ctx.must_get("lps", "lp", "lp_id", payload.to_lp_id, "payload.to_lp_id")
    if payload.from_lp_id == payload.to_lp_id:
        ctx.reject(
            "invalid_payload",
            "a transfer passes a commitment to another LP, not to the same one",
            field="payload.to_lp_id",
        )
    amount = _positive_in_fund_currency(ctx, fund, payload, "a transfer moves a positive amount")
    held = ctx.store.rows("commitments", {"fund_id": payload.fund_id, "lp_id": payload.from_lp_id})
    if not held:
        ctx.reject(
            "invariant_violation",
            f"{source['name']} has no commitment to {fund['name']} to transfer",
            field="payload.from_lp_id",
        )
    first = min(str(c["committed_on"]) for c in held)
    if payload.effective_date < first:
        ctx.reject(
            "invariant_violation",
            f"{source['name']} committed to {fund['name']} on {first}: a transfer of it "
            "takes effect on or after that day",
            field="payload.effective_date",
        )
    # Only unfunded commitment moves, and never what draft calls already reserve: on the
    # transfer's day and on every later record alike.
    book = ledger_book(ctx.store, payload.fund_id)
    on = dt.date.fromisoformat(payload.effective_date)
    available = min(
        book.as_of(on, with_nav=False).of(payload.from_lp_id).available_to_call,
        book.as_of(None, with_nav=False).of(payload.from_lp_id).available_to_call,
    )
    if amount > available:
        currency = payload.currency
        ctx.reject(
            "invariant_violation",
            f"{source['name']} has {money_text(max(available, Decimal(0)), currency)} of "
            f"unfunded commitment to {fund['name']} left to transfer; "
            f"{money_text(amount, currency)} exceeds it by "
            f"{money_text(amount - max(available, Decimal(0)), currency)} (only unfunded "
            "commitment moves; issued and draft calls count)",
            field="payload.amount",
        )
    for commitment_id, lp_id, signed in (
        (transferred_out_id(ctx.op.entity_id), payload.from_lp_id, -amount),
        (ctx.op.entity_id, payload.to_lp_id, amount),
    ):
        ctx.store.insert(
            "commitments",
            {
                "commitment_id": commitment_id,
                "fund_id": payload.fund_id,
                "lp_id": lp_id,
                "amount": format(signed, "f"),
                "currency": payload.currency,
                "committed_on": payload.effective_date,
            },
        )
