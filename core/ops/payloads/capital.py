"""Payloads of capital call, payment and distribution operations."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from core.ops.fields import AmountStr, CurrencyCode, IsoDate, LongText, Uuid
from core.ops.payloads.base import Payload

__all__ = [
    "CapitalCallApprovePayload",
    "CapitalCallCreatePayload",
    "CapitalCallCreateRedactedPayload",
    "CapitalCallDeletePayload",
    "CapitalCallIssuePayload",
    "CapitalCallIssueRedactedPayload",
    "CapitalCallPaymentPayload",
    "CapitalCallRevisePayload",
    "CapitalCallReviseRedactedPayload",
    "DistributionApprovePayload",
    "DistributionCreatePayload",
    "DistributionCreateRedactedPayload",
    "DistributionDeletePayload",
    "DistributionIssuePayload",
    "DistributionIssueRedactedPayload",
    "DistributionRevisePayload",
    "DistributionReviseRedactedPayload",
    "OwnDistributionShare",
    "SplitRule",
]

LpIds = Annotated[list[Uuid], Field(max_length=10_000)]

# Which positions a split reads (core.positions). "as_of_date": as they stood on the op's
# own date (the call date, the distribution date), DESIGN §5. "running_totals": the ledger's
# totals when the op was applied, whatever their dates, with draft calls reserving
# commitment: the rule of every op signed before splits were dated. An op without the
# field takes the rule in force when it was signed (core.reducers.capital.split_rule_of),
# so a stored log replays to the cents it was issued with and a client that never heard
# of the field splits by dated positions.
SplitRule = Literal["running_totals", "as_of_date"]


def _distinct(value: list[str]) -> list[str]:
    if len(set(value)) != len(value):
        raise ValueError("each LP may be listed once")
    return value


class CapitalCallCreatePayload(Payload):
    """A draft call; the reducer allocates it across LPs pro rata to ``basis``."""

    fund_id: Uuid
    deal_id: Uuid | None = None
    amount: AmountStr
    currency: CurrencyCode
    basis: Literal["commitment", "unfunded"]
    call_date: IsoDate
    due_date: IsoDate
    purpose: LongText = ""
    excluded_lp_ids: LpIds = Field(default_factory=list)
    # LP id → the exact amount to call from that LP; the rest is pro rata among the others.
    overrides: Annotated[dict[Uuid, AmountStr], Field(max_length=10_000)] = Field(
        default_factory=dict
    )
    split_rule: SplitRule | None = None

    _excluded = field_validator("excluded_lp_ids")(_distinct)


# What an LP is shown of a call or distribution in place of the whole: the allocation of
# each LP it is entitled to, LP id → amount (core.redaction).
OwnAllocations = Annotated[dict[Uuid, AmountStr], Field(min_length=1, max_length=10_000)]


class CapitalCallCreateRedactedPayload(Payload):
    """``capital_call.create`` as an LP pulls it: nothing but the fact, which names the op
    its notices trace the call to. Drafting is the GP's: the terms and the LP's share
    reach it with the issue (:class:`CapitalCallIssueRedactedPayload`), never a draft's."""


class CapitalCallIssueRedactedPayload(Payload):
    """``capital_call.issue`` as an LP pulls it: the call as issued — its terms and only
    its own allocation. The total, the excluded LPs, the overrides and the GP's note are
    left out: they tell what the other LPs were called."""

    fund_id: Uuid
    deal_id: Uuid | None = None
    currency: CurrencyCode
    basis: Literal["commitment", "unfunded"]
    call_date: IsoDate
    due_date: IsoDate
    purpose: LongText = ""
    allocations: OwnAllocations


class CapitalCallIssuePayload(Payload):
    note: LongText = ""


class CapitalCallApprovePayload(Payload):
    """A second GP's approval of a drafted call, needed above the fund's four-eyes
    threshold."""

    note: LongText = ""


class CapitalCallPaymentPayload(Payload):
    payment_id: Uuid
    lp_id: Uuid
    amount: AmountStr
    currency: CurrencyCode
    paid_on: IsoDate


class DistributionCreatePayload(Payload):
    """A draft distribution, allocated pro rata to ``basis`` across LPs."""

    fund_id: Uuid
    deal_id: Uuid | None = None
    amount: AmountStr
    currency: CurrencyCode
    # paid_in / commitment: pro rata; waterfall: through the fund's current LPA terms.
    basis: Literal["paid_in", "commitment", "waterfall"]
    distribution_date: IsoDate
    source: Literal["income", "exit", "return_of_capital", "other"]
    note: LongText = ""
    excluded_lp_ids: LpIds = Field(default_factory=list)
    split_rule: SplitRule | None = None
    # Whether each LP's amount may be called again (it adds back to unfunded); null, as in
    # every op signed before it was asked, means not recallable.
    recallable: bool | None = None
    # The GP's choice to set each LP's net amount off against what it still owes on issued
    # calls as of the distribution date; null or false: paid in full.
    offset_unpaid_calls: bool | None = None

    _excluded = field_validator("excluded_lp_ids")(_distinct)


class DistributionCreateRedactedPayload(Payload):
    """``distribution.create`` as an LP pulls it: nothing but the fact; the terms and its
    own share come with the issue (:class:`DistributionIssueRedactedPayload`)."""


WaterfallTier = Literal["return_of_capital", "preferred_return", "catch_up", "carried_interest"]


class OwnDistributionShare(Payload):
    """One LP's allocation of a distribution as it was fixed when drafted: the gross
    amount, what the GP took from its portion as catch-up and carry (waterfall only), its
    classes, what is withheld and set off against its unpaid calls (null on a distribution
    drafted before these were kept), and its amount tier by tier (waterfall only)."""

    amount: AmountStr
    carry: AmountStr | None = None
    return_of_capital: AmountStr | None = None
    gain: AmountStr | None = None
    income: AmountStr | None = None
    withheld: AmountStr | None = None
    call_offset: AmountStr | None = None
    tiers: Annotated[dict[WaterfallTier, AmountStr], Field(max_length=8)] = Field(
        default_factory=dict
    )


class DistributionIssueRedactedPayload(Payload):
    """``distribution.issue`` as an LP pulls it: the distribution as issued — its terms and
    only its own share, and of the waterfall's explanation only the lines about it. The
    total, the GP's carry, the other LPs, the note and the lines stating totals are left
    out."""

    fund_id: Uuid
    deal_id: Uuid | None = None
    currency: CurrencyCode
    basis: Literal["paid_in", "commitment", "waterfall"]
    distribution_date: IsoDate
    source: Literal["income", "exit", "return_of_capital", "other"]
    recallable: bool | None = None
    offsets_unpaid_calls: bool | None = None
    # The version of the fund's LPA terms a waterfall distribution ran under.
    terms_version: Annotated[int, Field(ge=1)] | None = None
    allocations: Annotated[dict[Uuid, OwnDistributionShare], Field(min_length=1, max_length=10_000)]
    explanation: Annotated[list[LongText], Field(max_length=10_000)] = Field(default_factory=list)


class DistributionApprovePayload(Payload):
    """A second GP's approval of a drafted distribution (four-eyes)."""

    note: LongText = ""


class DistributionIssuePayload(Payload):
    note: LongText = ""


class CapitalCallRevisePayload(Payload):
    """New terms for a drafted call, re-allocated as a new draft would be; the fund stays.
    Any approval of the old terms is withdrawn: a second GP approves what is issued."""

    deal_id: Uuid | None = None
    amount: AmountStr
    currency: CurrencyCode
    basis: Literal["commitment", "unfunded"]
    call_date: IsoDate
    due_date: IsoDate
    purpose: LongText = ""
    excluded_lp_ids: LpIds = Field(default_factory=list)
    overrides: Annotated[dict[Uuid, AmountStr], Field(max_length=10_000)] = Field(
        default_factory=dict
    )
    split_rule: SplitRule | None = None

    _excluded = field_validator("excluded_lp_ids")(_distinct)


class CapitalCallReviseRedactedPayload(Payload):
    """``capital_call.revise`` as an LP pulled it from servers before drafts were the GP's
    alone; no longer sent (core.redaction), kept so such a feed still parses."""

    deal_id: Uuid | None = None
    currency: CurrencyCode
    basis: Literal["commitment", "unfunded"]
    call_date: IsoDate
    due_date: IsoDate
    purpose: LongText = ""
    allocations: OwnAllocations


class CapitalCallDeletePayload(Payload):
    """A drafted call withdrawn before it was issued; its allocations go with it."""

    reason: LongText = ""


class DistributionRevisePayload(Payload):
    """New terms for a drafted distribution, re-allocated as a new draft would be; the fund
    stays and any approval of the old terms is withdrawn."""

    deal_id: Uuid | None = None
    amount: AmountStr
    currency: CurrencyCode
    basis: Literal["paid_in", "commitment", "waterfall"]
    distribution_date: IsoDate
    source: Literal["income", "exit", "return_of_capital", "other"]
    note: LongText = ""
    excluded_lp_ids: LpIds = Field(default_factory=list)
    split_rule: SplitRule | None = None
    recallable: bool | None = None
    offset_unpaid_calls: bool | None = None

    _excluded = field_validator("excluded_lp_ids")(_distinct)


class DistributionReviseRedactedPayload(Payload):
    """``distribution.revise`` as an LP pulled it from servers before drafts were the GP's
    alone; no longer sent (core.redaction), kept so such a feed still parses."""

    deal_id: Uuid | None = None
    currency: CurrencyCode
    basis: Literal["paid_in", "commitment", "waterfall"]
    distribution_date: IsoDate
    source: Literal["income", "exit", "return_of_capital", "other"]
    allocations: OwnAllocations


class DistributionDeletePayload(Payload):
    """A drafted distribution withdrawn before it was issued."""

    reason: LongText = ""
