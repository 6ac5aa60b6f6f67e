"""Revising and deleting drafts of calls and distributions, before they are issued.

A revision is the draft made again under the same id: the old rows go, and the kind's
create reducer allocates the new terms exactly as a new draft — so a revised call meets
the ceiling of commitments without counting its own old allocation, and a revised
waterfall distribution runs the waterfall afresh. The drafter becomes whoever revised it
and any second GP's approval is withdrawn: four-eyes approves what is issued. Deleting
removes the draft and its allocations; the op log keeps both.
"""

from __future__ import annotations

from typing import Final

from core.ops.payloads import capital as p
from core.reducers.capital import capital_call_create, distribution_create
from core.reducers.context import OpContext, reducer
from core.store.projection import Row

__all__ = [
    "capital_call_delete",
    "capital_call_revise",
    "distribution_delete",
    "distribution_revise",
]

# Each draft's rows: its own table and key, then the tables holding its parts.
_CALL: Final = ("capital_calls", "call_id", ("call_allocations",))
_DISTRIBUTION: Final = (
    "distributions",
    "distribution_id",
    (
        "distribution_allocation_tiers",
        "distribution_allocations",
        "distribution_explanations",
    ),
)


def _draft(ctx: OpContext, rows: tuple[str, str, tuple[str, ...]], what: str) -> Row:
    table, key, _parts = rows
    row = ctx.store.get(table, {key: ctx.op.entity_id})
    if row is None:
        ctx.deleted(what)
    if row["status"] != "draft":
        ctx.reject(
            "lifecycle_gate",
            f"the {what} is already {row['status']}; only a draft can be changed or deleted",
            field="entity_id",
        )
    return row


def _discard(ctx: OpContext, rows: tuple[str, str, tuple[str, ...]]) -> None:
    table, key, parts = rows
    for part in parts:
        ctx.store.delete(part, {key: ctx.op.entity_id})
    ctx.store.delete(table, {key: ctx.op.entity_id})


@reducer("capital_call.revise")
def capital_call_revise(ctx: OpContext, payload: p.CapitalCallRevisePayload) -> None:
    row = _draft(ctx, _CALL, "capital call")
    _discard(ctx, _CALL)
    terms = {**payload.model_dump(), "fund_id": row["fund_id"]}
    capital_call_create(ctx, p.CapitalCallCreatePayload.model_validate(terms))


@reducer("capital_call.delete")
def capital_call_delete(ctx: OpContext, payload: p.CapitalCallDeletePayload) -> None:
    _draft(ctx, _CALL, "capital call")
    _discard(ctx, _CALL)


@reducer("distribution.revise")
def distribution_revise(ctx: OpContext, payload: p.DistributionRevisePayload) -> None:
    row = _draft(ctx, _DISTRIBUTION, "distribution")
    _discard(ctx, _DISTRIBUTION)
    terms = {**payload.model_dump(), "fund_id": row["fund_id"]}
    distribution_create(ctx, p.DistributionCreatePayload.model_validate(terms))


@reducer("distribution.delete")
def distribution_delete(ctx: OpContext, payload: p.DistributionDeletePayload) -> None:
    _draft(ctx, _DISTRIBUTION, "distribution")
    _discard(ctx, _DISTRIBUTION)
