"""The one shape every op function of this package ends in: submit an op as this
device's user, on a worker, with the bridge told what changed."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QWidget

from core.commands import OpResult
from desktop.background import BackgroundOp
from desktop.session import DesktopSession

__all__ = ["submit_in_background"]


def submit_in_background(
    *,
    parent: QWidget,
    session: DesktopSession,
    label: str,
    kind: str,
    entity_id: str,
    payload: dict[str, Any],
    base_version: int | None = None,
) -> BackgroundOp[OpResult]:
    return BackgroundOp(
        parent=parent,
        label=label,
        bridge=session.bridge,
        task=lambda: session.ws.submit(
            kind, entity_id=entity_id, payload=payload, base_version=base_version
        ),
    )
