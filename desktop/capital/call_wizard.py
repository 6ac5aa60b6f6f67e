"""The capital call wizard: terms → allocation preview per LP that sums exactly → saved as
a draft → issue (GP only; others see the button disabled with the reason)."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from core.commands import OpResult
from core.domain.roles import Action
from core.money import Money
from core.views.capital_view import (
    CallLine,
    CallPreview,
    PreviewLine,
    list_calls,
    list_funds,
    preview_call,
)
from desktop.capital.columns import preview_columns
from desktop.capital.draft_preview import DraftPreviewPage, muted_label
from desktop.capital.summaries import call_summary
from desktop.confirmation import Confirmation, confirm
from desktop.operations.capital import draft_call, issue_call, revise_call
from desktop.records_model import RecordsModel
from desktop.session import DesktopSession

__all__ = ["CallWizard"]


class _TermsPage(QWizardPage):
    def __init__(self, session: DesktopSession) -> None:
        super().__init__()
        self.setTitle("Capital call — terms")
        self.setSubTitle("How much to call, on what basis, and by when.")
        self.fund = QComboBox()
        self.fund.setObjectName("callFund")
        for fund in list_funds(session.ws):
            self.fund.addItem(f"{fund.name} ({fund.currency})", (fund.fund_id, fund.currency))
        self.amount = QLineEdit()
        self.amount.setObjectName("callAmount")
        self.amount.setPlaceholderText("e.g. 5000000.00")
        self.basis = QComboBox()
        self.basis.setObjectName("callBasis")
        self.basis.addItem("Pro rata to commitment", "commitment")
        self.basis.addItem("Pro rata to unfunded commitment", "unfunded")
        today = QDate.currentDate()
        self.call_date = QDateEdit(today)
        self.call_date.setObjectName("callDate")
        self.due_date = QDateEdit(today.addDays(10))
        self.due_date.setObjectName("dueDate")
        for d in (self.call_date, self.due_date):
            d.setCalendarPopup(True)
            d.setDisplayFormat("yyyy-MM-dd")
        self.purpose = QLineEdit()
        self.purpose.setObjectName("callPurpose")
        self.purpose.setPlaceholderText("e.g. Acquisition of Riverside Apartments")
        form = QFormLayout(self)
        form.addRow("Fund", self.fund)
        form.addRow("Amount", self.amount)
        form.addRow("Basis", self.basis)
        form.addRow("Call date", self.call_date)
        form.addRow("Due date", self.due_date)
        form.addRow("Purpose", self.purpose)
        self.amount.textChanged.connect(self.completeChanged)

    def isComplete(self) -> bool:
        return bool(self.amount.text().strip()) and self.fund.count() > 0


class _PreviewPage(DraftPreviewPage):
    def __init__(self, wizard: CallWizard) -> None:
        model: RecordsModel[PreviewLine] = RecordsModel(preview_columns(""))
        super().__init__(wizard, model, prefix="preview")
        self.wiz = wizard
        self.setSubTitle("Each LP's share, split by largest remainder so it sums to the cent.")
        self.preview: CallPreview | None = None

    def initializePage(self) -> None:
        self.saved = None
        self.preview = p = self.wiz.compute_preview()
        self.model.columns = preview_columns(p.currency)
        self.model.set_records(p.lines)
        if p.amount is not None and p.lines:
            self.show_sum(len(p.lines), p.total, p.amount, p.currency, "call")
        else:
            self.total.clear()
        self.ready(p.problem)


class _DonePage(QWizardPage):
    def __init__(self, wizard: CallWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle("Saved as a draft")
        self.summary = QLabel()
        self.summary.setObjectName("draftSummary")
        self.summary.setWordWrap(True)
        self.issue_button = QPushButton("Issue the call to its LPs")
        self.issue_button.setObjectName("wizardIssueButton")
        self.reason = muted_label("issueReason")
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addSpacing(12)
        layout.addWidget(self.issue_button)
        layout.addWidget(self.reason)
        layout.addStretch(1)
        self.issue_button.clicked.connect(wizard.issue)

    def initializePage(self) -> None:
        why = self.wiz.session.viewer.why_not(Action.ISSUE_FINANCIAL, "issue capital calls")
        self.issue_button.setEnabled(why is None)
        self.reason.setText(why or "Issuing notifies the LPs; payments can be recorded after.")
        self.summary.setText(
            "The call is saved as a draft: it reserves each LP's share of its commitment. "
            "It syncs with the next round."
        )


class CallWizard(QWizard):
    """A new call, or — given ``draft`` — the same wizard on a drafted call's terms, whose
    save revises the draft (its fund stays; it is allocated again)."""

    def __init__(
        self, session: DesktopSession, parent: QWidget, *, draft: CallLine | None = None
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.draft = draft
        self.setObjectName("callWizard")
        self.setWindowTitle("New capital call" if draft is None else "Change the draft call")
        self.setMinimumSize(760, 560)
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.terms = _TermsPage(session)
        self.preview_page = _PreviewPage(self)
        self.done_page = _DonePage(self)
        for page in (self.terms, self.preview_page, self.done_page):
            self.addPage(page)
        self.call: OpResult | None = None
        self.issued: OpResult | None = None
        self.confirmation: Confirmation | None = None
        if draft is not None:
            self._prefill(draft)

    def _prefill(self, draft: CallLine) -> None:
        t = self.terms
        index = t.fund.findData((draft.fund_id, draft.currency))
        t.fund.setCurrentIndex(max(index, 0))
        t.fund.setEnabled(False)  # a revision keeps its fund
        t.amount.setText(format(draft.amount, "f"))
        t.basis.setCurrentIndex(max(t.basis.findData(draft.basis), 0))
        t.call_date.setDate(QDate.fromString(draft.call_date, "yyyy-MM-dd"))
        t.due_date.setDate(QDate.fromString(draft.due_date, "yyyy-MM-dd"))
        t.purpose.setText(draft.purpose)

    def fill_example(self) -> None:
        """Sensible values for the screenshot and a first look."""
        self.terms.amount.setText("4500000.00")
        self.terms.purpose.setText("Acquisition equity for Riverside Apartments")

    def fund(self) -> tuple[str, str]:
        data = self.terms.fund.currentData()
        return (str(data[0]), str(data[1])) if data else ("", "")

    def compute_preview(self) -> CallPreview:
        fund_id, _currency = self.fund()
        return preview_call(
            self.session.ws,
            fund_id=fund_id,
            amount=self.terms.amount.text().strip().replace(",", ""),
            basis=str(self.terms.basis.currentData()),
            call_date=self.terms.call_date.date().toPython(),
            due_date=self.terms.due_date.date().toPython(),
            revising=None if self.draft is None else (self.draft.call_id, self.draft.version),
        )

    def save_draft(self) -> None:
        fund_id, currency = self.fund()
        preview = self.preview_page.preview
        amount = preview.amount if preview and preview.amount is not None else Decimal(0)
        money = Money(amount, currency)
        basis = str(self.terms.basis.currentData())
        on = self.terms.call_date.date().toPython()
        due = self.terms.due_date.date().toPython()
        purpose = self.terms.purpose.text().strip()
        if self.draft is None:
            op = draft_call(
                parent=self,
                session=self.session,
                fund_id=fund_id,
                amount=money,
                basis=basis,
                call_date=on,
                due_date=due,
                purpose=purpose,
            )
        else:
            op = revise_call(
                parent=self,
                session=self.session,
                call_id=self.draft.call_id,
                base_version=self.draft.version,
                amount=money,
                basis=basis,
                call_date=on,
                due_date=due,
                purpose=purpose,
            )
        op.success(self._saved).failure(self.preview_page.draft_failed).run_in_background()

    def _saved(self, result: OpResult) -> None:
        self.call = result
        self.preview_page.draft_saved(result)

    def issue(self) -> Confirmation | None:
        """Ask first, in one sentence, then issue the call just drafted."""
        drafted = self.call
        if drafted is None:
            return None
        line = next(
            (c for c in list_calls(self.session.ws) if c.call_id == drafted.entity_id), None
        )
        what = call_summary(line) if line is not None else "the capital call just drafted"
        self.confirmation = confirm(
            self,
            title="Issue the capital call",
            text=f"Issue {what}?",
            detail="Each LP's notice states its share; an issued call cannot be withdrawn.",
            action="Issue call",
            on_confirm=lambda: self._issue(drafted),
        )
        return self.confirmation

    def _issue(self, drafted: OpResult) -> None:
        self.done_page.issue_button.setEnabled(False)
        issue_call(
            parent=self,
            session=self.session,
            call_id=drafted.entity_id,
            base_version=drafted.version,
        ).success(self._issued).failure(self._issue_failed).run_in_background()

    def _issued(self, result: OpResult) -> None:
        self.issued = result
        self.done_page.reason.setText("Issued. Record payments from the Capital calls page.")
        self.done_page.setTitle("Issued")

    def _issue_failed(self, exc: BaseException) -> None:
        from desktop.error_dialogs import show_error

        self.done_page.issue_button.setEnabled(True)
        show_error(self, exc)
