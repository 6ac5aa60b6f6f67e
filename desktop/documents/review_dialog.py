"""Review a document's proposed terms: each beside its quote, accepted, edited or rejected.

Opening the dialog reads the document with the AI endpoint on a worker (or takes the kept
draft: the same file, model and prompt are never asked twice). Nothing is written into the
deal until the reviewer accepts: one term at a time, as read or with the value typed in
the box (then it is the reviewer's value, noted as typed beside the quote), or every
verified term at once. Rejecting keeps the proposal, marked, out of "accept all". A term
whose quote is not on its page is shown as unverified, never as fact; the reviewer may
type its value. With the endpoint unreachable the document waits in the queue, and the
dialog says so in words; the reviewer can always type fields on the deal by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.commands.workspace import Workspace
from core.documents.blob_store import BlobStore
from core.documents.listing import document_line
from core.documents.text_pages import DocumentText, text_of
from core.domain.roles import Action
from core.extraction import (
    AcceptedFields,
    AiSettings,
    Draft,
    ReviewLine,
    ReviewState,
    accept_fields,
    extract_document,
    reject_fields,
    review_lines,
)
from core.ops.changes import OpChanges
from desktop.background import BackgroundOp
from desktop.documents.page_view import DocumentPageView, ShownPage
from desktop.session import DesktopSession

__all__ = ["ExtractionReviewDialog", "ReviewData"]

_COLUMNS: Final = ("Term", "Proposed value", "Page", "Quote", "State")
_STATE_WORDS: Final = {
    ReviewState.TO_REVIEW: "To review",
    ReviewState.ACCEPTED: "Accepted",
    ReviewState.REJECTED: "Rejected",
    ReviewState.UNVERIFIED: "Quote not found: type the value to accept it",
}
_STATE_COLORS: Final = {
    ReviewState.ACCEPTED: "#2e8b57",
    ReviewState.REJECTED: "#8a8f98",
    ReviewState.UNVERIFIED: "#c0392b",
    ReviewState.TO_REVIEW: "#c77c02",
}


@dataclass(frozen=True, slots=True)
class ReviewData:
    """What the dialog shows: the draft, each term's state, the file and its text."""

    draft: Draft | None
    lines: tuple[ReviewLine, ...]
    queued_because: str | None
    data: bytes | None
    text: DocumentText | None


def _load(
    ws: Workspace, document_id: str, settings: AiSettings, *, fresh: bool = False
) -> ReviewData:
    outcome = extract_document(ws, document_id, settings, fresh=fresh)
    line = document_line(ws, document_id)
    blobs = BlobStore.beside(ws.store.data_dir)
    data = blobs.read_verified(line.sha256) if blobs.has(line.sha256) else None
    text = None if data is None else text_of(data, line.media_type)
    if outcome.draft is None:
        return ReviewData(None, (), outcome.queued_because, data, text)
    _, lines = review_lines(ws, document_id, settings)
    return ReviewData(outcome.draft, lines, None, data, text)


class ExtractionReviewDialog(QDialog):
    def __init__(
        self,
        session: DesktopSession,
        document_id: str,
        *,
        settings: AiSettings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("extractionReview")
        self.session = session
        self.document_id = document_id
        self.settings = settings or AiSettings.from_environment()
        self.loaded: ReviewData | None = None
        self.setWindowTitle("Review proposed terms")
        self.resize(1180, 760)
        self.heading = QLabel("Reading the document…")
        self.heading.setObjectName("reviewHeading")
        self.heading.setWordWrap(True)
        self.notes = QLabel()
        self.notes.setObjectName("reviewNotes")
        self.notes.setWordWrap(True)
        self.notes.setStyleSheet("color: #8a5a00;")
        self.table = QTableWidget(0, len(_COLUMNS))
        self.table.setObjectName("proposedTerms")
        self.table.setHorizontalHeaderLabels(list(_COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        for column, width in enumerate((150, 170, 50, 90)):
            self.table.setColumnWidth(column, width)
        self.table.itemSelectionChanged.connect(self._selected)
        self.value = QLineEdit()
        self.value.setObjectName("acceptedValue")
        self.value.setPlaceholderText("The value to accept (edit it to type your own)")
        self.value.textEdited.connect(lambda _t: self._gate())
        self.accept_button = QPushButton("Accept")
        self.accept_button.setObjectName("acceptTerm")
        self.accept_button.clicked.connect(self.accept_selected)
        self.reject_button = QPushButton("Reject")
        self.reject_button.setObjectName("rejectTerm")
        self.reject_button.clicked.connect(self.reject_selected)
        self.accept_all_button = QPushButton("Accept all verified")
        self.accept_all_button.setObjectName("acceptAllTerms")
        self.accept_all_button.clicked.connect(self.accept_all)
        self.again_button = QPushButton("Read again")
        self.again_button.setObjectName("readAgain")
        self.again_button.setToolTip("Ask the model again, even though a draft is kept")
        self.again_button.clicked.connect(lambda: self.reload(fresh=True))
        self.page = DocumentPageView()
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(QLabel("Value to accept:"))
        left_layout.addWidget(self.value)
        row = QHBoxLayout()
        for button in (self.accept_button, self.reject_button):
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(self.again_button)
        row.addWidget(self.accept_all_button)
        left_layout.addLayout(row)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(self.page)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.notes)
        layout.addWidget(split, 1)
        layout.addWidget(close)
        self._gate()

    # -- loading -----------------------------------------------------------------------

    def reload(self, *, fresh: bool = False) -> BackgroundOp[ReviewData]:
        self.heading.setText("Reading the document…" if fresh else self.heading.text())
        return (
            BackgroundOp(
                parent=self,
                label="Reading the document's terms…",
                bridge=self.session.bridge,
                task=lambda: _load(self.session.ws, self.document_id, self.settings, fresh=fresh),
            )
            .success(self._show)
            .run_in_background()
        )

    def _show(self, loaded: ReviewData) -> None:
        self.loaded = loaded
        selected = self.selected_line()
        if loaded.draft is None:
            self.heading.setText(
                f"<b>The document could not be read yet.</b> {loaded.queued_because}. It waits "
                "in the queue and is read when the endpoint answers; you can type the deal's "
                "fields by hand meanwhile."
            )
            self.notes.setText("")
        else:
            draft = loaded.draft
            kept = " (kept from an earlier reading)" if draft.from_cache else ""
            self.heading.setText(
                f"<b>{draft.document.name}</b>: {len(draft.proposals)} terms proposed by "
                f"{draft.model}{kept}. A draft: nothing is in the deal until you accept it."
            )
            self.notes.setText("\n".join(f"Note: {n}" for n in draft.notes))
        self.table.setRowCount(len(loaded.lines))
        for row, line in enumerate(loaded.lines):
            p = line.proposal
            cells = (
                line.label,
                p.value,
                str(p.page),
                "verified" if p.verified else "not on its page",
                _STATE_WORDS[line.state],
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == 4:
                    item.setForeground(QColor(_STATE_COLORS[line.state]))
                item.setToolTip(f"“{p.quote}”" if column == 3 else text)
                self.table.setItem(row, column, item)
        if loaded.lines:
            terms = [line.proposal.term for line in loaded.lines]
            wanted = selected.proposal.term if selected is not None else terms[0]
            self.table.selectRow(terms.index(wanted) if wanted in terms else 0)
        self._gate()

    # -- selection -----------------------------------------------------------------------

    def selected_line(self) -> ReviewLine | None:
        rows = self.table.selectionModel().selectedRows()
        if self.loaded is None or not rows or rows[0].row() >= len(self.loaded.lines):
            return None
        return self.loaded.lines[rows[0].row()]

    def select_term(self, term: str) -> None:
        if self.loaded is not None:
            for row, line in enumerate(self.loaded.lines):
                if line.proposal.term == term:
                    self.table.selectRow(row)

    def _selected(self) -> None:
        line = self.selected_line()
        loaded = self.loaded
        if line is not None and loaded is not None and loaded.draft is not None:
            p = line.proposal
            self.value.setText(p.value)
            document = loaded.draft.document
            self.page.show_page(
                ShownPage(document.name, document.media_type, p.page, p.span),
                loaded.data,
                loaded.text,
            )
        self._gate()

    def _gate(self) -> None:
        line = self.selected_line()
        why = self.session.viewer.why_not(Action.EDIT_DEAL, "accept a document's terms")
        editable = why is None
        open_line = line is not None and line.state is not ReviewState.ACCEPTED
        # An unverified term is accepted only as a value the reviewer typed.
        typed = line is not None and self.value.text().strip() != line.proposal.value.strip()
        needs_typing = line is not None and line.state is ReviewState.UNVERIFIED
        self.accept_button.setEnabled(editable and open_line and (typed or not needs_typing))
        self.reject_button.setEnabled(
            editable and line is not None and line.state is ReviewState.TO_REVIEW
        )
        self.accept_all_button.setEnabled(
            editable
            and self.loaded is not None
            and any(x.state is ReviewState.TO_REVIEW for x in self.loaded.lines)
        )
        self.value.setEnabled(editable and open_line)
        self.again_button.setEnabled(editable)
        if needs_typing and not typed:
            self.accept_button.setToolTip((line.why_not if line is not None else None) or "")
        else:
            self.accept_button.setToolTip("Write this term into the deal, signed as confirmed")

    # -- decisions -----------------------------------------------------------------------

    def accept_selected(self) -> BackgroundOp[AcceptedFields] | None:
        line = self.selected_line()
        if line is None or not self.accept_button.isEnabled():
            return None
        typed = self.value.text().strip()
        term = line.proposal.term
        if typed == line.proposal.value.strip():
            return self._accept([term], {})
        return self._accept([], {term: typed})

    def accept_all(self) -> BackgroundOp[AcceptedFields] | None:
        if not self.accept_all_button.isEnabled():
            return None
        return self._accept([], {})

    def _accept(self, fields: list[str], edits: dict[str, str]) -> BackgroundOp[AcceptedFields]:
        def done(accepted: AcceptedFields) -> None:
            if accepted.result is not None:
                self.session.bridge.post_changes(OpChanges.of([accepted.result]))
            self.reload()

        return (
            BackgroundOp(
                parent=self,
                label="Signing the accepted terms…",
                bridge=self.session.bridge,
                task=lambda: accept_fields(
                    self.session.ws, self.document_id, self.settings, fields, edits=edits
                ),
            )
            .success(done)
            .run_in_background()
        )

    def reject_selected(self) -> BackgroundOp[object] | None:
        line = self.selected_line()
        if line is None or not self.reject_button.isEnabled():
            return None
        term = line.proposal.term
        return (
            BackgroundOp(
                parent=self,
                label="Marking the term rejected…",
                bridge=self.session.bridge,
                task=lambda: reject_fields(
                    self.session.ws, self.document_id, self.settings, [term]
                ),
            )
            .success(lambda _r: self.reload())
            .run_in_background()
        )
