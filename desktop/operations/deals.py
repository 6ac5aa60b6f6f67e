"""Deal ops: create, move to another stage, update fields, record an approval."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QWidget

from core.commands import OpResult
from core.ids import new_id
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
    payload: dict[str, Any] = {
        "name": name,
        "currency": currency,
        "fields": {k: {"value": v} for k, v in fields.items() if v},
    }
    return submit_in_background(
        parent=parent,
        session=session,
        label=f"Creating {name}…",
        kind="deal.create",
        entity_id=new_id(),
        payload=payload,
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
    payload: dict[str, Any] = {"to": to}
    if fund_id:
        payload["fund_id"] = fund_id
    if note:
        payload["note"] = note
    return submit_in_background(
        parent=parent,
        session=session,
        label=f"Moving the deal to {stage_label(to)}…",
        kind="deal.transition",
        entity_id=deal_id,
        payload=payload,
        base_version=base_version,
    )


def update_deal(
    *,
    parent: QWidget,
    session: DesktopSession,
    deal_id: str,
    base_version: int,
    fields: dict[str, dict[str, Any]],
    name: str | None = None,
) -> BackgroundOp[OpResult]:
    """``fields`` maps a catalog field to its payload item: value, provenance, and for an
    extracted or confirmed value its source document and page."""
    payload: dict[str, Any] = {"fields": fields}
    if name is not None:
        payload["name"] = name
    return submit_in_background(
        parent=parent,
        session=session,
        label="Saving the deal…",
        kind="deal.update",
        entity_id=deal_id,
        payload=payload,
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
    payload = {
        "approval_id": new_id(),
        "approval_type": approval_type,
        "decision": decision,
        "note": note,
    }
    return submit_in_background(
        parent=parent,
        session=session,
        label="Recording the vote…",
        kind="approval.record",
        entity_id=deal_id,
        payload=payload,
        base_version=base_version,
    )
