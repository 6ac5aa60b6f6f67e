"""The investment line of a call or distribution, traced to its source.

A call or distribution that names a deal states it on every LP's notice ("Investment:
Harbor Point"). "Investment's source…" opens that deal's terms where they were read: the
document page with the quote highlighted, and the chain from the document through the
signed confirmation to this call and the others that used it
(:class:`desktop.documents.provenance_dialog.ProvenanceDialog`).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QPushButton, QWidget

from desktop.documents.provenance_dialog import ProvenanceDialog
from desktop.session import DesktopSession

__all__ = ["InvestmentSourceButton"]


class InvestmentSourceButton(QPushButton):
    def __init__(
        self,
        session: DesktopSession,
        deal_of: Callable[[], str | None],
        name: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Investment's source…", parent)
        self.setObjectName(name)
        self.session = session
        self.deal_of = deal_of
        self.dialog: ProvenanceDialog | None = None
        self.clicked.connect(self.show_source)
        self.setEnabled(False)  # until the page's selection names a deal (refresh)

    def refresh(self) -> None:
        has_deal = self.deal_of() is not None
        self.setEnabled(has_deal)
        self.setToolTip(
            "Where the investment's terms on the notice were read: the document page, and "
            "the chain to this call"
            if has_deal
            else "This one names no deal"
        )

    def show_source(self) -> ProvenanceDialog | None:
        deal_id = self.deal_of()
        if deal_id is None:
            return None
        self.dialog = ProvenanceDialog(self.session, deal_id, None, self.window())
        self.dialog.load()
        self.dialog.open()
        return self.dialog
