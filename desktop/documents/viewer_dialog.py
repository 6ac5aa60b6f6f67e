"""A deal document opened in the desktop, at a page: QtPdf for a PDF, its text for every
kind, and page by page (the file is read from the local store, checked against its hash)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from core.commands.workspace import Workspace
from core.documents.blob_store import BlobStore
from core.documents.listing import DocumentLine, document_line
from core.documents.text_pages import DocumentText, text_of
from desktop.background import BackgroundOp
from desktop.documents.page_view import DocumentPageView, ShownPage
from desktop.session import DesktopSession

__all__ = ["DocumentViewerDialog"]

_Loaded = tuple[DocumentLine, bytes | None, DocumentText | None]


def _read(ws: Workspace, document_id: str) -> _Loaded:
    line = document_line(ws, document_id)
    blobs = BlobStore.beside(ws.store.data_dir)
    if not blobs.has(line.sha256):
        return line, None, None
    data = blobs.read_verified(line.sha256)
    return line, data, text_of(data, line.media_type)


class DocumentViewerDialog(QDialog):
    def __init__(
        self,
        session: DesktopSession,
        document_id: str,
        *,
        page: int = 1,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("documentViewer")
        self.setWindowTitle("Document")
        self.resize(820, 980)
        self.session = session
        self.document_id = document_id
        self.loaded: _Loaded | None = None
        self.view = DocumentPageView()
        self.page = QSpinBox()
        self.page.setObjectName("documentPage")
        self.page.setMinimum(1)
        self.page.setMaximum(max(1, page))
        self.page.setValue(page)
        self.page.valueChanged.connect(self._turn)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Page"))
        bar.addWidget(self.page)
        bar.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        layout.addWidget(close)

    def load(self) -> BackgroundOp[_Loaded]:
        return (
            BackgroundOp(
                parent=self,
                label="Opening the document…",
                bridge=self.session.bridge,
                task=lambda: _read(self.session.ws, self.document_id),
            )
            .success(self._show)
            .run_in_background()
        )

    def _show(self, loaded: _Loaded) -> None:
        self.loaded = loaded
        line, _, text = loaded
        self.setWindowTitle(line.name)
        self.page.setMaximum(max(1, len(text.pages) if text is not None else 1))
        self._turn(self.page.value())

    def _turn(self, page: int) -> None:
        if self.loaded is None:
            return
        line, data, text = self.loaded
        self.view.show_page(ShownPage(line.name, line.media_type, page), data, text)
