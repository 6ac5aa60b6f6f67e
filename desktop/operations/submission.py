"""The one shape every op function of this package ends in: submit a command as this
device's user, on a worker, with the bridge told what changed."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget

from core.commands import OpResult
from core.ops.payloads.base import Payload
from desktop.background import BackgroundOp
from desktop.session import DesktopSession

__all__ = ["submit_in_background"]


def submit_in_background(
    *,
    parent: QWidget,
    session: DesktopSession,
    label: str,
    command: Callable[[], Payload],
    entity_id: str | None = None,
    base_version: int | None = None,
) -> BackgroundOp[OpResult]:
    """Build ``command`` and submit it on a worker: a value the form let through but the
    command refuses (a malformed amount, a bad date) reaches the op's failure handler
    with the field named, like any refusal of the reducers."""
    return BackgroundOp(
        parent=parent,
        label=label,
        bridge=session.bridge,
        task=lambda: session.ws.submit(command(), entity_id=entity_id, base_version=base_version),
    )
