"""Four-eyes on money (DESIGN §4): above a fund's threshold, a capital call or distribution
is issued only once a second GP — not the one who drafted it — has recorded an approval.

The threshold is a fund setting (``fund.four_eyes.set``), set by an administrator, apart
from the GPs it binds; every change is an op in the log. Drafts made before drafters were
recorded have no known drafter: any GP's approval then counts, and it is still a recorded
act of a second person beside the one issuing only if they differ, which the issue rule
checks too. An approval is of the draft as it stands: it lives on the draft's row and the
draft cannot change afterwards (calls and distributions are never edited, only issued).
"""

from __future__ import annotations

from decimal import Decimal

from core.domain.roles import Role
from core.fund_math.statement import format_money
from core.ops.payloads import capital as cp
from core.ops.payloads import funds as fp
from core.reducers.context import OpContext, reducer
from core.store.projection import Row

__all__ = [
    "above_threshold",
    "capital_call_approve",
    "distribution_approve",
    "fund_four_eyes_set",
    "require_second_approval",
]


@reducer("fund.four_eyes.set")
def fund_four_eyes_set(ctx: OpContext, payload: fp.FundFourEyesSetPayload) -> None:
    fund = ctx.must_get("funds", "fund", "fund_id", ctx.op.entity_id, "entity_id")
    if payload.currency != fund["currency"]:
        ctx.reject(
            "invariant_violation", f"the fund is in {fund['currency']}", field="payload.currency"
        )
    threshold = None
    if payload.threshold is not None:
        amount = ctx.amount(payload.threshold, payload.currency, "payload.threshold")
        if amount < 0:
            ctx.reject(
                "invalid_payload", "the threshold cannot be negative", field="payload.threshold"
            )
        threshold = format(amount, "f")
    ctx.store.update("funds", {"fund_id": ctx.op.entity_id}, {"four_eyes_threshold": threshold})


def _approve(ctx: OpContext, table: str, key: str, what: str) -> None:
    row = ctx.store.get(table, {key: ctx.op.entity_id})
    if row is None:
        ctx.deleted(what)
    if row["status"] != "draft":
        ctx.reject(
            "lifecycle_gate", f"only a draft {what} is approved; this one is {row['status']}"
        )
    if row["drafted_by"] == ctx.op.actor_id:
        ctx.reject(
            "invariant_violation",
            f"the GP who drafted the {what} cannot also approve it: a second GP must",
        )
    if row["approved_by"] is not None:
        ctx.reject("invariant_violation", f"the {what} is already approved")
    ctx.store.update(table, {key: ctx.op.entity_id}, {"approved_by": ctx.op.actor_id})


@reducer("capital_call.approve")
def capital_call_approve(ctx: OpContext, payload: cp.CapitalCallApprovePayload) -> None:
    _approve(ctx, "capital_calls", "call_id", "capital call")


@reducer("distribution.approve")
def distribution_approve(ctx: OpContext, payload: cp.DistributionApprovePayload) -> None:
    _approve(ctx, "distributions", "distribution_id", "distribution")


def above_threshold(threshold: object, amount: Decimal) -> bool:
    """Whether issuing ``amount`` needs a second GP under a fund's stored ``threshold``
    (a decimal string, or None for no control): the one rule the reducer and every
    screen apply."""
    return threshold is not None and amount > Decimal(str(threshold))


def require_second_approval(ctx: OpContext, row: Row, what: str) -> None:
    """Refuse to issue ``row`` (a draft call or distribution) above its fund's threshold
    without a second GP's approval — one neither the drafter nor the issuer."""
    fund = ctx.store.get("funds", {"fund_id": row["fund_id"]})
    raw = fund["four_eyes_threshold"] if fund is not None else None
    amount = Decimal(row["amount"])
    if not above_threshold(raw, amount):
        return
    threshold = Decimal(str(raw))
    currency = str(row["currency"])
    why = (
        f"the {what} of {format_money(amount, currency)} is above the fund's four-eyes "
        f"threshold of {format_money(threshold, currency)}"
    )
    approver = row["approved_by"]
    if approver is None:
        ctx.reject("lifecycle_gate", f"{why}: a second GP must approve it before it is issued")
    if approver == ctx.op.actor_id:
        ctx.reject(
            "lifecycle_gate",
            f"{why}: it was approved by the GP now issuing it; another GP must issue it",
        )
    if not any(
        m["role"] == Role.GP.value for m in ctx.store.rows("memberships", {"user_id": approver})
    ):
        ctx.reject(
            "lifecycle_gate",
            f"{why}: its approver no longer holds the GP role; a GP must approve it again",
        )
