"""Where a deal field's value came from: the source page with the quote highlighted, and
the chain from the document to the money that used it.

Opened from a deal field (double-click, or "Where from?") and from a capital call's or
distribution's investment line. The page is the document's own (QtPdf for a PDF), the
quote the characters the confirming op names; the chain is
:func:`core.extraction.provenance.field_provenance`: document → extraction → the signed op
that confirmed the value → the calls and distributions of the deal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.commands.workspace import Workspace
from core.documents.blob_store import BlobStore
from core.documents.text_pages import DocumentText, text_of
from core.extraction.provenance import FieldProvenance, field_provenance
from core.views.deal_view import deal_detail
from core.views.viewer import Viewer
from desktop.background import BackgroundOp
from desktop.documents.page_view import DocumentPageView, ShownPage
from desktop.session import DesktopSession

__all__ = ["INVESTMENT_TERMS", "ProvenanceDialog", "SourceData"]

_COLUMNS: Final = ("Step", "What happened", "When", "Signed op")
_PROVENANCE_WORDS: Final = {
    "confirmed": "confirmed from a document",
    "extracted": "extracted, not yet confirmed",
    "manual": "typed by hand",
}


@dataclass(frozen=True, slots=True)
class SourceData:
    found: FieldProvenance
    data: bytes | None
    text: DocumentText | None
    valued: tuple[tuple[str, str], ...] = ()  # the deal's fields with a value: name, label


# The terms an investment line of a notice is read with first, in this order.
INVESTMENT_TERMS: Final = ("equity_required", "asking_price", "noi", "cap_rate")


def _load(ws: Workspace, viewer: Viewer, deal_id: str, field: str | None) -> SourceData:
    detail = deal_detail(ws, viewer, deal_id)
    valued = tuple((f.name, f.label) for f in detail.fields if f.value is not None)
    if field is None:
        names = [name for name, _ in valued]
        field = next((t for t in INVESTMENT_TERMS if t in names), names[0] if names else "")
        field = field or INVESTMENT_TERMS[1]
    found = field_provenance(ws, viewer, deal_id, field)
    source = found.source
    blobs = BlobStore.beside(ws.store.data_dir)
    if source is None or not blobs.has(source.sha256):
        return SourceData(found, None, None, valued)
    data = blobs.read_verified(source.sha256)
    return SourceData(found, data, text_of(data, source.media_type), valued)


class ProvenanceDialog(QDialog):
    def __init__(
        self,
        session: DesktopSession,
        deal_id: str,
        field: str | None,
        parent: QWidget | None = None,
    ) -> None:
        """``field`` None: the investment's leading term (equity required, else asking
        price…), as a notice's investment line is read."""
        super().__init__(parent)
        self.setObjectName("provenanceDialog")
        self.setWindowTitle("Where this value comes from")
        self.resize(1100, 760)
        self.session = session
        self.deal_id = deal_id
        self.field = field
        self.loaded: SourceData | None = None
        self.heading = QLabel("Reading the value's history…")
        self.heading.setObjectName("provenanceHeading")
        self.heading.setWordWrap(True)
        self.field_choice = QComboBox()
        self.field_choice.setObjectName("provenanceField")
        self.field_choice.setToolTip("Another field of the deal")
        self.field_choice.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.field_choice.setMinimumContentsLength(22)
        self.field_choice.activated.connect(self._choose)
        self.page = DocumentPageView()
        self.chain = QTableWidget(0, len(_COLUMNS))
        self.chain.setObjectName("provenanceChain")
        self.chain.setHorizontalHeaderLabels(list(_COLUMNS))
        self.chain.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.chain.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.chain.verticalHeader().setVisible(False)
        self.chain.setWordWrap(True)
        header = self.chain.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for column, width in ((0, 90), (2, 100), (3, 110)):
            self.chain.setColumnWidth(column, width)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.page)
        split.addWidget(self.chain)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(QLabel("Field:"))
        top.addWidget(self.field_choice)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        layout.addWidget(close)

    def load(self) -> BackgroundOp[SourceData]:
        viewer = self.session.viewer
        return (
            BackgroundOp(
                parent=self,
                label="Reading the value's history…",
                bridge=self.session.bridge,
                task=lambda: _load(self.session.ws, viewer, self.deal_id, self.field),
            )
            .success(self._show)
            .run_in_background()
        )

    def _choose(self, index: int) -> None:
        name = self.field_choice.itemData(index)
        if isinstance(name, str) and name != self.field:
            self.field = name
            self.load()

    def _show(self, loaded: SourceData) -> None:
        self.loaded = loaded
        found = loaded.found
        line = found.field
        self.field = line.name
        self.field_choice.clear()
        for name, label in loaded.valued:
            self.field_choice.addItem(label, name)
        self.field_choice.setCurrentIndex(self.field_choice.findData(line.name))
        how = _PROVENANCE_WORDS.get(line.provenance or "", "not set")
        self.heading.setText(
            f"<h3 style='margin:0'>{found.deal_name} · {line.label}: {line.display}</h3>"
            f"<span style='color:#5a6573'>{how}</span>"
        )
        source = found.source
        self.page.setVisible(source is not None)
        if source is not None and source.page is not None:
            self.page.show_page(
                ShownPage(source.document_name, source.media_type, source.page, source.span),
                loaded.data,
                loaded.text,
            )
        self.chain.setRowCount(len(found.chain))
        for row, link in enumerate(found.chain):
            # A UUIDv7 starts with its time: its last characters tell two ops apart.
            short = f"…{link.op_id[-8:]}" if link.op_id else ""
            cells = (link.step, link.text, (link.at or "")[:10], short)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == 3 and link.op_id:
                    item.setToolTip(f"Signed op {link.op_id}")
                self.chain.setItem(row, column, item)
        self.chain.resizeRowsToContents()
