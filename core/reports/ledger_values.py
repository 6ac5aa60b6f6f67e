"""An LP's position in one fund, as the documents it receives state it: frozen values.

Every entry carries the id of the op it derives from (``op_id``), so each line of a notice
or statement can be traced back to a signed operation in the log. The figures a document
states — commitment, called, paid-in, called not paid, distributed, unfunded — are the
LP's :class:`core.positions.Position` as of the document's date, computed by
:func:`core.positions.tally` from these entries: the one definition every screen, report
and split uses. Only *issued* calls and distributions count; a draft is the GP's working
copy and no LP document states it as fact.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from core.distribution_classes import Classes, PastShare, classes_in_order
from core.positions import Entry, Position, tally

__all__ = [
    "CallEntry",
    "CommitmentEntry",
    "Contact",
    "DistributionEntry",
    "FundHeader",
    "FundLedger",
    "Investor",
    "LpLedger",
    "NavShare",
    "PaymentEntry",
    "TierAmount",
]

_ZERO = Decimal(0)
_SOURCE_TITLES = {"exit": "exit proceeds"}
# The carried-interest tier of an LP's allocation is the LP's side of the split (80 of 80/20).
_TIER_PHRASES = {
    "return_of_capital": "return of capital",
    "preferred_return": "preferred return",
    "catch_up": "GP catch-up",
    "carried_interest": "carried interest split, LP share",
}


@dataclass(frozen=True, slots=True)
class FundHeader:
    fund_id: str
    name: str
    currency: str
    vintage_year: int | None
    gp_name: str
    total_commitments: Decimal


@dataclass(frozen=True, slots=True)
class Contact:
    name: str
    email: str
    phone: str | None
    title: str | None


@dataclass(frozen=True, slots=True)
class Investor:
    lp_id: str
    name: str
    lp_type: str
    contact: Contact | None


@dataclass(frozen=True, slots=True)
class CommitmentEntry:
    commitment_id: str
    amount: Decimal
    committed_on: dt.date
    op_id: str


@dataclass(frozen=True, slots=True)
class CallEntry:
    """This LP's share of one capital call. ``number`` counts the fund's issued calls."""

    call_id: str
    number: int | None
    call_date: dt.date
    due_date: dt.date
    purpose: str
    status: str
    deal_name: str | None
    fund_amount: Decimal
    amount: Decimal
    paid: Decimal  # every payment against it: the call's CallShare in the LP's position
    op_id: str
    issue_op_id: str | None

    @property
    def is_issued(self) -> bool:
        return self.status == "issued"

    @property
    def outstanding(self) -> Decimal:
        """Called not paid on this call (:attr:`core.positions.CallShare.outstanding`)."""
        return self.amount - self.paid

    @property
    def title(self) -> str:
        return f"Capital Call No. {self.number}" if self.number else "Capital Call (draft)"


@dataclass(frozen=True, slots=True)
class PaymentEntry:
    payment_id: str
    call_id: str
    amount: Decimal
    paid_on: dt.date
    op_id: str


@dataclass(frozen=True, slots=True)
class TierAmount:
    """One waterfall tier's part of an LP's distribution (``return_of_capital`` …)."""

    tier: str
    amount: Decimal

    @property
    def phrase(self) -> str:
        """How the tier reads in a sentence: ``preferred return``, ``GP catch-up`` …"""
        return _TIER_PHRASES.get(self.tier, self.tier.replace("_", " "))

    @property
    def title(self) -> str:
        return self.phrase[:1].upper() + self.phrase[1:]


@dataclass(frozen=True, slots=True)
class DistributionEntry:
    """This LP's share of one distribution, net of ``carry``: what the GP took out of the
    LP's portion as catch-up and carried interest (zero outside a waterfall). ``tiers`` and
    ``explanation`` are empty unless the distribution ran through the fund's waterfall.

    ``amount`` is gross. ``classes`` is its split into return of capital, gain and income
    as fixed when drafted (None for a distribution drafted before they were kept);
    ``withheld`` and ``call_offset`` come off it before payment
    (:mod:`core.distribution_classes`)."""

    distribution_id: str
    number: int | None
    distribution_date: dt.date
    source: str
    note: str
    status: str
    deal_name: str | None
    fund_amount: Decimal
    amount: Decimal
    carry: Decimal
    tiers: tuple[TierAmount, ...]
    explanation: tuple[str, ...]
    op_id: str
    issue_op_id: str | None
    recallable: bool = False
    offsets_unpaid_calls: bool = False
    classes: Classes | None = None
    withheld: Decimal = _ZERO
    call_offset: Decimal = _ZERO

    @property
    def is_issued(self) -> bool:
        return self.status == "issued"

    @property
    def net(self) -> Decimal:
        """Gross less withheld: what is the LP's after the GP remits its withholding."""
        return self.amount - self.withheld

    @property
    def paid(self) -> Decimal:
        """What reaches the LP's bank: net less what is set off against unpaid calls."""
        return self.net - self.call_offset

    @property
    def source_title(self) -> str:
        """``income``, ``exit proceeds``, ``return of capital``, ``other``."""
        return _SOURCE_TITLES.get(self.source, self.source.replace("_", " "))


@dataclass(frozen=True, slots=True)
class NavShare:
    """The LP's share of the fund's latest recorded NAV on or before a date."""

    as_of: dt.date
    amount: Decimal
    op_id: str


@dataclass(frozen=True, slots=True)
class LpLedger:
    """One LP in one fund: commitment, calls, payments and distributions, each traceable."""

    fund: FundHeader
    investor: Investor
    commitments: tuple[CommitmentEntry, ...]
    calls: tuple[CallEntry, ...]
    payments: tuple[PaymentEntry, ...]
    distributions: tuple[DistributionEntry, ...]
    # The LP's place among the fund's investors, by first commitment (date, then id): the
    # investor number of its payment references. ``None`` when the ledger was not read
    # with the fund's other commitments.
    lp_number: int | None = None

    @property
    def currency(self) -> str:
        return self.fund.currency

    def position(
        self, through: dt.date | None = None, *, calls: Iterable[CallEntry] | None = None
    ) -> Position:
        """The LP's position as of ``through`` (every entry when None). ``calls`` narrows the
        calls that count, for a notice's "before this call" figures."""
        return tally(
            self.investor.lp_id,
            through,
            commitments=(Entry(c.committed_on, c.amount) for c in self.commitments),
            calls=(
                Entry(c.call_date, c.amount, c.is_issued, c.call_id, c.due_date)
                for c in (self.calls if calls is None else calls)
            ),
            payments=(Entry(p.paid_on, p.amount, True, p.call_id) for p in self.payments),
            distributions=(
                Entry(d.distribution_date, d.amount, d.is_issued, recallable=d.recallable)
                for d in self.distributions
            ),
        )

    def commitment(self, through: dt.date | None = None) -> Decimal:
        return self.position(through).commitment

    def share(self) -> Decimal:
        """The LP's fraction of the fund's commitments (0.0125 for 1.25 %)."""
        if self.fund.total_commitments == 0:
            return _ZERO
        return self.commitment() / self.fund.total_commitments

    def issued_calls(self, through: dt.date | None = None) -> tuple[CallEntry, ...]:
        return tuple(c for c in self.calls if c.is_issued and _upto(c.call_date, through))

    def issued_distributions(
        self, start: dt.date | None = None, through: dt.date | None = None
    ) -> tuple[DistributionEntry, ...]:
        return tuple(
            d
            for d in self.distributions
            if d.is_issued and _within(d.distribution_date, start, through)
        )

    def unpaid_on(self, call: CallEntry, through: dt.date | None = None) -> Decimal:
        """What is still unpaid on the issued ``call`` at the end of ``through`` (payments
        by then): its called not paid in the LP's position."""
        share = self.position(through).call(call.call_id)
        # A call the position does not count yet (a draft, or dated later) is owed whole.
        return call.amount if share is None else share.outstanding

    def payments_between(
        self, start: dt.date | None = None, through: dt.date | None = None
    ) -> tuple[PaymentEntry, ...]:
        return tuple(p for p in self.payments if _within(p.paid_on, start, through))

    def called(self, through: dt.date | None = None) -> Decimal:
        return self.position(through).called

    def paid_in(self, through: dt.date | None = None) -> Decimal:
        return self.position(through).paid_in

    def called_not_paid(self, through: dt.date | None = None) -> Decimal:
        return self.position(through).called_not_paid

    def distributed(self, through: dt.date | None = None) -> Decimal:
        return self.position(through).distributed

    def unfunded(self, through: dt.date | None = None) -> Decimal:
        """Commitment less capital called by issued calls (DESIGN §9), as of ``through``."""
        return self.position(through).unfunded

    def cost_basis(self, through: dt.date | None = None) -> Decimal:
        """Contributions less distributions: the capital account until a NAV is recorded."""
        return self.paid_in(through) - self.distributed(through)

    def call(self, call_id: str) -> CallEntry | None:
        return next((c for c in self.calls if c.call_id == call_id), None)

    def distribution(self, distribution_id: str) -> DistributionEntry | None:
        return next((d for d in self.distributions if d.distribution_id == distribution_id), None)

    def classes_of(self, entry: DistributionEntry) -> tuple[Classes, bool]:
        """``entry``'s amount by class, and whether it was derived: as stored when drafted,
        or — for a distribution drafted before classes were kept — by the same rule
        (:func:`core.distribution_classes.classes_in_order`) over the issued distributions
        before it and the LP's paid-in on each one's date."""
        if entry.classes is not None:
            return entry.classes, False
        index = self.distributions.index(entry)
        shares = [
            PastShare(
                d.distribution_date,
                d.amount,
                d.source,
                tuple((t.tier, t.amount) for t in d.tiers),
                d.classes,
            )
            for d in (*(d for d in self.distributions[:index] if d.is_issued), entry)
        ]
        derived = classes_in_order(shares, lambda day: self.position(day).paid_in, self.currency)
        return derived[-1], True


@dataclass(frozen=True, slots=True)
class FundLedger:
    """Every LP of one fund (or the one asked for), by LP name."""

    fund: FundHeader
    ledgers: tuple[LpLedger, ...]

    def of(self, lp_id: str) -> LpLedger | None:
        return next((lp for lp in self.ledgers if lp.investor.lp_id == lp_id), None)


def _upto(day: dt.date, through: dt.date | None) -> bool:
    return through is None or day <= through


def _within(day: dt.date, start: dt.date | None, through: dt.date | None) -> bool:
    return (start is None or day >= start) and _upto(day, through)
