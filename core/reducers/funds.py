"""Reducers for fund-level records: LPA terms (versioned), NAV marks, fund settings."""

from __future__ import annotations

import json
from decimal import Decimal

from core.fund_math import FundMathError
from core.ops.payloads import funds as p
from core.reducers.context import OpContext, reducer
from core.reducers.waterfall_distribution import current_terms, terms_from_row

__all__ = ["fund_close", "fund_nav_record", "fund_terms_set", "fund_update"]


def _fund(ctx: OpContext) -> dict[str, object]:
    return ctx.must_get("funds", "fund", "fund_id", ctx.op.entity_id, "entity_id")


def _catch_up(raw: str | None) -> str | None:
    """A catch-up of 0 is no catch-up: stored as null, so every reader sees one meaning."""
    return None if raw is None or Decimal(raw) == 0 else raw


@reducer("fund.terms.set")
def fund_terms_set(ctx: OpContext, payload: p.FundTermsSetPayload) -> None:
    fund = _fund(ctx)
    if payload.gp_commitment_lp_id is not None:
        ctx.must_get(
            "lps", "lp", "lp_id", payload.gp_commitment_lp_id, "payload.gp_commitment_lp_id"
        )
    if payload.clawback_tax_rate is not None and Decimal(payload.clawback_tax_rate) >= 1:
        ctx.reject(
            "invalid_payload",
            "a clawback tax rate is a fraction below 1, such as 0.40 for 40 %",
            field="payload.clawback_tax_rate",
        )
    latest = current_terms(ctx, ctx.op.entity_id)
    version = 1 if latest is None else int(latest["version"]) + 1
    row = {
        "fund_id": ctx.op.entity_id,
        "version": version,
        "style": payload.style,
        "preferred_return": payload.preferred_return,
        "compounding": payload.compounding,
        "carried_interest": payload.carried_interest,
        "catch_up": _catch_up(payload.catch_up),
        "apportionment": payload.apportionment,
        "gp_name": payload.gp_name,
        "gp_commitment_lp_id": payload.gp_commitment_lp_id,
        "gp_commitment_bears_carry": payload.gp_commitment_bears_carry,
        "label": payload.label,
        "withholding_rate": payload.withholding_rate,
        "clawback_tax_rate": payload.clawback_tax_rate,
        "effective_date": payload.effective_date,
    }
    try:  # the terms model states the rules (a catch-up above the carry share, …)
        terms_from_row(row, str(fund["currency"]))
    except FundMathError as exc:
        ctx.reject("invalid_payload", f"the terms do not hold together: {exc}", field="payload")
    ctx.store.insert("fund_terms", row)


@reducer("fund.nav.record")
def fund_nav_record(ctx: OpContext, payload: p.FundNavRecordPayload) -> None:
    fund = _fund(ctx)
    if payload.currency != fund["currency"]:
        ctx.reject(
            "invariant_violation",
            f"the fund reports in {fund['currency']}",
            field="payload.currency",
        )
    nav = ctx.amount(payload.nav, payload.currency, "payload.nav")
    if ctx.store.get("fund_valuations", {"valuation_id": payload.valuation_id}) is not None:
        ctx.reject(
            "invariant_violation",
            "that valuation id is already recorded",
            field="payload.valuation_id",
        )
    if ctx.store.rows("fund_valuations", {"fund_id": ctx.op.entity_id, "as_of": payload.as_of}):
        ctx.reject(
            "invariant_violation",
            f"the fund already has a NAV as of {payload.as_of}",
            field="payload.as_of",
        )
    ctx.store.insert(
        "fund_valuations",
        {
            "valuation_id": payload.valuation_id,
            "fund_id": ctx.op.entity_id,
            "as_of": payload.as_of,
            "nav": format(nav, "f"),
            "note": payload.note,
        },
    )


@reducer("fund.update")
def fund_update(ctx: OpContext, payload: p.FundUpdatePayload) -> None:
    _fund(ctx)
    values: dict[str, object] = {}
    if payload.name is not None:
        values["name"] = payload.name
    if payload.payment_instructions is not None:
        values["payment_instructions"] = json.dumps(
            payload.payment_instructions.model_dump(mode="json"), sort_keys=True
        )
    ctx.store.update("funds", {"fund_id": ctx.op.entity_id}, values)


@reducer("fund.close")
def fund_close(ctx: OpContext, payload: p.FundClosePayload) -> None:
    fund = _fund(ctx)
    if fund.get("final_close_date"):
        ctx.reject(
            "lifecycle_gate",
            f"{fund['name']} already held its final close on {fund['final_close_date']}",
            field="payload.final_close_date",
        )
    later = [
        c
        for c in ctx.store.rows("commitments", {"fund_id": ctx.op.entity_id})
        if str(c["committed_on"]) > payload.final_close_date
    ]
    if later:
        ctx.reject(
            "invariant_violation",
            f"{fund['name']} has commitments dated after {payload.final_close_date} (the "
            f"latest on {max(str(c['committed_on']) for c in later)}): the final close "
            "comes after every commitment",
            field="payload.final_close_date",
        )
    ctx.store.update(
        "funds", {"fund_id": ctx.op.entity_id}, {"final_close_date": payload.final_close_date}
    )
