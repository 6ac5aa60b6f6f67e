"""A fund's capital calls as a controller reads them at the command line: numbered, paid,
outstanding and overdue, call by call and LP by LP, with each LP's payment reference.

Figures come from the read models that already define them: the call's row, version and
four-eyes standing from :func:`core.views.capital_view.list_calls`; numbers, payment
references, paid and outstanding from the LPs' ledgers
(:func:`core.reports.read_fund_ledger`, positions of :mod:`core.positions`); overdue is a
position's ``overdue_calls`` as of the day asked. A draft has no number yet: the one it
takes when issued is the count of the fund's issued calls dated on or before it, plus one
(a call dated before issued ones renumbers them, as payment references say).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from core.commands.reading import reading
from core.commands.workspace import Workspace
from core.reports import read_fund_ledger
from core.reports.ledger_index import fund_of_call
from core.reports.ledger_values import FundLedger
from core.reports.payment_reference import payment_reference
from core.store.schema import payments
from core.views.capital_view import Approval, CallLine, list_calls, list_funds

__all__ = [
    "CallRecord",
    "CallSheet",
    "OwedShare",
    "RecordedPayment",
    "ShareRecord",
    "call_records",
    "call_sheet",
    "owed_shares",
    "recorded_payments",
]

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One capital call. ``number`` counts the fund's issued calls (None for a draft);
    ``next_number`` is the number a draft takes when issued. ``overdue`` is what is past
    due and unpaid on it as of the day the register was read."""

    call_id: str
    fund_id: str
    fund_name: str
    currency: str
    number: int | None
    next_number: int
    call_date: dt.date
    due_date: dt.date
    amount: Decimal
    paid: Decimal
    overdue: Decimal
    basis: str
    purpose: str
    deal_name: str | None
    status: str  # draft | issued
    state: str  # draft | issued | partly paid | paid
    investors: int
    version: int
    approval: Approval

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.paid if self.status == "issued" else _ZERO

    @property
    def label(self) -> str:
        """``call 3``, or ``the draft call of 2026-12-06``."""
        if self.number is None:
            return f"the draft call of {self.call_date.isoformat()}"
        return f"call {self.number}"


@dataclass(frozen=True, slots=True)
class ShareRecord:
    """One LP's share of a call: called, paid and outstanding on it, how many days past
    due (None when not overdue) and the reference its wire quotes (None for a draft)."""

    lp_id: str
    lp_name: str
    called: Decimal
    paid: Decimal
    overdue_days: int | None
    reference: str | None

    @property
    def outstanding(self) -> Decimal:
        return self.called - self.paid


@dataclass(frozen=True, slots=True)
class CallSheet:
    call: CallRecord
    shares: tuple[ShareRecord, ...]


@dataclass(frozen=True, slots=True)
class OwedShare:
    """An LP's unpaid share of an issued call: what a received payment can settle."""

    call: CallRecord
    lp_id: str
    lp_name: str
    outstanding: Decimal
    reference: str


@dataclass(frozen=True, slots=True)
class RecordedPayment:
    payment_id: str
    call_id: str
    lp_id: str
    amount: Decimal
    paid_on: dt.date


def _day(raw: str) -> dt.date:
    return dt.date.fromisoformat(raw)


def _sheets(ws: Workspace, fund_id: str, today: dt.date) -> list[CallSheet]:
    """Every call of one fund, newest first, each with its LPs' shares by name."""
    lines: list[CallLine] = list_calls(ws, fund_id=fund_id)
    ledger: FundLedger = read_fund_ledger(ws, fund_id)
    numbers: dict[str, int] = {}
    shares: dict[str, list[ShareRecord]] = {line.call_id: [] for line in lines}
    for lp in ledger.ledgers:
        late = {o.ref: o.days for o in lp.position(today).overdue_calls}
        for entry in lp.calls:
            if entry.number is not None:
                numbers[entry.call_id] = entry.number
            reference = (
                None
                if lp.lp_number is None
                else payment_reference(ledger.fund.name, entry.number, lp.lp_number)
            )
            shares.setdefault(entry.call_id, []).append(
                ShareRecord(
                    lp.investor.lp_id,
                    lp.investor.name,
                    entry.amount,
                    entry.paid if entry.is_issued else _ZERO,
                    late.get(entry.call_id),
                    reference,
                )
            )
    issued_dates = sorted(_day(line.call_date) for line in lines if line.status == "issued")
    sheets = []
    for line in lines:
        mine = tuple(shares.get(line.call_id, ()))
        on = _day(line.call_date)
        issued = line.status == "issued"
        record = CallRecord(
            call_id=line.call_id,
            fund_id=line.fund_id,
            fund_name=line.fund_name,
            currency=line.currency,
            number=numbers.get(line.call_id) if issued else None,
            next_number=sum(1 for d in issued_dates if d <= on) + 1,
            call_date=on,
            due_date=_day(line.due_date),
            amount=line.amount,
            paid=sum((s.paid for s in mine), _ZERO),
            overdue=sum((s.outstanding for s in mine if s.overdue_days is not None), _ZERO),
            basis=line.basis,
            purpose=line.purpose,
            deal_name=line.deal_name,
            status=line.status,
            state=line.state,
            investors=line.investors,
            version=line.version,
            approval=line.approval,
        )
        sheets.append(CallSheet(record, mine))
    return sheets


def call_records(
    ws: Workspace, *, fund_id: str | None = None, today: dt.date
) -> list[tuple[str, list[CallRecord]]]:
    """Each fund (by name, or only ``fund_id``) with its calls, newest first."""
    funds = [f for f in list_funds(ws) if fund_id is None or f.fund_id == fund_id]
    return [(f.fund_id, [s.call for s in _sheets(ws, f.fund_id, today)]) for f in funds]


def call_sheet(ws: Workspace, call_id: str, *, today: dt.date) -> CallSheet:
    """One call with every LP's share; ``RecordNotFound`` for an unknown call."""
    fund_id = fund_of_call(ws, call_id)
    return next(s for s in _sheets(ws, fund_id, today) if s.call.call_id == call_id)


def owed_shares(ws: Workspace, *, currency: str, fund_id: str | None = None) -> list[OwedShare]:
    """Every LP's unpaid share of an issued call in ``currency`` (of one fund, or all)."""
    today = dt.date.today()
    owed: list[OwedShare] = []
    for f in list_funds(ws):
        if f.currency != currency or fund_id not in (None, f.fund_id):
            continue
        for sheet in _sheets(ws, f.fund_id, today):
            if sheet.call.status != "issued":
                continue
            for s in sheet.shares:
                if s.outstanding > 0 and s.reference is not None:
                    owed.append(
                        OwedShare(sheet.call, s.lp_id, s.lp_name, s.outstanding, s.reference)
                    )
    return owed


def recorded_payments(ws: Workspace, payment_ids: list[str]) -> dict[str, RecordedPayment]:
    """The payments among ``payment_ids`` that the ledger already holds, by id."""
    if not payment_ids:
        return {}
    with reading(ws) as conn:
        rows = conn.execute(
            select(payments).where(
                payments.c.org_id == ws.org_id, payments.c.payment_id.in_(payment_ids)
            )
        ).mappings()
        return {
            r["payment_id"]: RecordedPayment(
                r["payment_id"], r["call_id"], r["lp_id"], Decimal(r["amount"]), _day(r["paid_on"])
            )
            for r in rows
        }
