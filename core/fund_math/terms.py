"""Fund terms: the economics an LPA writes down, as one frozen, versioned value.

A waterfall is only as right as the terms it ran under, and terms get amended. So terms are
immutable, carry a ``version`` that every waterfall result records, and change only through
:meth:`FundTerms.revise`, which returns the next version instead of editing in place.

Conventions (each stated here because LPAs differ on them):

* the preferred return accrues on contributed, unreturned capital from each contribution's
  date to the distribution date, actual/365;
* *compounded annually* means an effective annual rate — one unit grows to
  ``(1 + rate) ** (days / 365)`` — the same convention as XIRR, so an LP paid exactly its
  capital plus compounded pref has an XIRR of exactly the pref rate;
* *simple* means ``capital * rate * days / 365``, with no pref earned on unpaid pref;
* the catch-up is the GP's share of each dollar in the catch-up tier (``1`` = full 100 %
  catch-up, ``0.5`` = 50 %), paid until the GP holds ``carried_interest`` of all profit
  distributed; ``None`` or ``0`` means no catch-up (a hard hurdle) — a zero catch-up is
  stored as ``None``, so the two read, describe and run identically;
* ``carried_interest`` is the GP's share of the final split (``0.20`` for 80/20).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final

from core.fund_math.cashflows import TermsError
from core.money import MoneyError, minor_unit

__all__ = [
    "Apportionment",
    "FundTerms",
    "PrefCompounding",
    "WaterfallStyle",
    "as_percent",
    "version_in_force",
]


class WaterfallStyle(StrEnum):
    """European: carry only once the whole fund is repaid; American: deal by deal."""

    EUROPEAN = "european"
    AMERICAN = "american"


class PrefCompounding(StrEnum):
    SIMPLE = "simple"
    COMPOUND = "compound"


class Apportionment(StrEnum):
    """How a distribution is first shared among partners before each share runs the tiers.

    ``CONTRIBUTIONS``: in proportion to capital contributed (to the fund, or to the deal for
    an American waterfall) — the usual LPA wording. ``COMMITMENTS``: in proportion to
    commitments ("percentage interests"); only right where no LP is excused from a deal,
    since an excused LP would otherwise share in proceeds of a deal it never funded.
    """

    CONTRIBUTIONS = "contributions"
    COMMITMENTS = "commitments"


def as_percent(rate: Decimal) -> str:
    """``Decimal("0.08")`` as ``"8 %"``, ``Decimal("0.075")`` as ``"7.5 %"``."""
    return f"{(rate * 100).normalize():f} %"


# What an LPA calls each rate, for the refusals a GP reads.
_RATE_WORDS: Final[dict[str, str]] = {
    "preferred_return": "the preferred return",
    "carried_interest": "the carried interest",
    "catch_up": "the catch-up",
}


def _rate(value: object, field: str, *, upper: Decimal, inclusive: bool = True) -> Decimal:
    name = _RATE_WORDS.get(field, field)
    if isinstance(value, float) or not isinstance(value, Decimal) or not value.is_finite():
        raise TermsError(f"{name} must be a finite Decimal such as Decimal('0.08'), got {value!r}")
    too_high = value > upper if inclusive else value >= upper
    if value < 0 or too_high:
        bound = "at most" if inclusive else "below"
        raise TermsError(
            f"{name} must be between 0 and {bound} {as_percent(upper)}, got {as_percent(value)}"
        )
    return value


def _is_zero(value: object) -> bool:
    return isinstance(value, Decimal) and value.is_finite() and value == 0


@dataclass(frozen=True, slots=True)
class FundTerms:
    """The distribution terms of one LPA version. Validated on construction, never mutated."""

    version: int
    currency: str
    style: WaterfallStyle
    preferred_return: Decimal
    compounding: PrefCompounding
    carried_interest: Decimal
    catch_up: Decimal | None
    apportionment: Apportionment = Apportionment.CONTRIBUTIONS
    gp_id: str = "gp"
    gp_name: str = "the GP"
    label: str = ""

    def __post_init__(self) -> None:
        if isinstance(self.version, bool) or not isinstance(self.version, int) or self.version < 1:
            raise TermsError(f"version must be a whole number from 1, got {self.version!r}")
        try:
            minor_unit(self.currency)
        except MoneyError as exc:
            raise TermsError(f"currency: {exc}") from None
        for field, kind in (
            ("style", WaterfallStyle),
            ("compounding", PrefCompounding),
            ("apportionment", Apportionment),
        ):
            raw = getattr(self, field)
            try:
                object.__setattr__(self, field, kind(raw))
            except ValueError:
                allowed = ", ".join(member.value for member in kind)
                raise TermsError(f"{field} must be one of {allowed}, got {raw!r}") from None
        _rate(self.preferred_return, "preferred_return", upper=Decimal(1))
        carry = _rate(self.carried_interest, "carried_interest", upper=Decimal(1), inclusive=False)
        if self.catch_up is not None and _is_zero(self.catch_up):
            # "0 %" is how an LPA table writes "no catch-up": one meaning, one value.
            object.__setattr__(self, "catch_up", None)
        if self.catch_up is not None:
            if carry == 0:
                raise TermsError("a catch-up needs a carried interest share to catch up to")
            catch_up = _rate(self.catch_up, "catch_up", upper=Decimal(1))
            if catch_up <= carry:
                # At or below the carry share the GP would never reach its target share.
                raise TermsError(
                    f"the catch-up ({as_percent(catch_up)}) must exceed the carried interest "
                    f"share ({as_percent(carry)}), or the catch-up never completes"
                )
        if not self.gp_id or not self.gp_name:
            raise TermsError("the GP's name must say who receives carried interest")

    def revise(self, **changes: Any) -> FundTerms:
        """The next version of these terms with ``changes`` applied (an LPA amendment)."""
        if "version" in changes:
            raise TermsError("a revision numbers itself: do not pass version")
        return replace(self, version=self.version + 1, **changes)

    @property
    def lp_share(self) -> Decimal:
        """The LPs' share of the final split (``0.80`` under 80/20)."""
        return 1 - self.carried_interest

    @property
    def has_preferred_return(self) -> bool:
        return self.preferred_return > 0

    @property
    def has_catch_up(self) -> bool:
        return self.catch_up is not None

    def pref_phrase(self) -> str:
        """``"8 % compounded annually"`` or ``"8 % simple"``."""
        return f"{as_percent(self.preferred_return)} {self._compounding_phrase()}"

    def _compounding_phrase(self) -> str:
        return "compounded annually" if self.compounding is PrefCompounding.COMPOUND else "simple"

    def split_phrase(self) -> str:
        """``"80/20"`` for a 20 % carried interest."""
        lp = (self.lp_share * 100).normalize()
        gp = (self.carried_interest * 100).normalize()
        return f"{lp:f}/{gp:f}"

    def catch_up_phrase(self) -> str:
        if self.catch_up is None:
            return "no GP catch-up"
        return f"{as_percent(self.catch_up)} GP catch-up"

    def describe(self) -> str:
        """One line a fund controller can check against the LPA."""
        style = (
            "European (whole fund)"
            if self.style is WaterfallStyle.EUROPEAN
            else "American (deal by deal)"
        )
        pref = (
            f"{as_percent(self.preferred_return)} preferred return {self._compounding_phrase()}"
            if self.has_preferred_return
            else "no preferred return"
        )
        name = f" {self.label!r}" if self.label else ""
        return (
            f"terms v{self.version}{name}: {style}, {pref}, {self.catch_up_phrase()}, "
            f"{self.split_phrase()} carried interest split"
        )

    def unit(self) -> Decimal:
        """The minor unit every allocation under these terms is rounded to."""
        return minor_unit(self.currency)


def version_in_force(
    versions: Sequence[Mapping[str, Any]], on: dt.date | None
) -> Mapping[str, Any] | None:
    """Of a fund's stored terms versions, the one in force on ``on``; the latest when
    ``on`` is None.

    A version takes effect on its ``effective_date`` (null: from the fund's start). On a
    day several have taken effect, the one that took effect last governs, and among those
    dated the same, the later version (an amendment restating the day). None when every
    version takes effect after ``on``.
    """

    def effective(row: Mapping[str, Any]) -> str:
        return str(row.get("effective_date") or "")

    if on is None:
        candidates = list(versions)
    else:
        day = on.isoformat()
        candidates = [r for r in versions if effective(r) <= day]
    if not candidates:
        return None
    if on is None:
        return max(candidates, key=lambda r: int(r["version"]))
    return max(candidates, key=lambda r: (effective(r), int(r["version"])))
