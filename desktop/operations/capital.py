"""Capital ops: draft and issue a call, record a payment, draft and issue a distribution."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from core.commands import OpResult
from core.ids import new_id
from desktop.background import BackgroundOp
from desktop.operations.submission import submit_in_background
from desktop.session import DesktopSession

__all__ = [
    "approve_call",
    "approve_distribution",
    "draft_call",
    "draft_distribution",
    "issue_call",
    "issue_distribution",
    "record_payment",
]


def draft_call(
    *,
    parent: QWidget,
    session: DesktopSession,
    fund_id: str,
    amount: str,
    currency: str,
    basis: str,
    call_date: str,
    due_date: str,
    purpose: str = "",
    deal_id: str | None = None,
) -> BackgroundOp[OpResult]:
    payload: dict[str, object] = {
        "fund_id": fund_id,
        "amount": amount,
        "currency": currency,
        "basis": basis,
        "call_date": call_date,
        "due_date": due_date,
        "purpose": purpose,
        "split_rule": "as_of_date",
    }
    if deal_id:
        payload["deal_id"] = deal_id
    return submit_in_background(
        parent=parent,
        session=session,
        label="Saving the capital call as a draft…",
        kind="capital_call.create",
        entity_id=new_id(),
        payload=payload,
    )


def approve_call(
    *, parent: QWidget, session: DesktopSession, call_id: str, base_version: int
) -> BackgroundOp[OpResult]:
    return submit_in_background(
        parent=parent,
        session=session,
        label="Approving the capital call as the second GP…",
        kind="capital_call.approve",
        entity_id=call_id,
        payload={},
        base_version=base_version,
    )


def approve_distribution(
    *, parent: QWidget, session: DesktopSession, distribution_id: str, base_version: int
) -> BackgroundOp[OpResult]:
    return submit_in_background(
        parent=parent,
        session=session,
        label="Approving the distribution as the second GP…",
        kind="distribution.approve",
        entity_id=distribution_id,
        payload={},
        base_version=base_version,
    )


def issue_call(
    *, parent: QWidget, session: DesktopSession, call_id: str, base_version: int, note: str = ""
) -> BackgroundOp[OpResult]:
    return submit_in_background(
        parent=parent,
        session=session,
        label="Issuing the capital call…",
        kind="capital_call.issue",
        entity_id=call_id,
        payload={"note": note},
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
    paid_on: str,
) -> BackgroundOp[OpResult]:
    payload = {
        "payment_id": new_id(),
        "lp_id": lp_id,
        "amount": amount,
        "currency": currency,
        "paid_on": paid_on,
    }
    return submit_in_background(
        parent=parent,
        session=session,
        label="Recording the payment…",
        kind="capital_call.payment",
        entity_id=call_id,
        payload=payload,
        base_version=base_version,
    )


def issue_distribution(
    *, parent: QWidget, session: DesktopSession, distribution_id: str, base_version: int
) -> BackgroundOp[OpResult]:
    return submit_in_background(
        parent=parent,
        session=session,
        label="Issuing the distribution…",
        kind="distribution.issue",
        entity_id=distribution_id,
        payload={"note": ""},
        base_version=base_version,
    )


def draft_distribution(
    *,
    parent: QWidget,
    session: DesktopSession,
    fund_id: str,
    amount: str,
    currency: str,
    basis: str,
    distribution_date: str,
    source: str,
    deal_id: str | None = None,
    note: str = "",
    recallable: bool = False,
    offset_unpaid_calls: bool = False,
) -> BackgroundOp[OpResult]:
    payload: dict[str, object] = {
        "fund_id": fund_id,
        "amount": amount,
        "currency": currency,
        "basis": basis,
        "distribution_date": distribution_date,
        "source": source,
        "note": note,
        "split_rule": "as_of_date",
        "recallable": recallable,
        "offset_unpaid_calls": offset_unpaid_calls,
    }
    if deal_id:
        payload["deal_id"] = deal_id
    return submit_in_background(
        parent=parent,
        session=session,
        label="Saving the distribution as a draft…",
        kind="distribution.create",
        entity_id=new_id(),
        payload=payload,
    )
