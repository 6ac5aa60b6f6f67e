"""Splitting an amount across parties so the parts sum to the whole, to the minor unit.

Largest-remainder (Hamilton) rounding: every party first gets its exact pro-rata share
rounded down to the minor unit; the units left over go one each to the parties with the
largest remainders, ties broken by party id so that every replica and the server
produce the same split.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_FLOOR, Decimal

from core.money import MoneyError, minor_unit

__all__ = ["AllocationError", "allocate_pro_rata"]


class AllocationError(MoneyError):
    """The weights cannot carry the amount (none positive, or a negative weight)."""


def allocate_pro_rata(
    amount: Decimal, weights: Mapping[str, Decimal], currency: str
) -> dict[str, Decimal]:
    """Split ``amount`` across ``weights`` keys; the result sums to ``amount`` exactly.

    Keys with zero weight get zero. A negative weight, or weights summing to zero while the
    amount is not zero, raise :class:`AllocationError`.
    """
    unit = minor_unit(currency)
    if amount != amount.quantize(unit):
        raise AllocationError(f"{amount} is not a whole number of {currency} minor units")
    if any(w < 0 for w in weights.values()):
        raise AllocationError("a pro-rata weight cannot be negative")
    total_weight = sum(weights.values(), Decimal(0))
    if total_weight == 0:
        if amount == 0:
            return {key: Decimal(0).quantize(unit) for key in weights}
        raise AllocationError("nothing to allocate against: every weight is zero")
    sign = -1 if amount < 0 else 1
    units = int((abs(amount) / unit).to_integral_value())
    # Exact rational shares in integer arithmetic: floor(units * w / W) and remainder.
    scale = _common_scale(weights.values())
    int_weights = {key: int(w.scaleb(scale)) for key, w in weights.items()}
    int_total = sum(int_weights.values())
    base: dict[str, int] = {}
    remainders: list[tuple[int, str]] = []
    for key, w in int_weights.items():
        share, rest = divmod(units * w, int_total)
        base[key] = share
        remainders.append((rest, key))
    left = units - sum(base.values())
    # Largest remainder first; equal remainders go to the smaller id, deterministically.
    remainders.sort(key=lambda item: (-item[0], item[1]))
    for _rest, key in remainders[:left]:
        base[key] += 1
    return {
        key: (Decimal(sign * n) * unit).quantize(unit, rounding=ROUND_FLOOR)
        for key, n in base.items()
    }


def _common_scale(values: Iterable[Decimal]) -> int:
    exponents = [v.as_tuple().exponent for v in values]
    lowest = min((e for e in exponents if isinstance(e, int)), default=0)
    return max(0, -lowest)
