"""Fixing, when a distribution is drafted, what each LP's amount is and what reaches it.

The rules are :mod:`core.distribution_classes`; this module reads what they need from the
ledger as of the distribution date — each LP's paid-in and called not paid
(:mod:`core.positions`), the return of capital of the issued distributions before it, and
the withholding rate of the fund's current LPA terms — and gives the columns stored with
each LP's allocation. A distribution split by the running totals (signed before dated
splits) stores none, so a log written then replays to the same rows.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal
from functools import partial

from core.distribution_classes import (
    PastShare,
    classes_in_order,
    classify,
    offset_of,
    offset_payment_id,
    stored_classes,
    withheld_of,
)
from core.ops.payloads.capital import DistributionCreatePayload
from core.positions import FundPositions, LedgerBook, ledger_book
from core.reducers.context import OpContext
from core.reducers.split_rules import split_rule_of
from core.store.projection import Row

__all__ = ["allocation_columns", "distribution_columns", "settle_call_offsets"]

_ZERO = Decimal(0)


def distribution_columns(payload: DistributionCreatePayload) -> dict[str, bool | None]:
    """The distribution row's own flags: as the op states them, null when it does not."""
    return {
        "recallable": payload.recallable,
        "offsets_unpaid_calls": payload.offset_unpaid_calls,
    }


def _returned(ctx: OpContext, book: LedgerBook, fund_id: str, on: dt.date) -> dict[str, Decimal]:
    """Each LP's return of capital from issued distributions dated on or before ``on``."""
    history: dict[str, list[tuple[tuple[dt.date, str], PastShare]]] = defaultdict(list)
    for dist in ctx.store.rows("distributions", {"fund_id": fund_id, "status": "issued"}):
        dated = dt.date.fromisoformat(dist["distribution_date"])
        if dated > on:
            continue
        key = {"distribution_id": dist["distribution_id"]}
        tiers: dict[str, list[tuple[str, Decimal]]] = defaultdict(list)
        for t in ctx.store.rows("distribution_allocation_tiers", key):
            tiers[t["lp_id"]].append((t["tier"], Decimal(t["amount"])))
        for a in ctx.store.rows("distribution_allocations", key):
            share = PastShare(
                dated,
                Decimal(a["amount"]),
                dist["source"],
                tuple(sorted(tiers[a["lp_id"]])),
                stored_classes(a),
            )
            history[a["lp_id"]].append(((dated, dist["distribution_id"]), share))
    by_day: dict[dt.date, FundPositions] = {}

    def paid_in(lp_id: str, day: dt.date) -> Decimal:
        if day not in by_day:
            by_day[day] = book.as_of(day, with_nav=False)
        return by_day[day].of(lp_id).paid_in

    returned = {}
    for lp_id, shares in history.items():
        ordered = [s for _, s in sorted(shares, key=lambda item: item[0])]
        classes = classes_in_order(ordered, partial(paid_in, lp_id), book.currency)
        returned[lp_id] = sum((c.return_of_capital for c in classes), _ZERO)
    return returned


def settle_call_offsets(ctx: OpContext, distribution: Row) -> None:
    """When a distribution that sets amounts off against unpaid calls is issued, each LP's
    offset pays its oldest unpaid calls (by due date), as payments received on the
    distribution date: the debt it settles is settled once, so a second distribution
    cannot set the same debt off again. Refused, writing nothing, when an LP now owes
    less on those calls than the draft set off (it paid meanwhile, or another
    distribution settled it): the draft's figures would no longer be true, so the GP
    drafts it again."""
    if not distribution.get("offsets_unpaid_calls"):
        return
    dist_id, on = distribution["distribution_id"], distribution["distribution_date"]
    calls = sorted(
        (
            c
            for c in ctx.store.rows("capital_calls", {"fund_id": distribution["fund_id"]})
            if c["status"] == "issued" and c["call_date"] <= on
        ),
        key=lambda c: (c["due_date"], c["call_date"], c["call_id"]),
    )
    plan: list[tuple[Row, Decimal]] = []
    allocations = ctx.store.rows("distribution_allocations", {"distribution_id": dist_id})
    for allocation in sorted(allocations, key=lambda a: a["lp_id"]):
        left = Decimal(allocation.get("call_offset") or 0)
        if left <= 0:
            continue
        for call in calls:
            key = {"call_id": call["call_id"], "lp_id": allocation["lp_id"]}
            owed_row = ctx.store.get("call_allocations", key)
            if owed_row is None or left <= 0:
                continue
            owed = Decimal(owed_row["amount"]) - Decimal(owed_row["paid"])
            if owed > 0:
                take = min(owed, left)
                plan.append((owed_row, take))
                left -= take
        if left > 0:
            lp = ctx.store.get("lps", {"lp_id": allocation["lp_id"]})
            name = lp["name"] if lp is not None else "an LP"
            ctx.reject(
                "lifecycle_gate",
                f"{name} now owes {format(Decimal(allocation['call_offset']) - left, 'f')} on "
                f"its calls, less than the {allocation['call_offset']} this draft sets off: "
                "draft the distribution again",
            )
    for owed_row, take in plan:
        payment_id = offset_payment_id(dist_id, owed_row["call_id"], owed_row["lp_id"])
        ctx.store.insert(
            "payments",
            {
                "payment_id": payment_id,
                "call_id": owed_row["call_id"],
                "lp_id": owed_row["lp_id"],
                "amount": format(take, "f"),
                "paid_on": on,
            },
        )
        paid = Decimal(owed_row["paid"]) + take
        ctx.store.update(
            "call_allocations",
            {"call_id": owed_row["call_id"], "lp_id": owed_row["lp_id"]},
            {"paid": format(paid, "f")},
        )


def _withholding_rate(ctx: OpContext, fund_id: str) -> Decimal | None:
    """The withholding rate of the fund's current LPA terms; None without one."""
    rows = ctx.store.rows("fund_terms", {"fund_id": fund_id})
    if not rows:
        return None
    raw = max(rows, key=lambda r: int(r["version"])).get("withholding_rate")
    return None if raw is None else Decimal(raw)


def allocation_columns(
    ctx: OpContext,
    payload: DistributionCreatePayload,
    shares: Mapping[str, Decimal],
    tiers: Mapping[str, Sequence[tuple[str, Decimal]]] | None = None,
) -> dict[str, dict[str, str]]:
    """Each LP's stored classes, withheld amount and call offset, by LP id; empty for a
    distribution split by the running totals."""
    if split_rule_of(ctx, payload.split_rule) != "as_of_date":
        if payload.offset_unpaid_calls:
            ctx.reject(
                "invalid_payload",
                "setting a distribution off against unpaid calls needs the dated split rule "
                "(split_rule as_of_date)",
                field="payload.offset_unpaid_calls",
            )
        return {}
    on = dt.date.fromisoformat(payload.distribution_date)
    book = ledger_book(ctx.store, payload.fund_id)
    positions = book.as_of(on, with_nav=False)
    returned = _returned(ctx, book, payload.fund_id, on)
    rate = _withholding_rate(ctx, payload.fund_id)
    currency = payload.currency
    columns = {}
    for lp_id, gross in sorted(shares.items()):
        position = positions.of(lp_id)
        classes = classify(
            gross,
            currency=currency,
            source=payload.source,
            tiers=(tiers or {}).get(lp_id, ()),
            unreturned=position.paid_in - returned.get(lp_id, _ZERO),
        )
        withheld = withheld_of(gross, rate, currency)
        offset = withheld_of(_ZERO, None, currency)
        if payload.offset_unpaid_calls:
            offset = offset_of(position.called_not_paid, gross - withheld)
        columns[lp_id] = {
            "return_of_capital": format(classes.return_of_capital, "f"),
            "gain": format(classes.gain, "f"),
            "income": format(classes.income, "f"),
            "withheld": format(withheld, "f"),
            "call_offset": format(offset, "f"),
        }
    return columns
