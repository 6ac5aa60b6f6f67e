"""A distribution run through the fund's waterfall, from the ledger as it stands.

The reducer for ``distribution.create`` with basis ``waterfall`` asks this module for the
fund's current terms and each partner's dated history as of the distribution date
(payments against the fund's calls received by then, and what issued distributions dated
by then already gave it and took from it as carry), then runs
:class:`core.fund_math.Waterfall`. The result — allocations, GP carry, per-tier amounts
and the plain-language explanation — is stored with the terms version it used.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from core.fund_math import (
    Contribution,
    FundMathError,
    FundTerms,
    LpPosition,
    PriorDistribution,
    Waterfall,
    WaterfallResult,
)
from core.fund_math.terms import version_in_force
from core.ops.payloads.capital import DistributionCreatePayload
from core.reducers.context import OpContext
from core.reducers.distribution_classes import allocation_columns, distribution_columns
from core.reducers.split_rules import split_rule_of
from core.store.projection import Row

__all__ = ["current_terms", "record_waterfall_distribution", "run_waterfall", "terms_from_row"]


def current_terms(ctx: OpContext, fund_id: str, on: dt.date | None = None) -> Row | None:
    """The fund's ``fund_terms`` row in force on ``on`` (the latest version when ``on`` is
    None), or None when no terms were set or none has taken effect by then."""
    found = version_in_force(ctx.store.rows("fund_terms", {"fund_id": fund_id}), on)
    return None if found is None else dict(found)


def terms_from_row(row: Row, currency: str) -> FundTerms:
    catch_up = row["catch_up"]
    return FundTerms(
        version=int(row["version"]),
        currency=currency,
        style=row["style"],
        preferred_return=Decimal(row["preferred_return"]),
        compounding=row["compounding"],
        carried_interest=Decimal(row["carried_interest"]),
        catch_up=None if catch_up is None else Decimal(catch_up),
        apportionment=row["apportionment"],
        gp_id="gp",
        gp_name=row["gp_name"],
        label=row["label"],
    )


def _positions(
    ctx: OpContext, fund_id: str, terms_row: Row, on: dt.date, *, dated_commitments: bool
) -> list[LpPosition]:
    """Every partner's history as it stood on ``on``: payments received and distributions
    dated by then (what came later is not history yet on that date, DESIGN §5). Commitments
    count by their own date only under the dated split rule: an op signed before it keeps
    every commitment, as it was issued with."""
    names = {r["lp_id"]: r["name"] for r in ctx.store.rows("lps", {})}
    committed: dict[str, Decimal] = defaultdict(Decimal)
    for c in ctx.store.rows("commitments", {"fund_id": fund_id}):
        if not dated_commitments or dt.date.fromisoformat(c["committed_on"]) <= on:
            committed[c["lp_id"]] += Decimal(c["amount"])
    contributions: dict[str, list[Contribution]] = defaultdict(list)
    for call in ctx.store.rows("capital_calls", {"fund_id": fund_id}):
        for pay in ctx.store.rows("payments", {"call_id": call["call_id"]}):
            if dt.date.fromisoformat(pay["paid_on"]) > on:
                continue
            contributions[pay["lp_id"]].append(
                Contribution(
                    dt.date.fromisoformat(pay["paid_on"]), Decimal(pay["amount"]), call["deal_id"]
                )
            )
    prior: dict[str, list[PriorDistribution]] = defaultdict(list)
    for dist in ctx.store.rows("distributions", {"fund_id": fund_id, "status": "issued"}):
        dated = dt.date.fromisoformat(dist["distribution_date"])
        if dated > on:
            continue
        for a in ctx.store.rows(
            "distribution_allocations", {"distribution_id": dist["distribution_id"]}
        ):
            carry = Decimal(a["carry"]) if a["carry"] is not None else Decimal(0)
            prior[a["lp_id"]].append(
                PriorDistribution(dated, Decimal(a["amount"]), carry, dist["deal_id"])
            )
    gp_lp = terms_row["gp_commitment_lp_id"]
    return [
        LpPosition(
            lp_id=lp_id,
            name=names.get(lp_id, lp_id),
            commitment=amount,
            contributions=tuple(sorted(contributions[lp_id], key=lambda c: c.date)),
            distributions=tuple(sorted(prior[lp_id], key=lambda d: d.date)),
            gp_commitment=lp_id == gp_lp,
            bears_carry=lp_id != gp_lp or bool(terms_row["gp_commitment_bears_carry"]),
        )
        for lp_id, amount in sorted(committed.items())
    ]


def run_waterfall(
    ctx: OpContext,
    fund: Row,
    *,
    amount: Decimal,
    on: str,
    deal_id: str | None,
    dated_commitments: bool = True,
) -> WaterfallResult:
    """Run the fund's current terms over its ledger, or refuse naming what is missing."""
    row = current_terms(ctx, fund["fund_id"], dt.date.fromisoformat(on))
    if row is None:
        later = current_terms(ctx, fund["fund_id"])
        ctx.reject(
            "invariant_violation",
            "the fund has no distribution terms yet: record its LPA terms before a "
            "waterfall distribution"
            if later is None
            else f"the fund's LPA terms take effect on {later['effective_date']}, after "
            f"this distribution's date {on}: date it on or after, or record the terms "
            "in force before",
            field="payload.basis",
        )
    if row["style"] == "american" and deal_id is None:
        ctx.reject(
            "invalid_payload",
            "an American (deal-by-deal) waterfall distributes the "
            "proceeds of one deal: name payload.deal_id",
            field="payload.deal_id",
        )
    try:
        terms = terms_from_row(row, fund["currency"])
        day = dt.date.fromisoformat(on)
        positions = _positions(ctx, fund["fund_id"], row, day, dated_commitments=dated_commitments)
        return Waterfall(terms).run(positions, amount=amount, on=day, deal_id=deal_id)
    except FundMathError as exc:
        ctx.reject(
            "invariant_violation", f"the waterfall cannot run: {exc}", field="payload.amount"
        )


def record_waterfall_distribution(
    ctx: OpContext, payload: DistributionCreatePayload, fund: Row, amount: Decimal
) -> None:
    """Draft a distribution split by the waterfall, keeping its terms version and reasons."""
    if payload.excluded_lp_ids:
        ctx.reject(
            "invalid_payload",
            "a waterfall distribution follows the LPA and excludes no LP",
            field="payload.excluded_lp_ids",
        )
    drafts = ctx.store.rows(
        "distributions", {"fund_id": fund["fund_id"], "status": "draft", "basis": "waterfall"}
    )
    if drafts:
        ctx.reject(
            "invariant_violation",
            "another waterfall distribution of this fund is still "
            "a draft; issue it first, since each run builds on the ones before",
            field="payload.basis",
        )
    result = run_waterfall(
        ctx,
        fund,
        amount=amount,
        on=payload.distribution_date,
        deal_id=payload.deal_id,
        dated_commitments=split_rule_of(ctx, payload.split_rule) == "as_of_date",
    )
    extra = allocation_columns(
        ctx,
        payload,
        {a.lp_id: a.amount for a in result.allocations},
        {a.lp_id: [(t.value, part) for t, part in a.by_tier if part] for a in result.allocations},
    )
    dist_id = ctx.op.entity_id
    ctx.store.insert(
        "distributions",
        {
            "distribution_id": dist_id,
            "fund_id": fund["fund_id"],
            "deal_id": payload.deal_id,
            "amount": format(amount, "f"),
            "currency": payload.currency,
            "basis": payload.basis,
            "distribution_date": payload.distribution_date,
            "source": payload.source,
            "note": payload.note,
            "status": "draft",
            "drafted_by": ctx.op.actor_id,
            "terms_version": result.terms_version,
            "carried_interest": format(result.gp_carry, "f"),
            **distribution_columns(payload),
        },
    )
    for a in result.allocations:
        if not (a.amount or a.carry):
            continue
        ctx.store.insert(
            "distribution_allocations",
            {
                "distribution_id": dist_id,
                "lp_id": a.lp_id,
                "amount": format(a.amount, "f"),
                "carry": format(a.carry, "f"),
                **extra.get(a.lp_id, {}),
            },
        )
        for tier, part in a.by_tier:
            if part:
                ctx.store.insert(
                    "distribution_allocation_tiers",
                    {
                        "distribution_id": dist_id,
                        "lp_id": a.lp_id,
                        "tier": tier.value,
                        "amount": format(part, "f"),
                    },
                )
    for n, line in enumerate(result.explanation, start=1):
        ctx.store.insert(
            "distribution_explanations", {"distribution_id": dist_id, "line_no": n, "text": line}
        )
