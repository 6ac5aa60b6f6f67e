"""Conflict ops: re-apply a refused change on the current version, or discard it."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from core.commands import OpResult
from core.sync import conflicts as inbox
from desktop.background import BackgroundOp
from desktop.session import DesktopSession

__all__ = ["discard_conflict", "discard_conflicts", "reapply_conflict"]


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


def discard_conflicts(
    *, parent: QWidget, session: DesktopSession, op_ids: list[str], note: str
) -> BackgroundOp[None]:
    """Discard several refused changes with one note (bulk resolve), one after another."""

    def run() -> None:
        for op_id in op_ids:
            inbox.discard(session.ws, op_id, note=note)

    return BackgroundOp(
        parent=parent,
        label=f"Discarding {len(op_ids)} changes…",
        bridge=session.bridge,
        task=run,
    )
