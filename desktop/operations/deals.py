"""Deal ops: create, move to another stage, update fields, record an approval. Each
submits the command of its kind; the kind comes from the command's class."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from core.commands import OpResult
from core.ids import new_id
from core.ops.payloads.deals import (
    ApprovalRecordPayload,
    DealCreatePayload,
    DealFieldValue,
    DealTransitionPayload,
    DealUpdatePayload,
)
from desktop.background import BackgroundOp
from desktop.display import stage_label
from desktop.operations.submission import submit_in_background
from desktop.session import DesktopSession

__all__ = ["create_deal", "move_deal", "record_approval", "update_deal"]


def create_deal(
    *,
    parent: QWidget,
    session: DesktopSession,
    name: str,
    currency: str,
    fields: dict[str, str],
) -> BackgroundOp[OpResult]:
    return submit_in_background(
        parent=parent,
        session=session,
        label=f"Creating {name}…",
        command=lambda: DealCreatePayload(
            name=name,
            currency=currency,
            fields={k: DealFieldValue(value=v) for k, v in fields.items() if v},
        ),
    )


def move_deal(
    *,
    parent: QWidget,
    session: DesktopSession,
    deal_id: str,
    base_version: int,
    to: str,
    fund_id: str | None = None,
    note: str = "",
) -> BackgroundOp[OpResult]:
    return submit_in_background(
        parent=parent,
        session=session,
        label=f"Moving the deal to {stage_label(to)}…",
        command=lambda: DealTransitionPayload(
            to=to,
            **({"fund_id": fund_id} if fund_id else {}),
            **({"note": note} if note else {}),
        ),
        entity_id=deal_id,
        base_version=base_version,
    )


def update_deal(
    *,
    parent: QWidget,
    session: DesktopSession,
    deal_id: str,
    base_version: int,
    fields: dict[str, DealFieldValue],
    name: str | None = None,
) -> BackgroundOp[OpResult]:
    """``fields`` maps a catalog field to its new value, with its provenance and, for an
    extracted or confirmed value, its source document and page."""
    return submit_in_background(
        parent=parent,
        session=session,
        label="Saving the deal…",
        command=lambda: DealUpdatePayload(
            fields=fields, **({"name": name} if name is not None else {})
        ),
        entity_id=deal_id,
        base_version=base_version,
    )


def record_approval(
    *,
    parent: QWidget,
    session: DesktopSession,
    deal_id: str,
    base_version: int,
    approval_type: str,
    decision: str,
    note: str = "",
) -> BackgroundOp[OpResult]:
    return submit_in_background(
        parent=parent,
        session=session,
        label="Recording the vote…",
        command=lambda: ApprovalRecordPayload(
            approval_id=new_id(),
            approval_type=approval_type,
            decision=decision,
            note=note,
        ),
        entity_id=deal_id,
        base_version=base_version,
    )
