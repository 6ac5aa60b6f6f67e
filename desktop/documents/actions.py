"""Adding a document from a file dialog and opening one with the system's viewer.

Adding stores the file beside the local store and signs its ``document.add`` on a worker
(:func:`core.documents.add_document`); the next sync sends the file to the server. Opening
copies the file, checked against its hash, to a temporary folder and hands it to the
system (``QDesktopServices``): a PDF opens in the PDF reader, a workbook in the
spreadsheet program. A file not fetched yet says so and asks for a sync.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Final

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.commands import OpResult
from core.documents import add_document, open_copy
from core.domain.roles import Action
from desktop.background import BackgroundOp
from desktop.error_dialogs import show_error
from desktop.session import DesktopSession

__all__ = ["DROPPABLE", "FILE_FILTER", "DocumentBar", "FundDocumentDialog", "open_document"]

DROPPABLE: Final = frozenset({".pdf", ".docx", ".xlsx", ".txt", ".csv", ".md"})
FILE_FILTER: Final = "Documents (" + " ".join(f"*{s}" for s in sorted(DROPPABLE)) + ")"


def _add(
    parent: QWidget,
    session: DesktopSession,
    path: Path,
    *,
    deal_id: str | None = None,
    fund_id: str | None = None,
    title: str | None = None,
    share_with_lps: bool = False,
) -> BackgroundOp[OpResult]:
    return BackgroundOp(
        parent=parent,
        label=f"Adding {path.name}…",
        bridge=session.bridge,
        task=lambda: (
            add_document(
                session.ws,
                path,
                deal_id=deal_id,
                fund_id=fund_id,
                title=title,
                share_with_lps=share_with_lps,
            ).result
        ),
    ).run_in_background()


def open_document(parent: QWidget, session: DesktopSession, document_id: str) -> Path | None:
    """Copy the document out and open it with the system's viewer; the copy's path."""
    folder = Path(tempfile.mkdtemp(prefix="dealos-"))
    try:
        line = open_copy(session.ws, document_id, folder / "document")
    except Exception as exc:  # a refusal in words: not fetched yet, changed on disk
        show_error(parent, exc)
        return None
    target = folder / line.filename
    (folder / "document").rename(target)
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(target)))
    return target


class DocumentBar(QWidget):
    """ "Add document…", "Open", "Open in its program" and "Review terms…" under a deal's
    documents list; files dropped on the deal page come in through :meth:`add_file`."""

    def __init__(
        self,
        session: DesktopSession,
        selected: Callable[[], str | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.selected = selected
        self.deal_id: str | None = None
        self.add_button = QPushButton("Add document…")
        self.add_button.setObjectName("addDocumentButton")
        self.add_button.clicked.connect(self.choose_file)
        self.add_button.setToolTip(
            "Add a PDF, Word, Excel or text file to this deal (or drop files on the deal)"
        )
        self.open_button = QPushButton("Open")
        self.open_button.setObjectName("openDocumentButton")
        self.open_button.setToolTip("Read the document here, page by page")
        self.open_button.clicked.connect(self.view_selected)
        self.system_button = QPushButton("Open in its program")
        self.system_button.setObjectName("openDocumentExternally")
        self.system_button.clicked.connect(self.open_selected)
        self.review_button = QPushButton("Review terms…")
        self.review_button.setObjectName("reviewTermsButton")
        self.review_button.setToolTip(
            "Read the deal's terms out of this document with AI, then accept, edit or reject "
            "each beside its quote"
        )
        self.review_button.clicked.connect(self.review_selected)
        why = session.viewer.why_not(Action.EDIT_DEAL, "add documents")
        self.add_button.setEnabled(why is None)
        self.review_button.setVisible(why is None)
        if why is not None:
            self.add_button.setToolTip(why)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addStretch(1)
        for button in (self.add_button, self.review_button, self.open_button, self.system_button):
            row.addWidget(button)
        self.last_opened: Path | None = None
        self.dialog: QDialog | None = None

    def choose_file(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Add a document", "", FILE_FILTER)
        if name:
            self.add_file(Path(name))

    def add_file(self, path: Path) -> BackgroundOp[OpResult] | None:
        if self.deal_id is None:
            return None
        return _add(self, self.session, path, deal_id=self.deal_id)

    @property
    def accepts_files(self) -> bool:
        return self.deal_id is not None and self.add_button.isEnabled()

    def open_selected(self) -> None:
        document_id = self.selected()
        if document_id is not None:
            self.last_opened = open_document(self, self.session, document_id)

    def view_selected(self) -> QDialog | None:
        document_id = self.selected()
        if document_id is None:
            return None
        from desktop.documents.viewer_dialog import DocumentViewerDialog

        viewer = DocumentViewerDialog(self.session, document_id, parent=self)
        viewer.load()
        viewer.open()
        self.dialog = viewer
        return viewer

    def review_selected(self) -> QDialog | None:
        document_id = self.selected()
        if document_id is None:
            return None
        from desktop.documents.review_dialog import ExtractionReviewDialog

        review = ExtractionReviewDialog(self.session, document_id, parent=self)
        review.reload()
        review.open()
        self.dialog = review
        return review


class FundDocumentDialog(QDialog):
    """Add a document to a fund: the file, a title, and whether the LPs see it."""

    def __init__(
        self,
        session: DesktopSession,
        fund_id: str,
        fund_name: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("fundDocumentDialog")
        self.setWindowTitle(f"Add a document to {fund_name}")
        self.session = session
        self.fund_id = fund_id
        self.path: Path | None = None
        self.file_label = QLabel("No file chosen")
        self.file_label.setObjectName("fundDocumentFile")
        choose = QPushButton("Choose file…")
        choose.clicked.connect(self.choose_file)
        self.title = QLineEdit()
        self.title.setObjectName("fundDocumentTitle")
        self.title.setPlaceholderText("Title (default: the file's name)")
        self.share = QCheckBox("Share with the fund's LPs")
        self.share.setObjectName("shareWithLps")
        self.share.setToolTip(
            "The fund's LPs see it in the investor portal and on their own desktop"
        )
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Add document")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        picker = QHBoxLayout()
        picker.addWidget(self.file_label, 1)
        picker.addWidget(choose)
        layout = QVBoxLayout(self)
        layout.addLayout(picker)
        layout.addWidget(self.title)
        layout.addWidget(self.share)
        layout.addWidget(self.buttons)

    def choose_file(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Add a document", "", FILE_FILTER)
        if name:
            self.set_file(Path(name))

    def set_file(self, path: Path) -> None:
        self.path = path
        self.file_label.setText(path.name)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(True)

    def submit(self) -> BackgroundOp[OpResult] | None:
        if self.path is None:
            return None
        op = _add(
            self,
            self.session,
            self.path,
            fund_id=self.fund_id,
            title=self.title.text().strip() or None,
            share_with_lps=self.share.isChecked(),
        )
        op.success(lambda _r: self.accept())
        return op
