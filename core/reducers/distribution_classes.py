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
    stored_classes,
    withheld_of,
)
from core.ops.payloads.capital import DistributionCreatePayload
from core.positions import FundPositions, LedgerBook, ledger_book
from core.reducers.context import OpContext
from core.reducers.split_rules import split_rule_of

__all__ = ["allocation_columns", "distribution_columns"]

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
