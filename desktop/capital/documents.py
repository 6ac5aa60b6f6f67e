"""Documents from the capital page: an LP's call notice (PDF) for the selected call and
investor, and the fund's calls or distributions as a spreadsheet (XLSX or CSV) — the same
files ``dealos report notice`` and ``dealos export`` write, built by :mod:`core.reports`
on a worker."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

from core.reports import write_call_notice, write_export
from desktop.background import BackgroundOp
from desktop.session import DesktopSession

__all__ = ["ask_path", "save_call_notice", "save_export"]


def ask_path(parent: QWidget, title: str, suggested: str, kinds: str) -> Path | None:
    """Where to save, asked with the platform's dialog; None if the GP cancels."""
    chosen, _ = QFileDialog.getSaveFileName(parent, title, suggested, kinds)
    return Path(chosen) if chosen else None


def save_call_notice(
    *, parent: QWidget, session: DesktopSession, call_id: str, lp_id: str, out: Path
) -> BackgroundOp[Path]:
    def run() -> Path:
        write_call_notice(session.ws, call_id, lp_id, out)
        return out

    return BackgroundOp(
        parent=parent, label="Writing the call notice…", bridge=session.bridge, task=run
    )


def save_export(
    *, parent: QWidget, session: DesktopSession, kind: str, fund_id: str | None, out: Path
) -> BackgroundOp[Path]:
    """``kind``: ``calls``, ``distributions`` or ``capital-accounts``."""

    def run() -> Path:
        write_export(session.ws, kind, out, fund_id=fund_id)
        return out

    return BackgroundOp(
        parent=parent, label="Writing the spreadsheet…", bridge=session.bridge, task=run
    )
