"""Editing a deal's descriptive fields: one row per catalog field, checked by its type
before anything is submitted, and the ``deal.update`` it becomes.

A value the user types is manual, even where an extracted one stood; confirming an
extracted value keeps its source document and page and only changes its provenance."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from core.commands import OpResult
from core.commands.deal_editing import field_sources, org_members
from core.domain.deal_fields import (
    DEAL_FIELDS,
    DealField,
    FieldType,
    Provenance,
    check_field_value,
)
from core.money import MoneyError, minor_unit, parse_amount
from core.ops.payloads.deals import DealFieldValue
from core.views.deal_view import DealDetail, FieldLine
from desktop.background import BackgroundOp
from desktop.error_dialogs import show_error, show_notice
from desktop.operations.deals import update_deal
from desktop.session import DesktopSession

__all__ = ["DealEditDialog", "confirm_field", "field_problem"]

_INVALID = "border: 1px solid #c0504d;"


def _hint(spec: DealField, currency: str) -> str:
    return {
        FieldType.MONEY: f"{currency}, e.g. 12500000.00",
        FieldType.PERCENT: "0–100, e.g. 5.75",
        FieldType.INTEGER: "a whole number",
        FieldType.TEXT: "",
        FieldType.USER: "",
    }[spec.type]


def field_problem(spec: DealField, value: str, currency: str) -> str | None:
    """The rule ``value`` breaks for ``spec`` in a deal held in ``currency``, or None."""
    problem = check_field_value(spec, value)
    if problem is None and spec.type is FieldType.MONEY:
        try:
            parse_amount(value, currency)
        except MoneyError as exc:
            problem = f"must be an amount in {currency}: {exc}"
    return problem


class DealEditDialog(QDialog):
    def __init__(self, session: DesktopSession, detail: DealDetail, parent: QWidget) -> None:
        super().__init__(parent)
        self.session = session
        self.detail = detail
        self.setObjectName("dealEditDialog")
        self.setWindowTitle(f"Edit {detail.name}")
        self.setMinimumWidth(560)
        self.submitted: tuple[dict[str, DealFieldValue], str | None] | None = None
        self.saved: OpResult | None = None
        self.name = QLineEdit(detail.name)
        self.name.setObjectName("edit_name")
        self.editors: dict[str, QLineEdit | QComboBox | QPlainTextEdit] = {}
        current = {f.name: f for f in detail.fields}
        form = QFormLayout()
        form.addRow("Name", self.name)
        members = org_members(session.ws)
        for spec in DEAL_FIELDS.values():
            line = current.get(spec.name)
            value = line.value if line else None
            editor: QLineEdit | QComboBox | QPlainTextEdit
            if spec.type is FieldType.USER:
                editor = QComboBox()
                editor.addItem("— nobody —", None)
                for m in members:
                    editor.addItem(m.display_name, m.user_id)
                if value and editor.findData(value) < 0:  # a former member stays the owner
                    editor.addItem(line.display if line else value, value)
                editor.setCurrentIndex(max(editor.findData(value), 0) if value else 0)
            elif spec.name == "notes":
                editor = QPlainTextEdit(value or "")
                editor.setFixedHeight(60)
            else:
                editor = QLineEdit(value or "")
                editor.setPlaceholderText(_hint(spec, detail.currency))
            editor.setObjectName(f"edit_{spec.name}")
            if line and line.provenance in ("extracted", "confirmed"):
                editor.setToolTip(
                    f"{line.provenance} from {line.source_document or 'a document'}"
                    + (f", page {line.source_page}" if line.source_page else "")
                    + "; what you type here is recorded as manual."
                )
            self.editors[spec.name] = editor
            form.addRow(spec.label, editor)
        note = QLabel("Values you change are recorded as manual, with you as their author.")
        note.setStyleSheet("color: #6b7785;")
        self.problems = QLabel()
        self.problems.setObjectName("editProblems")
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet("color: #c0504d;")
        self.problems.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problems)
        layout.addWidget(note)
        layout.addWidget(self.buttons)

    def _text(self, name: str) -> str | None:
        editor = self.editors[name]
        if isinstance(editor, QComboBox):
            data = editor.currentData()
            return str(data) if data else None
        raw = editor.toPlainText() if isinstance(editor, QPlainTextEdit) else editor.text()
        text = raw.strip()
        kind = DEAL_FIELDS[name].type
        if kind in (FieldType.MONEY, FieldType.INTEGER):
            text = text.replace(",", "").replace(" ", "")
        if kind is FieldType.MONEY and text:
            # "21500000" and the stored "21500000.00" are the same amount, not a change.
            try:
                currency = self.detail.currency
                text = format(parse_amount(text, currency).quantize(minor_unit(currency)), "f")
            except MoneyError:
                pass  # field_problem names the rule
        return text or None

    def changes(self) -> tuple[dict[str, DealFieldValue], list[tuple[str, str]]]:
        """(changed fields with their new values, [(field label, rule broken)])."""
        fields: dict[str, DealFieldValue] = {}
        problems: list[tuple[str, str]] = []
        before: dict[str, FieldLine] = {f.name: f for f in self.detail.fields}
        for name, spec in DEAL_FIELDS.items():
            value = self._text(name)
            old = before[name].value if name in before else None
            if value == old:
                continue
            if value is not None:
                problem = field_problem(spec, value, self.detail.currency)
                if problem:
                    rule = f"{spec.label} {problem} (you entered {value})"
                    problems.append((spec.label, rule))
                    self.editors[name].setStyleSheet(_INVALID)
                    self.editors[name].setToolTip(rule)
                    continue
            self.editors[name].setStyleSheet("")
            fields[name] = DealFieldValue(value=value, provenance=Provenance.MANUAL)
        return fields, problems

    def submit(self) -> None:
        fields, problems = self.changes()
        self.problems.setText("\n".join(rule + "." for _, rule in problems))
        self.problems.setVisible(bool(problems))
        if problems:
            label, rule = problems[0]
            more = (
                f"\n\n{len(problems) - 1} more field(s) are marked in red." if problems[1:] else ""
            )
            show_notice(self, f"{label} cannot be saved", rule + "." + more)
            return
        name = self.name.text().strip()
        new_name = name if name and name != self.detail.name else None
        if not fields and new_name is None:
            self.accept()
            return
        self.submitted = (fields, new_name)
        self.buttons.setEnabled(False)
        update_deal(
            parent=self,
            session=self.session,
            deal_id=self.detail.deal_id,
            base_version=self.detail.version,
            fields=fields,
            name=new_name,
        ).success(self._saved).failure(self._failed).run_in_background()

    def _saved(self, result: OpResult) -> None:
        self.saved = result
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        show_error(self, exc)


def confirm_field(
    *, parent: QWidget, session: DesktopSession, detail: DealDetail, field: FieldLine
) -> BackgroundOp[OpResult] | None:
    """Submit an extracted value again, unchanged, as confirmed from the same source."""
    source = field_sources(session.ws, detail.deal_id).get(field.name)
    if field.value is None or source is None or source.document_id is None:
        return None
    item = DealFieldValue(
        value=field.value,
        provenance=Provenance.CONFIRMED,
        source_document_id=source.document_id,
        source_page=source.page,
    )
    return update_deal(
        parent=parent,
        session=session,
        deal_id=detail.deal_id,
        base_version=detail.version,
        fields={field.name: item},
    )
