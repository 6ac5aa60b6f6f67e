"""The cash-flow chart of one position: server-drawn SVG, no script, no inline style.

Each quarter with cash gets two bars — what the investor paid in (below the line) and what
was distributed to them (above it) — and a line follows the net cash to date
(distributions less contributions). Colours and sizes are SVG attributes, which the
portal's Content-Security-Policy allows where a ``style`` attribute would be blocked. The
figure carries a title and a description for screen readers, and the page gives the same
numbers in a table beside it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from markupsafe import Markup, escape

from core.reports.ledger_values import LpLedger
from core.reports.presentation import money_text

__all__ = ["QuarterCash", "cash_flow_svg", "quarterly_cash"]

_W: Final = 640
_H: Final = 260
_LEFT: Final = 112
_RIGHT: Final = 16
_TOP: Final = 20
_BOTTOM: Final = 40
PAID_COLOUR: Final = "#1f4e79"
RETURNED_COLOUR: Final = "#2e7d32"
NET_COLOUR: Final = "#b35900"


@dataclass(frozen=True, slots=True)
class QuarterCash:
    label: str
    paid_in: Decimal
    distributed: Decimal
    net_to_date: Decimal


def quarterly_cash(ledger: LpLedger, through: dt.date) -> list[QuarterCash]:
    """Payments and issued distributions up to ``through``, summed by calendar quarter."""
    paid: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    returned: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for p in ledger.payments_between(None, through):
        paid[(p.paid_on.year, (p.paid_on.month - 1) // 3 + 1)] += p.amount
    for d in ledger.issued_distributions(None, through):
        day = d.distribution_date
        returned[(day.year, (day.month - 1) // 3 + 1)] += d.amount
    net = Decimal(0)
    out = []
    for year, quarter in sorted(set(paid) | set(returned)):
        net += returned[(year, quarter)] - paid[(year, quarter)]
        out.append(
            QuarterCash(f"Q{quarter} {year}", paid[(year, quarter)], returned[(year, quarter)], net)
        )
    return out


def _short(amount: Decimal, currency: str) -> str:
    """An axis label: ``$1.2M``, ``$250K``, the currency's own sign."""
    symbol = money_text(Decimal(0), currency).rstrip("0.,").strip() or currency
    size = abs(amount)
    sign = "−" if amount < 0 else ""
    for unit, scale in (("B", Decimal("1e9")), ("M", Decimal("1e6")), ("K", Decimal("1e3"))):
        if size >= scale:
            text = f"{(size / scale).quantize(Decimal('0.1')).normalize():f}"
            return f"{sign}{symbol}{text}{unit}"
    return f"{sign}{symbol}{size.quantize(Decimal(1))}"


def cash_flow_svg(
    quarters: list[QuarterCash], currency: str, title: str, *, ident: str = "chart"
) -> Markup:
    if not quarters:
        return Markup("")
    top = max(max((q.distributed for q in quarters), default=Decimal(0)), Decimal(0))
    bottom = max((q.paid_in for q in quarters), default=Decimal(0))
    for q in quarters:
        top = max(top, q.net_to_date)
        bottom = max(bottom, -q.net_to_date)
    span = (top + bottom) or Decimal(1)
    plot_h = _H - _TOP - _BOTTOM
    plot_w = _W - _LEFT - _RIGHT

    def y(value: Decimal) -> float:
        return round(_TOP + float((top - value) / span) * plot_h, 1)

    zero = y(Decimal(0))
    slot = plot_w / len(quarters)
    bar = max(4.0, min(28.0, slot / 3))
    parts = [
        f'<line x1="{_LEFT}" y1="{zero}" x2="{_W - _RIGHT}" y2="{zero}" '
        'stroke="#4a4a4a" stroke-width="1"/>',
        f'<text x="{_LEFT - 8}" y="{y(top) + 4}" text-anchor="end" font-size="12" '
        f'fill="#333">{escape(_short(top, currency))}</text>',
        f'<text x="{_LEFT - 8}" y="{zero + 4}" text-anchor="end" font-size="12" '
        f'fill="#333">{escape(_short(Decimal(0), currency))}</text>',
        f'<text x="{_LEFT - 8}" y="{y(-bottom) + 4}" text-anchor="end" font-size="12" '
        f'fill="#333">{escape(_short(-bottom, currency))}</text>',
    ]
    points = []
    label_every = max(1, len(quarters) // 6)
    for i, q in enumerate(quarters):
        centre = _LEFT + slot * (i + 0.5)
        if q.distributed:
            parts.append(
                f'<rect x="{round(centre - bar - 1, 1)}" y="{y(q.distributed)}" '
                f'width="{round(bar, 1)}" height="{round(zero - y(q.distributed), 1)}" '
                f'fill="{RETURNED_COLOUR}"><title>{escape(q.label)}: distributed '
                f"{escape(money_text(q.distributed, currency))}</title></rect>"
            )
        if q.paid_in:
            parts.append(
                f'<rect x="{round(centre + 1, 1)}" y="{zero}" width="{round(bar, 1)}" '
                f'height="{round(y(-q.paid_in) - zero, 1)}" fill="{PAID_COLOUR}">'
                f"<title>{escape(q.label)}: paid in "
                f"{escape(money_text(q.paid_in, currency))}</title></rect>"
            )
        points.append(f"{round(centre, 1)},{y(q.net_to_date)}")
        if i % label_every == 0:
            parts.append(
                f'<text x="{round(centre, 1)}" y="{_H - _BOTTOM + 18}" text-anchor="middle" '
                f'font-size="12" fill="#333">{escape(q.label)}</text>'
            )
    parts.append(
        f'<polyline points="{" ".join(points)}" fill="none" stroke="{NET_COLOUR}" '
        'stroke-width="2.5"/>'
    )
    for point in points:
        cx, cy = point.split(",")
        parts.append(f'<circle cx="{cx}" cy="{cy}" r="3.5" fill="{NET_COLOUR}"/>')
    last = quarters[-1]
    desc = (
        f"Cash paid in and distributed by quarter, {quarters[0].label} to {last.label}; "
        f"net cash to date {money_text(last.net_to_date, currency)}."
    )
    # Every word in it went through escape(); the rest are numbers and fixed markup.
    return Markup(  # noqa: S704
        f'<svg class="chart" viewBox="0 0 {_W} {_H}" preserveAspectRatio="xMinYMid meet" '
        'role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(desc)}</desc>{"".join(parts)}</svg>'
    )
