"""Capital ops: draft, approve and issue a call, record a payment, draft, approve and
issue a distribution. Each submits the command of its kind with the domain's values
(:class:`~core.money.Money`, dates); the kind comes from the command's class."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import QWidget

from core.commands import OpResult
from core.ids import new_id
from core.money import Money
from core.ops.payloads.capital import (
    CapitalCallApprovePayload,
    CapitalCallCreatePayload,
    CapitalCallDeletePayload,
    CapitalCallIssuePayload,
    CapitalCallPaymentPayload,
    CapitalCallRevisePayload,
    DistributionApprovePayload,
    DistributionCreatePayload,
    DistributionDeletePayload,
    DistributionIssuePayload,
)
from desktop.background import BackgroundOp
from desktop.operations.submission import submit_in_background
from desktop.session import DesktopSession

__all__ = [
    "approve_call",
    "approve_distribution",
    "delete_call",
    "delete_distribution",
    "draft_call",
    "draft_distribution",
    "issue_call",
    "issue_distribution",
    "record_payment",
    "revise_call",
]


def draft_call(
    *,
    parent: QWidget,
    session: DesktopSession,
    fund_id: str,
    amount: Money,
    basis: str,
    call_date: dt.date,
    due_date: dt.date,
    purpose: str = "",
    deal_id: str | None = None,
) -> BackgroundOp[OpResult]:
    return submit_in_background(
        parent=parent,
        session=session,
        label="Saving the capital call as a draft…",
        command=lambda: CapitalCallCreatePayload(
            fund_id=fund_id,
            amount=amount,
            basis=basis,
            call_date=call_date,
            due_date=due_date,
            purpose=purpose,
            split_rule="as_of_date",
            **({"deal_id": deal_id} if deal_id else {}),
        ),
    )


def approve_call(
    *, parent: QWidget, session: DesktopSession, call_id: str, base_version: int
) -> BackgroundOp[OpResult]:
    return submit_in_background(
        parent=parent,
        session=session,
        label="Approving the capital call as the second GP…",
        command=CapitalCallApprovePayload,
        entity_id=call_id,
        base_version=base_version,
    )


def approve_distribution(
    *, parent: QWidget, session: DesktopSession, distribution_id: str, base_version: int
) -> BackgroundOp[OpResult]:
    return submit_in_background(
        parent=parent,
        session=session,
        label="Approving the distribution as the second GP…",
        command=DistributionApprovePayload,
        entity_id=distribution_id,
        base_version=base_version,
    )


def issue_call(
    *, parent: QWidget, session: DesktopSession, call_id: str, base_version: int, note: str = ""
) -> BackgroundOp[OpResult]:
    return submit_in_background(
        parent=parent,
        session=session,
        label="Issuing the capital call…",
        command=lambda: CapitalCallIssuePayload(note=note),
        entity_id=call_id,
        base_version=base_version,
    )


def record_payment(
    *,
    parent: QWidget,
    session: DesktopSession,
    call_id: str,
    base_version: int,
    lp_id: str,
    amount: str,
    currency: str,
    paid_on: dt.date,
) -> BackgroundOp[OpResult]:
    """``amount`` as typed: it becomes :class:`Money` on the worker, so a malformed or
    too precise amount is refused there, naming the field."""
    return submit_in_background(
        parent=parent,
        session=session,
        label="Recording the payment…",
        command=lambda: CapitalCallPaymentPayload(
            payment_id=new_id(),
            lp_id=lp_id,
            amount=Money.parse(amount, currency),
            paid_on=paid_on,
        ),
        entity_id=call_id,
        base_version=base_version,
    )


def issue_distribution(
    *, parent: QWidget, session: DesktopSession, distribution_id: str, base_version: int
) -> BackgroundOp[OpResult]:
    return submit_in_background(
        parent=parent,
        session=session,
        label="Issuing the distribution…",
        command=DistributionIssuePayload,
        entity_id=distribution_id,
        base_version=base_version,
    )


def draft_distribution(
    *,
    parent: QWidget,
    session: DesktopSession,
    fund_id: str,
    amount: Money,
    basis: str,
    distribution_date: dt.date,
    source: str,
    deal_id: str | None = None,
    note: str = "",
    recallable: bool = False,
    offset_unpaid_calls: bool = False,
) -> BackgroundOp[OpResult]:
    return submit_in_background(
        parent=parent,
        session=session,
        label="Saving the distribution as a draft…",
        command=lambda: DistributionCreatePayload(
            fund_id=fund_id,
            amount=amount,
            basis=basis,
            distribution_date=distribution_date,
            source=source,
            note=note,
            split_rule="as_of_date",
            recallable=recallable,
            offset_unpaid_calls=offset_unpaid_calls,
            **({"deal_id": deal_id} if deal_id else {}),
        ),
    )


def revise_call(
    *,
    parent: QWidget,
    session: DesktopSession,
    call_id: str,
    base_version: int,
    amount: Money,
    basis: str,
    call_date: dt.date,
    due_date: dt.date,
    purpose: str = "",
) -> BackgroundOp[OpResult]:
    return submit_in_background(
        parent=parent,
        session=session,
        label="Saving the changed draft…",
        command=lambda: CapitalCallRevisePayload(
            amount=amount,
            currency=amount.currency,
            basis=basis,
            call_date=call_date,
            due_date=due_date,
            purpose=purpose,
            split_rule="as_of_date",
        ),
        entity_id=call_id,
        base_version=base_version,
    )


def delete_call(
    *, parent: QWidget, session: DesktopSession, call_id: str, base_version: int
) -> BackgroundOp[OpResult]:
    return submit_in_background(
        parent=parent,
        session=session,
        label="Deleting the draft call…",
        command=CapitalCallDeletePayload,
        entity_id=call_id,
        base_version=base_version,
    )


def delete_distribution(
    *, parent: QWidget, session: DesktopSession, distribution_id: str, base_version: int
) -> BackgroundOp[OpResult]:
    return submit_in_background(
        parent=parent,
        session=session,
        label="Deleting the draft distribution…",
        command=DistributionDeletePayload,
        entity_id=distribution_id,
        base_version=base_version,
    )
