"""Import LPs and commitments from a spreadsheet: choose the file, see what every row
would do — or its problem, by row and column — and import it all or nothing.

The reading, the checks and the plan are core's (:mod:`core.views.investor_import`, the
same the ``dealos lp import`` command uses); the preview also dry-runs the whole file
through the reducers, so a refusal they would give is shown before anything is written.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core.commands import OpResult
from core.views.investor_import import ImportPreview, RowResult, preview_import
from desktop.background import BackgroundOp
from desktop.forms import hint_label, refusal_text
from desktop.operations.investors import import_lps
from desktop.records_model import Column, RecordsModel
from desktop.session import DesktopSession

__all__ = ["ImportDialog"]

ROW_COLUMNS: list[Column[RowResult]] = [
    Column("Row", lambda r: str(r.row), numeric=True),
    Column("What it does", lambda r: r.text, color=lambda r: "#c0504d" if r.problem else None),
]


class ImportDialog(QDialog):
    def __init__(self, session: DesktopSession, parent: QWidget) -> None:
        super().__init__(parent)
        self.session = session
        self.setObjectName("importDialog")
        self.setWindowTitle("Import investors from a spreadsheet")
        self.setMinimumSize(820, 520)
        self.preview: ImportPreview | None = None
        self.imported: list[OpResult] | None = None
        self.file_dialog: QFileDialog | None = None
        self.path = QLineEdit()
        self.path.setObjectName("importPath")
        self.path.setPlaceholderText("an .xlsx or .csv file in the template's columns")
        self.browse = QPushButton("Choose…")
        self.browse.setObjectName("importBrowse")
        self.preview_button = QPushButton("Preview")
        self.preview_button.setObjectName("importPreviewButton")
        self.rows: RecordsModel[RowResult] = RecordsModel(ROW_COLUMNS)
        self.table = QTableView()
        self.table.setObjectName("importRows")
        self.table.setModel(self.rows)
        self.table.verticalHeader().setVisible(False)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.verdict = QLabel("Choose a file, then Preview: nothing is written until Import.")
        self.verdict.setObjectName("importVerdict")
        self.verdict.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.import_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.import_button.setText("Import")
        self.import_button.setEnabled(False)
        self.buttons.accepted.connect(self.run_import)
        self.buttons.rejected.connect(self.reject)
        file_bar = QHBoxLayout()
        file_bar.addWidget(QLabel("File"))
        file_bar.addWidget(self.path, 1)
        file_bar.addWidget(self.browse)
        file_bar.addWidget(self.preview_button)
        layout = QVBoxLayout(self)
        layout.addWidget(
            hint_label(
                "One row per LP and commitment, in the template's columns (Save template… on "
                "the Investors page). An LP already recorded under exactly the same name is "
                "reused; a row already recorded adds nothing. A file with any problem is "
                "refused whole."
            )
        )
        layout.addLayout(file_bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.verdict)
        layout.addWidget(self.buttons)
        self.browse.clicked.connect(self._choose)
        self.preview_button.clicked.connect(self.read_file)
        self.path.returnPressed.connect(self.read_file)
        self.path.textEdited.connect(self._forget)

    def _choose(self) -> QFileDialog:
        dialog = QFileDialog(self, "Choose the spreadsheet", "", "Spreadsheets (*.xlsx *.csv)")
        dialog.setObjectName("importFileDialog")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(self._chosen)
        self.file_dialog = dialog
        dialog.open()
        return dialog

    def _chosen(self, chosen: str) -> None:
        self.path.setText(chosen)
        self.read_file()

    def _forget(self, *_: object) -> None:
        self.preview = None
        self.import_button.setEnabled(False)

    def read_file(self) -> None:
        """Read and check the file on a worker; show each row's result."""
        raw = self.path.text().strip()
        if not raw:
            self._refused("File: choose an .xlsx or .csv file first.")
            return
        path = Path(raw).expanduser()
        self._forget()
        self.preview_button.setEnabled(False)
        self.verdict.setText(f"Reading {path.name}…")
        BackgroundOp(
            parent=self,
            label=f"Reading {path.name}…",
            task=lambda: preview_import(self.session.ws, path),
        ).success(self._previewed).failure(
            lambda exc: self._refused(refusal_text(exc, {}))
        ).run_in_background()

    def _previewed(self, preview: ImportPreview) -> None:
        self.preview_button.setEnabled(True)
        self.preview = preview
        self.rows.set_records(preview.plan.rows)
        self.table.resizeRowsToContents()
        lines = [f"Column ‘{c}’ is not one the import reads: ignored." for c in preview.ignored]
        lines.append(preview.verdict())
        ok = not preview.problems and bool(preview.steps)
        self.verdict.setStyleSheet("" if ok else "color: #c0504d;")
        if ok:
            lines.append("Nothing is written until you press Import; then all of it is.")
        self.verdict.setText("\n".join(lines))
        self.import_button.setEnabled(ok)

    def _refused(self, text: str) -> None:
        self.preview_button.setEnabled(True)
        self.rows.set_records([])
        self.verdict.setStyleSheet("color: #c0504d;")
        self.verdict.setText(text)
        self.import_button.setEnabled(False)

    def run_import(self) -> None:
        preview = self.preview
        if preview is None or preview.problems or not preview.steps:
            return
        self.import_button.setEnabled(False)
        import_lps(parent=self, session=self.session, preview=preview).success(
            self._imported
        ).failure(lambda exc: self._refused(refusal_text(exc, {}))).run_in_background()

    def _imported(self, results: list[OpResult]) -> None:
        self.imported = results
        self.accept()
