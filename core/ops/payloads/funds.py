"""Payloads of fund-level operations: LPA terms, NAV marks, and fund settings."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from core.ops.fields import AmountStr, CurrencyCode, IsoDate, LongText, ShortText, Uuid
from core.ops.payloads.base import Payload

__all__ = [
    "FundClosePayload",
    "FundFourEyesSetPayload",
    "FundNavRecordPayload",
    "FundTermsSetPayload",
    "FundUpdatePayload",
    "PaymentInstructions",
]

Rate = Annotated[str, Field(pattern=r"^(0(\.[0-9]{1,6})?|1(\.0{1,6})?)$")]


class FundTermsSetPayload(Payload):
    """A new version of the fund's distribution terms (an LPA or its amendment).

    Rates are decimal fractions as strings: ``"0.08"`` for an 8 % preferred return,
    ``"0.20"`` for 80/20 carried interest, ``"1"`` for a full catch-up, null or ``"0"`` for
    none (a hard hurdle; the reducer stores a zero catch-up as null). ``withholding_rate``
    applies to every distribution drafted under these terms, pro rata or waterfall.
    """

    style: Literal["european", "american"]
    preferred_return: Rate
    compounding: Literal["simple", "compound"]
    carried_interest: Rate
    catch_up: Rate | None = None
    apportionment: Literal["contributions", "commitments"] = "contributions"
    gp_name: ShortText
    gp_commitment_lp_id: Uuid | None = None
    gp_commitment_bears_carry: bool = True
    label: LongText = ""
    # The share of each LP's gross distribution the GP withholds (``"0.15"``); null: none.
    withholding_rate: Rate | None = None
    # An American waterfall's clawback is net of taxes at this hypothetical rate, as the
    # LPA states it (``"0.40"``); null: the clawback is gross of taxes.
    clawback_tax_rate: Rate | None = None
    # The day these terms take effect: a distribution dated on or after it is split under
    # them, one dated before it under the version in force then. Null: in force from the
    # fund's start (every version recorded before terms carried a date).
    effective_date: IsoDate | None = None


class FundClosePayload(Payload):
    """The fund's final close: no new LP commits after this day (a transfer from an
    existing LP is how an interest changes hands afterwards)."""

    final_close_date: IsoDate
    note: LongText = ""


class FundNavRecordPayload(Payload):
    """The fund's net asset value as of a date (a quarter-end mark)."""

    valuation_id: Uuid
    as_of: IsoDate
    nav: AmountStr
    currency: CurrencyCode
    note: LongText = ""


class FundFourEyesSetPayload(Payload):
    """The fund's four-eyes control: issuing a capital call or a distribution of more than
    ``threshold`` needs a second GP's recorded approval (not the drafter's). ``"0"``: every
    one does; null: none does."""

    threshold: AmountStr | None
    currency: CurrencyCode


class PaymentInstructions(Payload):
    bank_name: ShortText
    account_name: ShortText
    account_number: Annotated[str, Field(pattern=r"^[A-Z0-9 -]{4,40}$")]
    routing: Annotated[str, Field(pattern=r"^[A-Z0-9 -]{4,20}$")] | None = None
    swift: Annotated[str, Field(pattern=r"^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$")] | None = None
    reference: ShortText | None = None


class FundUpdatePayload(Payload):
    """Descriptive fund settings; merged per field."""

    name: ShortText | None = None
    payment_instructions: PaymentInstructions | None = None

    @model_validator(mode="after")
    def _something(self) -> FundUpdatePayload:
        if self.name is None and self.payment_instructions is None:
            raise ValueError("an update changes the name or the payment instructions")
        return self
