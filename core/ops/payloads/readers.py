"""What an LP is shown of organization-level ops, where that is not a payload of the kind:
the organization's name without its founder, and a NAV mark as the LP's own share.

Published as ``<Kind>RedactedPayload`` (core.redaction says when each is sent).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from core.ops.fields import AmountStr, CurrencyCode, IsoDate, LongText, ShortText, Uuid
from core.ops.payloads.base import Payload

__all__ = [
    "CommitmentTransferRedactedPayload",
    "FundNavRecordRedactedPayload",
    "OrgCreateRedactedPayload",
]


class OrgCreateRedactedPayload(Payload):
    """``org.create`` as an LP pulls it: whose fund it is and the base currency; never the
    founder's email or device key."""

    name: ShortText
    base_currency: CurrencyCode


class FundNavRecordRedactedPayload(Payload):
    """``fund.nav.record`` as an LP pulls it: the mark's date and, in place of the fund's
    NAV (every partner's account together), the LP's own share of it — split pro rata to
    paid-in as of the mark (:mod:`core.positions`) — by LP id, for each LP it is entitled
    to that held a commitment on that date (none: an empty map)."""

    valuation_id: Uuid
    as_of: IsoDate
    currency: CurrencyCode
    note: LongText = ""
    nav_shares: Annotated[dict[Uuid, AmountStr], Field(max_length=10_000)]


OwnAmounts = Annotated[dict[Uuid, AmountStr], Field(max_length=10_000)]


class CommitmentTransferRedactedPayload(Payload):
    """``commitment.transfer`` as an LP pulls it: the fund, the day and the amount its own
    commitment gave or received, by LP id — never the other side's LP."""

    fund_id: Uuid
    currency: CurrencyCode
    effective_date: IsoDate
    given: OwnAmounts = Field(default_factory=dict)
    received: OwnAmounts = Field(default_factory=dict)
