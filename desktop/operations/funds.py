"""Fund set-up ops: create a fund, rename it or set the wire instructions its notices
print, record a version of its LPA terms, set its four-eyes threshold, record a NAV. Each
submits the command of its kind; the kind comes from the command's class."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from PySide6.QtWidgets import QWidget

from core.commands import OpResult
from core.ids import new_id
from core.money import Money
from core.ops.payloads.deals import FundCreatePayload
from core.ops.payloads.funds import (
    FundClosePayload,
    FundFourEyesSetPayload,
    FundNavRecordPayload,
    FundTermsSetPayload,
    FundUpdatePayload,
    PaymentInstructions,
)
from desktop.background import BackgroundOp
from desktop.operations.submission import submit_in_background
from desktop.session import DesktopSession

__all__ = [
    "BankDetails",
    "LpaTerms",
    "create_fund",
    "record_nav",
    "set_four_eyes",
    "set_terms",
    "update_fund",
]


@dataclass(frozen=True, slots=True)
class BankDetails:
    """The account LPs pay calls into, as typed; the command checks each field's form."""

    bank_name: str
    account_name: str
    account_number: str
    routing: str | None = None
    swift: str | None = None
    reference: str | None = None


@dataclass(frozen=True, slots=True)
class LpaTerms:
    """A version of the fund's distribution terms; rates are fractions (``"0.08"``)."""

    style: str
    preferred_return: str
    compounding: str
    carried_interest: str
    catch_up: str | None
    apportionment: str
    gp_name: str
    gp_commitment_lp_id: str | None = None
    withholding_rate: str | None = None
    clawback_tax_rate: str | None = None
    label: str = ""
    # The day the version takes effect; None: from the fund's start.
    effective_date: dt.date | None = None


def create_fund(
    *,
    parent: QWidget,
    session: DesktopSession,
    name: str,
    currency: str,
    vintage_year: int | None,
) -> BackgroundOp[OpResult]:
    return submit_in_background(
        parent=parent,
        session=session,
        label=f"Creating {name}…",
        command=lambda: FundCreatePayload(name=name, currency=currency, vintage_year=vintage_year),
    )


def update_fund(
    *,
    parent: QWidget,
    session: DesktopSession,
    fund_id: str,
    base_version: int,
    name: str | None = None,
    bank: BankDetails | None = None,
) -> BackgroundOp[OpResult]:
    def command() -> FundUpdatePayload:
        instructions = (
            None
            if bank is None
            else PaymentInstructions(
                bank_name=bank.bank_name,
                account_name=bank.account_name,
                account_number=bank.account_number,
                routing=bank.routing,
                swift=bank.swift,
                reference=bank.reference,
            )
        )
        return FundUpdatePayload(name=name, payment_instructions=instructions)

    return submit_in_background(
        parent=parent,
        session=session,
        label="Saving the fund…",
        command=command,
        entity_id=fund_id,
        base_version=base_version,
    )


def set_terms(
    *,
    parent: QWidget,
    session: DesktopSession,
    fund_id: str,
    base_version: int,
    terms: LpaTerms,
) -> BackgroundOp[OpResult]:
    return submit_in_background(
        parent=parent,
        session=session,
        label="Recording the LPA terms…",
        command=lambda: FundTermsSetPayload(
            style=terms.style,
            preferred_return=terms.preferred_return,
            compounding=terms.compounding,
            carried_interest=terms.carried_interest,
            catch_up=terms.catch_up,
            apportionment=terms.apportionment,
            gp_name=terms.gp_name,
            gp_commitment_lp_id=terms.gp_commitment_lp_id,
            withholding_rate=terms.withholding_rate,
            clawback_tax_rate=terms.clawback_tax_rate,
            label=terms.label,
            effective_date=terms.effective_date,
        ),
        entity_id=fund_id,
        base_version=base_version,
    )


def set_four_eyes(
    *,
    parent: QWidget,
    session: DesktopSession,
    fund_id: str,
    base_version: int,
    threshold: Money | None,
    currency: str,
) -> BackgroundOp[OpResult]:
    return submit_in_background(
        parent=parent,
        session=session,
        label="Setting the four-eyes threshold…",
        command=lambda: FundFourEyesSetPayload(threshold=threshold, currency=currency),
        entity_id=fund_id,
        base_version=base_version,
    )


def record_nav(
    *,
    parent: QWidget,
    session: DesktopSession,
    fund_id: str,
    base_version: int,
    as_of: dt.date,
    nav: Money,
    note: str = "",
) -> BackgroundOp[OpResult]:
    return submit_in_background(
        parent=parent,
        session=session,
        label="Recording the NAV…",
        command=lambda: FundNavRecordPayload(
            valuation_id=new_id(), as_of=as_of, nav=nav, currency=nav.currency, note=note
        ),
        entity_id=fund_id,
        base_version=base_version,
    )


def close_fund(
    *,
    parent: QWidget,
    session: DesktopSession,
    fund_id: str,
    base_version: int,
    on: dt.date,
    note: str = "",
) -> BackgroundOp[OpResult]:
    return submit_in_background(
        parent=parent,
        session=session,
        label="Holding the final close…",
        command=lambda: FundClosePayload(final_close_date=on, note=note),
        entity_id=fund_id,
        base_version=base_version,
    )
