"""What an LP's distribution is, and what reaches its bank: the one statement of the rules.

**Classification** — each LP's amount is return of capital, gain or income:

* *Waterfall basis*: the tiers say it. The return-of-capital tier is return of capital;
  the preferred return, GP catch-up and carried-interest tiers are gain, or income when
  the distribution's source is income.
* *Pro rata (paid-in or commitment basis)*: a distribution whose source is income is
  income. Any other is return of capital up to the LP's **unreturned paid-in** as of the
  distribution date — paid-in less the return of capital of the issued distributions dated
  on or before it — and gain beyond that.

The parts are rounded by largest remainder (ties to the class named first), so they add
up to the LP's amount to the cent.

**Gross, withheld, net** — the LP's allocation is the *gross* amount: what the split gave
it, what positions count as distributed and what DPI reads. When the fund's LPA terms set
a withholding rate, the GP withholds gross × rate, rounded half up to the currency's
minor unit, and remits it for the LP; **net** is gross less withheld.

**Offset of unpaid calls** — only when the GP chooses it on the distribution: what the LP
still owes on issued calls as of the distribution date (called not paid,
:mod:`core.positions`), never more than the net amount. The LP is paid net less offset.

**Recallable** — when the distribution says so, the LP's gross amount may be called again:
positions add it back to unfunded from the distribution date (DESIGN §9).

The reducer computes all of this once, when the distribution is drafted, and stores it
with each LP's allocation, so a notice is reproducible to the cent on every replica. A
distribution drafted before these figures were stored has none: its notice derives the
classification with the same rule, and says it did.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from core.allocation import allocate_pro_rata
from core.money import minor_unit

__all__ = [
    "CLASS_TITLES",
    "Classes",
    "PastShare",
    "classes_in_order",
    "classify",
    "offset_of",
    "offset_payment_id",
    "stored_classes",
    "withheld_of",
]

_ZERO = Decimal(0)
# Payments a set-off records when its distribution is issued are named from the
# distribution, the call and the LP, so every replica gives them the same ids.
_OFFSET_PAYMENTS = uuid.UUID("5b0c3f4e-6f1d-4f57-9a63-0d3a7c1e2b90")


def offset_payment_id(distribution_id: str, call_id: str, lp_id: str) -> str:
    """The id of the payment an LP's set-off records against one call."""
    return str(uuid.uuid5(_OFFSET_PAYMENTS, f"{distribution_id}:{call_id}:{lp_id}"))


CLASS_TITLES = {
    "return_of_capital": "Return of capital",
    "gain": "Gain",
    "income": "Income",
}


@dataclass(frozen=True, slots=True)
class Classes:
    """One LP's amount of one distribution, by class; the parts sum to the amount."""

    return_of_capital: Decimal
    gain: Decimal
    income: Decimal

    @property
    def total(self) -> Decimal:
        return self.return_of_capital + self.gain + self.income

    def parts(self) -> tuple[tuple[str, Decimal], ...]:
        """(class, amount) in the order a notice lists them."""
        return (
            ("return_of_capital", self.return_of_capital),
            ("gain", self.gain),
            ("income", self.income),
        )


def classify(
    amount: Decimal,
    *,
    currency: str,
    source: str,
    tiers: Iterable[tuple[str, Decimal]] = (),
    unreturned: Decimal = _ZERO,
) -> Classes:
    """``amount`` by class. ``tiers`` (tier name, amount) for a waterfall distribution,
    empty for a pro-rata one, which reads ``unreturned`` (the LP's unreturned paid-in)."""
    exact = dict.fromkeys(CLASS_TITLES, _ZERO)
    tiers = tuple(tiers)
    profit = "income" if source == "income" else "gain"
    if tiers:
        for tier, part in tiers:
            exact["return_of_capital" if tier == "return_of_capital" else profit] += part
    elif source == "income":
        exact["income"] = amount
    else:
        exact["return_of_capital"] = min(amount, max(_ZERO, unreturned))
        exact["gain"] = amount - exact["return_of_capital"]
    if amount == 0 or not any(exact.values()):
        zero = _ZERO.quantize(minor_unit(currency))
        return Classes(zero, zero, zero)
    # Keys named so the tie-break (smallest key) follows the notice's order of classes.
    order = {"a": "return_of_capital", "b": "gain", "c": "income"}
    rounded = allocate_pro_rata(amount, {k: exact[name] for k, name in order.items()}, currency)
    return Classes(rounded["a"], rounded["b"], rounded["c"])


def withheld_of(gross: Decimal, rate: Decimal | None, currency: str) -> Decimal:
    """What the GP withholds from ``gross`` at the LPA's ``rate`` (None: no withholding)."""
    unit = minor_unit(currency)
    if rate is None or rate == 0:
        return _ZERO.quantize(unit)
    return (gross * rate).quantize(unit, rounding=ROUND_HALF_UP)


def offset_of(owed: Decimal, net: Decimal) -> Decimal:
    """What is set off against unpaid calls: what is owed, never more than the net amount."""
    return max(_ZERO, min(owed, net))


@dataclass(frozen=True, slots=True)
class PastShare:
    """One LP's share of one distribution, for reading its history: ``stored`` is the
    classification fixed when it was drafted, None for one drafted before."""

    on: dt.date
    amount: Decimal
    source: str
    tiers: tuple[tuple[str, Decimal], ...] = ()
    stored: Classes | None = None


def classes_in_order(
    shares: Sequence[PastShare], paid_in_on: Callable[[dt.date], Decimal], currency: str
) -> list[Classes]:
    """Each share's classes, in the order given (by date): the stored ones as stored, the
    others derived by :func:`classify` from the LP's paid-in on their date less the
    return of capital of the shares before them."""
    returned = _ZERO
    found = []
    for share in shares:
        classes = share.stored or classify(
            share.amount,
            currency=currency,
            source=share.source,
            tiers=share.tiers,
            unreturned=paid_in_on(share.on) - returned,
        )
        returned += classes.return_of_capital
        found.append(classes)
    return found


def stored_classes(allocation: Mapping[str, Any]) -> Classes | None:
    """The classes a ``distribution_allocations`` row keeps; None when drafted before."""
    if allocation.get("return_of_capital") is None:
        return None
    return Classes(
        Decimal(allocation["return_of_capital"]),
        Decimal(allocation["gain"]),
        Decimal(allocation["income"]),
    )
