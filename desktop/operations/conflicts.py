"""Conflict ops: re-apply a refused change on the current version, or discard it."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from core.commands import OpResult
from core.sync import conflicts as inbox
from desktop.background import BackgroundOp
from desktop.session import DesktopSession

__all__ = ["discard_conflict", "reapply_conflict"]


def reapply_conflict(
    *, parent: QWidget, session: DesktopSession, op_id: str, note: str = ""
) -> BackgroundOp[OpResult]:
    return BackgroundOp(
        parent=parent,
        label="Re-applying the change on the current version…",
        bridge=session.bridge,
        source="conflict",
        task=lambda: inbox.reapply(session.ws, op_id, note=note),
    )


def discard_conflict(
    *, parent: QWidget, session: DesktopSession, op_id: str, note: str
) -> BackgroundOp[None]:
    return BackgroundOp(
        parent=parent,
        label="Discarding the change…",
        bridge=session.bridge,
        task=lambda: inbox.discard(session.ws, op_id, note=note),
    )
