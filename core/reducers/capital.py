"""Reducers for capital calls, payments and distributions: where money moves.

Allocations are computed here, by largest remainder, from the positions of
:mod:`core.positions` as of the op's own business date (the call date, the distribution
date): a distribution dated D is split by the payments received by D, however late it is
drafted, and replaying the log gives the same cents on every replica. Which positions a
split reads is :mod:`core.reducers.split_rules`: an op signed before splits were dated keeps
the running totals it was issued under, so history never changes on replay.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from core.allocation import AllocationError, allocate_pro_rata
from core.money import money_text
from core.ops.payloads import capital as p
from core.positions import FundPositions, LedgerBook, ledger_book
from core.reducers.context import OpContext, reducer
from core.reducers.distribution_classes import (
    allocation_columns,
    distribution_columns,
    settle_call_offsets,
)
from core.reducers.four_eyes import require_second_approval
from core.reducers.split_rules import split_rule_of
from core.reducers.waterfall_distribution import record_waterfall_distribution
from core.store.projection import Row

__all__ = [
    "capital_call_create",
    "capital_call_issue",
    "capital_call_payment",
    "distribution_create",
    "distribution_issue",
]


def _fund_and_deal(ctx: OpContext, fund_id: str, deal_id: str | None, currency: str) -> Row:
    fund = ctx.must_get("funds", "fund", "fund_id", fund_id, "payload.fund_id")
    if currency != fund["currency"]:
        ctx.reject(
            "invariant_violation", f"the fund is in {fund['currency']}", field="payload.currency"
        )
    if deal_id is not None:
        deal = ctx.must_get("deals", "deal", "deal_id", deal_id, "payload.deal_id")
        if deal["fund_id"] not in (None, fund_id):
            ctx.reject(
                "invariant_violation", "the deal belongs to another fund", field="payload.deal_id"
            )
    return fund


def _weights(
    ctx: OpContext, base: dict[str, Decimal], excluded: list[str], positions: FundPositions
) -> dict[str, Decimal]:
    for i, lp_id in enumerate(excluded):
        if lp_id not in positions.positions:
            ctx.reject(
                "not_found",
                f"no LP {lp_id} with a commitment to this fund{_by(positions)}",
                field=f"payload.excluded_lp_ids.{i}",
            )
    return {lp: w for lp, w in base.items() if lp not in excluded}


def _allocate(
    ctx: OpContext, amount: Decimal, weights: dict[str, Decimal], currency: str, what: str
) -> dict[str, Decimal]:
    try:
        return allocate_pro_rata(amount, weights, currency)
    except AllocationError as exc:
        ctx.reject(
            "invariant_violation", f"cannot allocate the {what}: {exc}", field="payload.amount"
        )


def _overrides(
    ctx: OpContext, payload: p.CapitalCallCreatePayload, positions: FundPositions
) -> dict[str, Decimal]:
    """Exact per-LP amounts the call states, checked: a committed LP, not also excluded."""
    fixed: dict[str, Decimal] = {}
    for lp_id, raw in sorted(payload.overrides.items()):
        where = f"payload.overrides.{lp_id}"
        if lp_id not in positions.positions:
            ctx.reject(
                "not_found",
                f"no LP {lp_id} with a commitment to this fund{_by(positions)}",
                field=where,
            )
        if lp_id in payload.excluded_lp_ids:
            ctx.reject(
                "invalid_payload", "an LP is either excluded or overridden, not both", field=where
            )
        fixed[lp_id] = ctx.amount(raw, payload.currency, where)
    return fixed


def _by(positions: FundPositions) -> str:
    return "" if positions.as_of is None else f" by {positions.as_of.isoformat()}"


def _split_positions(book: LedgerBook, rule: str, on: str) -> FundPositions:
    """The positions a split reads: as of ``on`` under the dated rule, else every record."""
    as_of = dt.date.fromisoformat(on) if rule == "as_of_date" else None
    return book.as_of(as_of, with_nav=False)


def _positive(ctx: OpContext, raw: str, currency: str) -> Decimal:
    amount = ctx.amount(raw, currency, "payload.amount")
    if amount <= 0:
        ctx.reject("invalid_payload", "the amount must be positive", field="payload.amount")
    return amount


@reducer("capital_call.create")
def capital_call_create(ctx: OpContext, payload: p.CapitalCallCreatePayload) -> None:
    _fund_and_deal(ctx, payload.fund_id, payload.deal_id, payload.currency)
    amount = _positive(ctx, payload.amount, payload.currency)
    if payload.due_date < payload.call_date:
        ctx.reject(
            "invalid_payload", "the due date cannot precede the call date", field="payload.due_date"
        )
    # The ceiling counts every call, drafted or issued, whatever its date; the weights are
    # the positions the call's rule reads.
    book = ledger_book(ctx.store, payload.fund_id)
    everything = book.as_of(None, with_nav=False)
    rule = split_rule_of(ctx, payload.split_rule)
    positions = _split_positions(book, rule, payload.call_date)
    if payload.basis == "commitment":
        base = positions.weights("commitment")
    elif rule == "as_of_date":
        base = positions.weights("unfunded")
    else:
        # The running-totals rule of ops signed before dated splits: drafts reserve.
        base = everything.weights("available_to_call")
    weights = _weights(ctx, base, payload.excluded_lp_ids, positions)
    fixed = _overrides(ctx, payload, positions)
    rest = amount - sum(fixed.values(), Decimal(0))
    if rest < 0:
        ctx.reject(
            "invariant_violation",
            "the per-LP overrides add up to more than the call",
            field="payload.overrides",
        )
    weights = {lp: w for lp, w in weights.items() if lp not in fixed}
    shares = _allocate(ctx, rest, weights, payload.currency, "call") if rest else {}
    shares = {**{lp: Decimal(0) for lp in weights}, **shares, **fixed}
    lp_names = {r["lp_id"]: r["name"] for r in ctx.store.rows("lps", {})}
    for lp_id, share in shares.items():
        available = everything.of(lp_id).available_to_call
        if share > available:
            ctx.reject(
                "invariant_violation",
                f"calls never exceed commitments: {lp_names.get(lp_id, lp_id)} would be called "
                f"{money_text(share, payload.currency)} with "
                f"{money_text(available, payload.currency)} of its commitment left to call, "
                f"{money_text(share - available, payload.currency)} too much "
                "(issued and draft calls count)",
                field=f"payload.overrides.{lp_id}" if lp_id in fixed else "payload.amount",
                lp_id=lp_id,
                allocation=format(share, "f"),
                available_to_call=format(available, "f"),
            )
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
            "status": "draft",
            "drafted_by": ctx.op.actor_id,
        },
    )
    zero = format(Decimal(0).quantize(amount), "f")
    for lp_id, share in sorted(shares.items()):
        if share:
            ctx.store.insert(
                "call_allocations",
                {
                    "call_id": ctx.op.entity_id,
                    "lp_id": lp_id,
                    "amount": format(share, "f"),
                    "paid": zero,
                },
            )


def _issue(
    ctx: OpContext,
    table: str,
    key: str,
    what: str,
    then: Callable[[OpContext, Row], None] | None = None,
) -> None:
    row = ctx.store.get(table, {key: ctx.op.entity_id})
    if row is None:
        ctx.deleted(what)
    if row["status"] != "draft":
        ctx.reject("lifecycle_gate", f"the {what} is already {row['status']}", field="entity_id")
    require_second_approval(ctx, row, what)
    if then is not None:
        then(ctx, row)  # checks everything before it writes anything
    ctx.store.update(table, {key: ctx.op.entity_id}, {"status": "issued"})


@reducer("capital_call.issue")
def capital_call_issue(ctx: OpContext, payload: p.CapitalCallIssuePayload) -> None:
    _issue(ctx, "capital_calls", "call_id", "capital call")


@reducer("capital_call.payment")
def capital_call_payment(ctx: OpContext, payload: p.CapitalCallPaymentPayload) -> None:
    call = ctx.store.get("capital_calls", {"call_id": ctx.op.entity_id})
    if call is None:
        ctx.deleted("capital call")
    if call["status"] != "issued":
        ctx.reject(
            "lifecycle_gate", "payments are recorded against an issued call", field="entity_id"
        )
    if payload.currency != call["currency"]:
        ctx.reject(
            "invariant_violation", f"the call is in {call['currency']}", field="payload.currency"
        )
    amount = _positive(ctx, payload.amount, payload.currency)
    key = {"call_id": call["call_id"], "lp_id": payload.lp_id}
    allocation = ctx.store.get("call_allocations", key)
    if allocation is None:
        ctx.reject(
            "not_found", "that LP was not called by this capital call", field="payload.lp_id"
        )
    paid = Decimal(allocation["paid"]) + amount
    called = Decimal(allocation["amount"])
    if paid > called:
        lp = ctx.store.get("lps", {"lp_id": payload.lp_id})
        name = payload.lp_id if lp is None else lp["name"]
        currency = payload.currency
        outstanding = called - Decimal(allocation["paid"])
        ctx.reject(
            "invariant_violation",
            f"{money_text(amount, currency)} exceeds {name}'s outstanding "
            f"{money_text(outstanding, currency)} on this call by "
            f"{money_text(paid - called, currency)}: payments never exceed what was called",
            field="payload.amount",
            called=allocation["amount"],
            paid=allocation["paid"],
        )
    if ctx.store.get("payments", {"payment_id": payload.payment_id}) is not None:
        ctx.reject(
            "invariant_violation", "that payment id is already recorded", field="payload.payment_id"
        )
    ctx.store.insert(
        "payments",
        {
            "payment_id": payload.payment_id,
            "call_id": call["call_id"],
            "lp_id": payload.lp_id,
            "amount": format(amount, "f"),
            "paid_on": payload.paid_on,
        },
    )
    ctx.store.update("call_allocations", key, {"paid": format(paid, "f")})


@reducer("distribution.create")
def distribution_create(ctx: OpContext, payload: p.DistributionCreatePayload) -> None:
    fund = _fund_and_deal(ctx, payload.fund_id, payload.deal_id, payload.currency)
    amount = _positive(ctx, payload.amount, payload.currency)
    if payload.basis == "waterfall":
        record_waterfall_distribution(ctx, payload, fund, amount)
        return
    book = ledger_book(ctx.store, payload.fund_id)
    rule = split_rule_of(ctx, payload.split_rule)
    positions = _split_positions(book, rule, payload.distribution_date)
    base = positions.weights("paid_in" if payload.basis == "paid_in" else "commitment")
    weights = _weights(ctx, base, payload.excluded_lp_ids, positions)
    shares = _allocate(ctx, amount, weights, payload.currency, "distribution")
    extra = allocation_columns(ctx, payload, {lp: s for lp, s in shares.items() if s})
    row: dict[str, Any] = {
        "distribution_id": ctx.op.entity_id,
        "fund_id": payload.fund_id,
        "deal_id": payload.deal_id,
        "amount": format(amount, "f"),
        "currency": payload.currency,
        "basis": payload.basis,
        "distribution_date": payload.distribution_date,
        "source": payload.source,
        "note": payload.note,
        "status": "draft",
        "drafted_by": ctx.op.actor_id,
        **distribution_columns(payload),
    }
    ctx.store.insert("distributions", row)
    for lp_id, share in sorted(shares.items()):
        if share:
            ctx.store.insert(
                "distribution_allocations",
                {
                    "distribution_id": ctx.op.entity_id,
                    "lp_id": lp_id,
                    "amount": format(share, "f"),
                    **extra.get(lp_id, {}),
                },
            )


@reducer("distribution.issue")
def distribution_issue(ctx: OpContext, payload: p.DistributionIssuePayload) -> None:
    _issue(ctx, "distributions", "distribution_id", "distribution", then=settle_call_offsets)
