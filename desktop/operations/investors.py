"""Investor ops: add an LP with its contacts, change its name or contacts, record a
commitment, and import a previewed spreadsheet all or nothing. Each submits the command of
its kind; the kind comes from the command's class."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtWidgets import QWidget

from core.commands import OpResult
from core.errors import OpRejected
from core.ids import new_id
from core.money import Money
from core.ops.payloads.investors import (
    CommitmentCreatePayload,
    CommitmentTransferPayload,
    Contact,
    LpCreatePayload,
    LpUpdatePayload,
)
from core.views.investor_import import ImportPreview
from desktop.background import BackgroundOp
from desktop.operations.submission import submit_in_background
from desktop.session import DesktopSession

__all__ = ["ContactEntry", "ImportRefused", "add_commitment", "add_lp", "import_lps", "update_lp"]


@dataclass(frozen=True, slots=True)
class ContactEntry:
    """A person notices go to, as typed; one already on the LP keeps its id."""

    name: str
    email: str
    phone: str | None = None
    title: str | None = None
    contact_id: str | None = None


class ImportRefused(OpRejected):
    """The reducers refused a step of an import: nothing was written; the message names
    the row and column of the file."""


def _contacts(entries: Sequence[ContactEntry]) -> list[Contact]:
    return [
        Contact(
            contact_id=e.contact_id or new_id(),
            name=e.name,
            email=e.email,
            phone=e.phone,
            title=e.title,
        )
        for e in entries
    ]


def add_lp(
    *,
    parent: QWidget,
    session: DesktopSession,
    name: str,
    lp_type: str,
    contacts: Sequence[ContactEntry] = (),
) -> BackgroundOp[OpResult]:
    return submit_in_background(
        parent=parent,
        session=session,
        label=f"Adding {name}…",
        command=lambda: LpCreatePayload(name=name, lp_type=lp_type, contacts=_contacts(contacts)),
    )


def update_lp(
    *,
    parent: QWidget,
    session: DesktopSession,
    lp_id: str,
    base_version: int,
    name: str | None = None,
    contacts: Sequence[ContactEntry] | None = None,
) -> BackgroundOp[OpResult]:
    """``contacts`` replace the LP's list, all of them."""
    return submit_in_background(
        parent=parent,
        session=session,
        label="Saving the investor…",
        command=lambda: LpUpdatePayload(
            name=name, contacts=None if contacts is None else _contacts(contacts)
        ),
        entity_id=lp_id,
        base_version=base_version,
    )


def add_commitment(
    *,
    parent: QWidget,
    session: DesktopSession,
    fund_id: str,
    lp_id: str,
    amount: Money,
    committed_on: dt.date,
) -> BackgroundOp[OpResult]:
    return submit_in_background(
        parent=parent,
        session=session,
        label="Recording the commitment…",
        command=lambda: CommitmentCreatePayload(
            fund_id=fund_id,
            lp_id=lp_id,
            amount=amount,
            currency=amount.currency,
            committed_on=committed_on,
        ),
    )


def transfer_commitment(
    *,
    parent: QWidget,
    session: DesktopSession,
    fund_id: str,
    from_lp_id: str,
    to_lp_id: str,
    amount: Money,
    on: dt.date,
    note: str = "",
) -> BackgroundOp[OpResult]:
    return submit_in_background(
        parent=parent,
        session=session,
        label="Transferring the commitment…",
        command=lambda: CommitmentTransferPayload(
            fund_id=fund_id,
            from_lp_id=from_lp_id,
            to_lp_id=to_lp_id,
            amount=amount,
            currency=amount.currency,
            effective_date=on,
            note=note,
        ),
    )


def import_lps(
    *, parent: QWidget, session: DesktopSession, preview: ImportPreview
) -> BackgroundOp[list[OpResult]]:
    """Record every step of the previewed file in one transaction, or none of them."""

    def task() -> list[OpResult]:
        try:
            return session.ws.submit_all(preview.steps)
        except OpRejected as exc:
            step = int(exc.details.get("step", 0))
            said = preview.plan.refusal(exc, step)
            raise ImportRefused(
                exc.code,
                f"{preview.file_name} was not imported, nothing was written: {said}",
            ) from None

    return BackgroundOp(
        parent=parent,
        label=f"Importing {preview.file_name}…",
        bridge=session.bridge,
        task=task,
    )
