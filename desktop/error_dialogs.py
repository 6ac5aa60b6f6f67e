"""Errors as a person reads them: a titled dialog with the rule that refused, never a
traceback. Unexpected failures are logged in full and shown in one sentence."""

from __future__ import annotations

import logging
import sys
import traceback
from types import TracebackType

from pydantic import ValidationError
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from core.errors import DealOSError, KeyStoreError, OpRejected, StoreError
from core.ops.field_words import in_words
from core.ops.payloads.base import payload_refusal
from core.sync.errors import ServerUnavailable, SyncError

__all__ = ["describe", "install_excepthook", "show_error", "show_notice"]

log = logging.getLogger("desktop")

_TITLES = {
    "lifecycle_gate": "The lifecycle gate refused this move",
    "forbidden": "Your role does not allow this",
    "version_conflict": "Someone changed this first",
    "invariant_violation": "That would break a ledger rule",
    "invalid_payload": "Please check what you entered",
    "unknown_field": "Please check what you entered",
    "not_found": "Not found",
    "device_revoked": "This device has been revoked",
}


def _field_words(path: str) -> str:
    """``payload.fields.asking_price.value`` → ``Asking price``; ``payload.due_date`` →
    ``Due date``; an LP id in a map of amounts names no field."""
    parts = [p for p in path.split(".")[1:] if p not in ("value", "fields") and not p.isdigit()]
    parts = [p for p in parts if len(p) != 36]  # ids as map keys
    last = parts[-1] if parts else "value"
    return last.replace("_", " ").capitalize()


def describe(exc: BaseException) -> tuple[str, str]:
    """(title, text) for a dialog about ``exc``."""
    if isinstance(exc, ValidationError):
        # A command built from a form: refused as the reducers refuse it on the wire.
        exc = payload_refusal(exc, exc.title)
    if isinstance(exc, OpRejected):
        title = _TITLES.get(exc.code, "The change was refused")
        # The field in words (``payload.due_date`` → "Due date"), never a wire path or code.
        named = (
            {exc.field: _field_words(exc.field)}
            if exc.field and exc.field.startswith("payload.")
            else {}
        )
        said = in_words(exc, named)
        text = said[:1].upper() + said[1:]
        if not text.endswith("."):
            text += "."
        return title, text
    if isinstance(exc, ServerUnavailable):
        return "The server is unreachable", f"{exc}\n\nYour work is kept here and syncs later."
    if isinstance(exc, SyncError):
        return "The server refused the request", exc.message or str(exc)
    if isinstance(exc, KeyStoreError):
        return "The keyring could not be used", str(exc)
    if isinstance(exc, StoreError):
        return "The local store could not be used", str(exc)
    if isinstance(exc, DealOSError):
        return "Deal OS could not do that", str(exc)
    if isinstance(exc, ValueError):
        return "Please check what you entered", str(exc)
    return (
        "Something went wrong",
        f"Deal OS hit an unexpected problem ({type(exc).__name__}: {exc}). "
        "Nothing was half-written; the details are in the log.",
    )


def _parent_or_active(parent: QWidget | None) -> QWidget | None:
    if parent is not None:
        try:
            parent.window()
            return parent
        except RuntimeError:
            pass
    return QApplication.activeWindow()


def show_error(parent: QWidget | None, exc: BaseException) -> QMessageBox:
    """A window-modal dialog that does not block the event loop (``open``, not ``exec``)."""
    if not isinstance(exc, DealOSError | ValueError):
        log.error("unexpected error\n%s", "".join(traceback.format_exception(exc)))
    title, text = describe(exc)
    return show_notice(parent, title, text, icon=QMessageBox.Icon.Warning)


def show_notice(
    parent: QWidget | None,
    title: str,
    text: str,
    *,
    icon: QMessageBox.Icon = QMessageBox.Icon.Information,
) -> QMessageBox:
    box = QMessageBox(_parent_or_active(parent))
    box.setObjectName("noticeDialog")
    box.setIcon(icon)
    box.setWindowTitle(title)
    box.setText(f"<b>{title}</b>")
    box.setInformativeText(text)
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


def install_excepthook() -> None:
    """Slots that raise show a dialog instead of printing a traceback to a console."""

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        show_error(None, exc)

    sys.excepthook = hook
