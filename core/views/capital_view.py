"""Capital calls and distributions as the desktop shows them, and a call's allocation
preview before it is drafted.

The preview splits the amount with :func:`core.allocation.allocate_pro_rata` over the same
weights the ``capital_call.create`` reducer uses (commitments, or unfunded commitments, as
of the call date, from :func:`core.positions.positions_as_of`), so what a GP sees is what
gets drafted; the reducer still does the real allocation when the op is applied.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, and_, func, select

from core.commands.reading import reading
from core.commands.workspace import Workspace
from core.money import Money, MoneyError, parse_amount
from core.ops.payloads.capital import CapitalCallCreatePayload, CapitalCallRevisePayload
from core.positions import ledger_book, positions_as_of
from core.reducers.four_eyes import above_threshold
from core.store.schema import (
    call_allocations,
    capital_calls,
    deals,
    distributions,
    entities,
    funds,
    lps,
    users,
)
from core.store.sql_projection import SqlProjection
from core.views.trial import trial_split

__all__ = [
    "AllocationLine",
    "Approval",
    "CallLine",
    "CallPreview",
    "DistributionLine",
    "FundLine",
    "PreviewLine",
    "call_allocations_of",
    "list_calls",
    "list_distributions",
    "list_funds",
    "preview_call",
]


@dataclass(frozen=True, slots=True)
class FundLine:
    fund_id: str
    name: str
    currency: str
    vintage_year: int | None
    committed: Decimal
    investors: int


@dataclass(frozen=True, slots=True)
class CallLine:
    call_id: str
    fund_id: str
    fund_name: str
    deal_name: str | None
    amount: Decimal
    currency: str
    basis: str
    call_date: str
    due_date: str
    purpose: str
    status: str  # draft | issued
    paid: Decimal
    investors: int
    version: int
    approval: Approval
    # What is still unpaid on the call past its due date, as of today (core.positions).
    overdue: Decimal = Decimal(0)
    deal_id: str | None = None  # the investment it funds, when it names one

    @property
    def state(self) -> str:
        """What a GP calls it: draft, issued, partly paid, paid — or overdue, once its due
        date has passed with some of it unpaid."""
        if self.status != "issued":
            return self.status
        if self.paid >= self.amount:
            return "paid"
        if self.overdue > 0:
            return "overdue"
        return "partly paid" if self.paid > 0 else "issued"


@dataclass(frozen=True, slots=True)
class Approval:
    """Where a draft stands under its fund's four-eyes control (names, not ids)."""

    needed: bool  # above the fund's threshold: a second GP must approve it
    drafted_by: str | None
    drafted_by_id: str | None
    approved_by: str | None
    approved_by_id: str | None

    @property
    def summary(self) -> str:
        if self.approved_by is not None:
            return f"approved by {self.approved_by}"
        return "needs a second GP" if self.needed else "—"


@dataclass(frozen=True, slots=True)
class DistributionLine:
    distribution_id: str
    fund_name: str
    deal_name: str | None
    amount: Decimal
    currency: str
    basis: str
    distribution_date: str
    source: str
    status: str
    version: int
    approval: Approval
    deal_id: str | None = None  # the investment it comes from, when it names one


@dataclass(frozen=True, slots=True)
class AllocationLine:
    lp_id: str
    lp_name: str
    amount: Decimal
    paid: Decimal
    currency: str

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.paid


@dataclass(frozen=True, slots=True)
class PreviewLine:
    """One LP's share of a call not drafted yet, as the reducer would allocate it.
    ``unfunded`` is as of the call date; ``available`` is what the LP may still be called,
    counting draft calls too."""

    lp_id: str
    lp_name: str
    committed: Decimal
    unfunded: Decimal
    available: Decimal
    share: Decimal


@dataclass(frozen=True, slots=True)
class CallPreview:
    currency: str
    amount: Decimal | None
    lines: tuple[PreviewLine, ...]
    problem: str | None  # why this call cannot be drafted as it stands

    @property
    def total(self) -> Decimal:
        return sum((line.share for line in self.lines), Decimal(0))


def list_funds(ws: Workspace) -> list[FundLine]:
    with reading(ws) as conn:
        rows = conn.execute(
            select(funds).where(funds.c.org_id == ws.org_id).order_by(funds.c.name)
        ).mappings()
        projection = SqlProjection(conn, ws.org_id)
        out = []
        for f in rows.all():
            pos = positions_as_of(projection, f["fund_id"], None, with_nav=False)
            out.append(
                FundLine(
                    f["fund_id"],
                    f["name"],
                    f["currency"],
                    f["vintage_year"],
                    pos.total("commitment"),
                    len(pos.positions),
                )
            )
    return out


def _call_figures(
    store: SqlProjection, fund_ids: set[str], today: dt.date
) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
    """Per call: paid (every payment recorded) and overdue as of ``today``, summed over
    the LPs' positions (core.positions), never recomputed from the allocation rows."""
    paid: dict[str, Decimal] = defaultdict(Decimal)
    overdue: dict[str, Decimal] = defaultdict(Decimal)
    for fund_id in sorted(fund_ids):
        book = ledger_book(store, fund_id)
        for position in book.as_of(None, with_nav=False).positions.values():
            for share in position.calls:
                paid[share.ref] += share.paid
        for position in book.as_of(today, with_nav=False).positions.values():
            for late in position.overdue_calls:
                overdue[late.ref] += late.outstanding
    return paid, overdue


def list_calls(ws: Workspace, *, fund_id: str | None = None) -> list[CallLine]:
    paid = (
        select(
            call_allocations.c.call_id,
            func.count().label("investors"),
        )
        .where(call_allocations.c.org_id == ws.org_id)
        .group_by(call_allocations.c.call_id)
        .subquery()
    )
    stmt = (
        select(
            capital_calls,
            funds.c.name.label("fund_name"),
            funds.c.four_eyes_threshold,
            deals.c.name.label("deal_name"),
            entities.c.version,
            paid.c.investors,
        )
        .join(
            funds,
            and_(
                funds.c.org_id == capital_calls.c.org_id, funds.c.fund_id == capital_calls.c.fund_id
            ),
        )
        .outerjoin(
            deals,
            and_(
                deals.c.org_id == capital_calls.c.org_id, deals.c.deal_id == capital_calls.c.deal_id
            ),
        )
        .join(
            entities,
            and_(
                entities.c.org_id == capital_calls.c.org_id,
                entities.c.entity_id == capital_calls.c.call_id,
            ),
        )
        .outerjoin(paid, paid.c.call_id == capital_calls.c.call_id)
        .where(capital_calls.c.org_id == ws.org_id)
        .order_by(capital_calls.c.call_date.desc(), capital_calls.c.call_id.desc())
    )
    if fund_id is not None:
        stmt = stmt.where(capital_calls.c.fund_id == fund_id)
    with reading(ws) as conn:
        rows = conn.execute(stmt).mappings().all()
        paid_by_call, overdue_by_call = _call_figures(
            SqlProjection(conn, ws.org_id), {r["fund_id"] for r in rows}, dt.date.today()
        )
        names = _user_names(conn, ws.org_id)
    return [
        CallLine(
            call_id=r["call_id"],
            fund_id=r["fund_id"],
            fund_name=r["fund_name"],
            deal_name=r["deal_name"],
            amount=Decimal(r["amount"]),
            currency=r["currency"],
            basis=r["basis"],
            call_date=r["call_date"],
            due_date=r["due_date"],
            purpose=r["purpose"],
            status=r["status"],
            paid=paid_by_call.get(r["call_id"], Decimal(0)),
            investors=int(r["investors"] or 0),
            version=int(r["version"]),
            approval=_approval(r, names),
            overdue=overdue_by_call.get(r["call_id"], Decimal(0)),
            deal_id=r["deal_id"],
        )
        for r in rows
    ]


def list_distributions(ws: Workspace, *, fund_id: str | None = None) -> list[DistributionLine]:
    stmt = (
        select(
            distributions,
            funds.c.name.label("fund_name"),
            funds.c.four_eyes_threshold,
            deals.c.name.label("deal_name"),
            entities.c.version,
        )
        .join(
            funds,
            and_(
                funds.c.org_id == distributions.c.org_id, funds.c.fund_id == distributions.c.fund_id
            ),
        )
        .outerjoin(
            deals,
            and_(
                deals.c.org_id == distributions.c.org_id, deals.c.deal_id == distributions.c.deal_id
            ),
        )
        .join(
            entities,
            and_(
                entities.c.org_id == distributions.c.org_id,
                entities.c.entity_id == distributions.c.distribution_id,
            ),
        )
        .where(distributions.c.org_id == ws.org_id)
        .order_by(distributions.c.distribution_date.desc())
    )
    if fund_id is not None:
        stmt = stmt.where(distributions.c.fund_id == fund_id)
    with reading(ws) as conn:
        rows = conn.execute(stmt).mappings().all()
        names = _user_names(conn, ws.org_id)
    return [
        DistributionLine(
            r["distribution_id"],
            r["fund_name"],
            r["deal_name"],
            Decimal(r["amount"]),
            r["currency"],
            r["basis"],
            r["distribution_date"],
            r["source"],
            r["status"],
            int(r["version"]),
            _approval(r, names),
            r["deal_id"],
        )
        for r in rows
    ]


def _user_names(conn: Connection, org_id: str) -> dict[str, str]:
    query = select(users.c.user_id, users.c.display_name).where(users.c.org_id == org_id)
    return {user_id: name for user_id, name in conn.execute(query)}


def _approval(row: Any, names: dict[str, str]) -> Approval:
    drafter, approver = row["drafted_by"], row["approved_by"]
    return Approval(
        needed=row["status"] == "draft"
        and above_threshold(row["four_eyes_threshold"], Decimal(row["amount"])),
        drafted_by=names.get(drafter) if drafter else None,
        drafted_by_id=drafter,
        approved_by=names.get(approver, "a former user") if approver else None,
        approved_by_id=approver,
    )


def call_allocations_of(ws: Workspace, call_id: str) -> list[AllocationLine]:
    with reading(ws) as conn:
        rows = conn.execute(
            select(
                call_allocations.c.lp_id,
                lps.c.name,
                call_allocations.c.amount,
                call_allocations.c.paid,
                capital_calls.c.currency,
            )
            .join(
                lps,
                and_(
                    lps.c.org_id == call_allocations.c.org_id,
                    lps.c.lp_id == call_allocations.c.lp_id,
                ),
            )
            .join(
                capital_calls,
                and_(
                    capital_calls.c.org_id == call_allocations.c.org_id,
                    capital_calls.c.call_id == call_allocations.c.call_id,
                ),
            )
            .where(call_allocations.c.org_id == ws.org_id, call_allocations.c.call_id == call_id)
            .order_by(lps.c.name)
        ).all()
    return [
        AllocationLine(lp, name, Decimal(amount), Decimal(paid), currency)
        for lp, name, amount, paid, currency in rows
    ]


def preview_call(
    ws: Workspace,
    *,
    fund_id: str,
    amount: str,
    basis: str,
    call_date: dt.date,
    due_date: dt.date | None = None,
    excluded_lp_ids: tuple[str, ...] = (),
    revising: tuple[str, int] | None = None,
) -> CallPreview:
    """Each LP's share of a call dated ``call_date`` that is not drafted yet — or of the
    draft ``revising`` (its id and version) with these terms: the op dry-run through the
    reducer (:mod:`core.views.trial`), so the shares and any refusal are the op's own;
    beside each share, the LP's position as of the call date."""
    with reading(ws) as conn:
        currency = conn.execute(
            select(funds.c.currency).where(funds.c.org_id == ws.org_id, funds.c.fund_id == fund_id)
        ).scalar()
        if currency is None:
            return CallPreview("", None, (), "choose a fund")
        book = ledger_book(SqlProjection(conn, ws.org_id), fund_id)
        positions = book.as_of(call_date, with_nav=False)
        everything = book.as_of(None, with_nav=False)
        names = dict(
            conn.execute(select(lps.c.lp_id, lps.c.name).where(lps.c.org_id == ws.org_id)).all()
        )
    try:
        value = parse_amount(amount, currency)
    except MoneyError as exc:
        return CallPreview(currency, None, (), str(exc))
    terms = {
        "amount": Money(value, currency),
        "currency": currency,
        "basis": basis,
        "call_date": call_date,
        "due_date": due_date or call_date,
        "excluded_lp_ids": list(excluded_lp_ids),
        "split_rule": "as_of_date",
    }
    if revising is None:
        split = trial_split(
            ws, CapitalCallCreatePayload(fund_id=fund_id, **terms), call_allocations
        )
    else:
        split = trial_split(
            ws,
            CapitalCallRevisePayload(**terms),
            call_allocations,
            entity_id=revising[0],
            base_version=revising[1],
        )
    lines = tuple(
        sorted(
            (
                PreviewLine(
                    lp,
                    names.get(lp, lp),
                    positions.of(lp).commitment,
                    positions.of(lp).unfunded,
                    everything.of(lp).available_to_call,
                    share,
                )
                for lp, share in split.shares.items()
            ),
            key=lambda line: (line.lp_name, line.lp_id),
        )
    )
    return CallPreview(currency, value, lines, split.problem)
