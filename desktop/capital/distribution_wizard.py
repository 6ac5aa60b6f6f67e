"""The distribution wizard: terms → a per-LP preview that sums exactly (pro rata), or the
note that the fund's waterfall decides (computed when saved) → saved as a draft, showing
what the reducer allocated → issue (GP only; others see the button disabled with why)."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtWidgets import (
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from core.commands import OpResult
from core.domain.roles import Action
from core.money import Money
from core.ops.changes import Area
from core.views.capital_view import list_distributions
from core.views.distribution_view import (
    DistributionPreview,
    DistributionPreviewLine,
    DistributionShare,
    DraftedDistribution,
    drafted_distribution,
    preview_distribution,
)
from desktop.bridge import OpChanges
from desktop.capital.columns import distribution_preview_columns, distribution_share_columns
from desktop.capital.distribution_terms import DistributionTermsPage
from desktop.capital.draft_preview import DraftPreviewPage, muted_label, preview_table
from desktop.capital.summaries import distribution_summary
from desktop.confirmation import Confirmation, confirm
from desktop.display import format_money
from desktop.error_dialogs import show_error
from desktop.operations.capital import draft_distribution, issue_distribution
from desktop.records_model import RecordsModel
from desktop.session import DesktopSession

__all__ = ["DistributionWizard"]

WATERFALL_NOTE = "Computed by the fund's terms when saved."


class _PreviewPage(DraftPreviewPage):
    def __init__(self, wizard: DistributionWizard) -> None:
        model: RecordsModel[DistributionPreviewLine] = RecordsModel(
            distribution_preview_columns("")
        )
        super().__init__(wizard, model, prefix="distributionPreview")
        self.wiz = wizard
        self.preview: DistributionPreview | None = None

    def initializePage(self) -> None:
        self.saved = None
        p = self.preview = self.wiz.compute_preview()
        waterfall = p.basis == "waterfall"
        self.table.setVisible(not waterfall)
        self.setSubTitle(
            "The fund's waterfall splits it by each partner's history and the LPA terms."
            if waterfall
            else "Each LP's share, split by largest remainder so it sums to the cent."
        )
        self.model.columns = distribution_preview_columns(p.currency)
        self.model.set_records(p.lines)
        if waterfall and p.amount is not None and p.problem is None:
            self.total.setText(
                f"<b>{format_money(p.amount, p.currency)} through the waterfall.</b> "
                f"{WATERFALL_NOTE} Each LP's amount and the GP's carry are shown after saving."
            )
            self.total.setWordWrap(True)
        elif p.amount is not None and p.lines:
            self.show_sum(len(p.lines), p.total, p.amount, p.currency, "distribution")
        else:
            self.total.clear()
        self.ready(p.problem)


class _DonePage(QWizardPage):
    def __init__(self, wizard: DistributionWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle("Saved as a draft")
        self.model: RecordsModel[DistributionShare] = RecordsModel(distribution_share_columns(""))
        self.table = preview_table("distributionSharesTable", self.model)
        self.summary = QLabel()
        self.summary.setObjectName("distributionSummary")
        self.summary.setWordWrap(True)
        self.explanation = muted_label("distributionExplanation")
        self.issue_button = QPushButton("Issue the distribution to its LPs")
        self.issue_button.setObjectName("wizardIssueDistributionButton")
        self.reason = muted_label("issueDistributionReason")
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.explanation)
        layout.addWidget(self.issue_button)
        layout.addWidget(self.reason)
        self.issue_button.clicked.connect(wizard.issue)

    def initializePage(self) -> None:
        self.show_result()
        why = self.wiz.session.viewer.why_not(Action.ISSUE_FINANCIAL, "issue distributions")
        self.issue_button.setEnabled(why is None and self.wiz.drafted is not None)
        self.reason.setText(why or "Issuing notifies the LPs and counts toward what they got.")

    def show_result(self) -> None:
        d = self.wiz.drafted
        if d is None:
            self.summary.setText("The distribution is saved; it will show once it is applied.")
            return
        self.model.columns = distribution_share_columns(d.currency)
        self.model.set_records(d.shares)
        lps = sum((s.amount for s in d.shares), Decimal(0))
        mark = "✓ sums exactly" if d.total == d.amount else "✗ does not sum"
        carry = (
            f" + GP carry {format_money(d.gp_carry, d.currency)}" if d.basis == "waterfall" else ""
        )
        terms = f" under terms version {d.terms_version}" if d.terms_version else ""
        self.summary.setText(
            f"<b>{d.status.capitalize()}{terms}: {len(d.shares)} LPs "
            f"{format_money(lps, d.currency)}{carry}</b> = {format_money(d.amount, d.currency)} "
            f"{mark}"
        )
        # The first lines state the terms and each tier's total; the rest go LP by LP.
        more = len(d.explanation) - 2
        self.explanation.setText(
            "\n".join(d.explanation[:2]) + (f"\n… {more} more lines, LP by LP" if more > 0 else "")
        )
        self.explanation.setToolTip("\n".join(d.explanation))
        self.explanation.setVisible(bool(d.explanation))


class DistributionWizard(QWizard):
    def __init__(self, session: DesktopSession, parent: QWidget) -> None:
        super().__init__(parent)
        self.session = session
        self.setObjectName("distributionWizard")
        self.setWindowTitle("New distribution")
        self.setMinimumSize(760, 560)
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.terms = DistributionTermsPage(session)
        self.preview_page = _PreviewPage(self)
        self.done_page = _DonePage(self)
        for page in (self.terms, self.preview_page, self.done_page):
            self.addPage(page)
        self.distribution: OpResult | None = None
        self.drafted: DraftedDistribution | None = None
        self.issued: OpResult | None = None
        self.confirmation: Confirmation | None = None
        session.bridge.operation_did_execute.connect(self.on_changes)

    def fill_example(self) -> None:
        """Sensible values for the screenshot and a first look."""
        self.terms.amount.setText("2500000.00")
        self.terms.note.setText("Q3 operating income")

    def compute_preview(self) -> DistributionPreview:
        return preview_distribution(
            self.session.ws,
            fund_id=self.terms.fund_id(),
            amount=self.terms.amount.text().strip().replace(",", ""),
            basis=str(self.terms.basis.currentData()),
            distribution_date=self.terms.date.date().toPython(),
        )

    def save_draft(self) -> None:
        preview = self.preview_page.preview
        amount = preview.amount if preview and preview.amount is not None else Decimal(0)
        deal_id = self.terms.deal.currentData()
        draft_distribution(
            parent=self,
            session=self.session,
            fund_id=self.terms.fund_id(),
            amount=Money(amount, self.terms.currency()),
            basis=str(self.terms.basis.currentData()),
            distribution_date=self.terms.date.date().toPython(),
            source=str(self.terms.source.currentData()),
            deal_id=str(deal_id) if deal_id else None,
            note=self.terms.note.text().strip(),
            recallable=self.terms.recallable.isChecked(),
            offset_unpaid_calls=self.terms.offset.isChecked(),
        ).success(self._saved).failure(self.preview_page.draft_failed).run_in_background()

    def _saved(self, result: OpResult) -> None:
        self.distribution = result
        self.drafted = drafted_distribution(self.session.ws, result.entity_id)
        self.preview_page.draft_saved(result)

    def issue(self) -> Confirmation | None:
        """Ask first, in one sentence, then issue the distribution just drafted."""
        drafted = self.distribution
        if drafted is None:
            return None
        line = next(
            (
                d
                for d in list_distributions(self.session.ws)
                if d.distribution_id == drafted.entity_id
            ),
            None,
        )
        what = (
            distribution_summary(self.session.ws, line)
            if line is not None
            else "the distribution just drafted"
        )
        self.confirmation = confirm(
            self,
            title="Issue the distribution",
            text=f"Issue {what}?",
            detail="Each LP's notice states its amount; an issued distribution stands.",
            action="Issue distribution",
            on_confirm=lambda: self._issue(drafted),
        )
        return self.confirmation

    def _issue(self, drafted: OpResult) -> None:
        self.done_page.issue_button.setEnabled(False)
        issue_distribution(
            parent=self,
            session=self.session,
            distribution_id=drafted.entity_id,
            base_version=drafted.version,
        ).success(self._issued).failure(self._issue_failed).run_in_background()

    def _issued(self, result: OpResult) -> None:
        self.issued = result
        if self.distribution is not None:
            self.drafted = drafted_distribution(self.session.ws, self.distribution.entity_id)
        self.done_page.show_result()
        self.done_page.reason.setText("Issued. It now counts in each LP's capital account.")
        self.done_page.setTitle("Issued")

    def _issue_failed(self, exc: BaseException) -> None:
        self.done_page.issue_button.setEnabled(True)
        show_error(self, exc)

    def on_changes(self, changes: OpChanges) -> None:
        if changes.touches(Area.FUNDS, Area.TERMS, Area.NAV) and self.currentPage() is self.terms:
            self.terms.refresh()
