"""``dealos report clawback``: an American fund's clawback as of a date, as text or CSV.

The text reads top to bottom as a fund controller checks it: the carry the GP received per
deal, the whole-fund carry the LPA's test implies, the excess, the after-tax cap (net of
taxes only), the clawback, then what each LP is owed back, and the explanation of every
figure. The CSV has one row per LP and a fund total, in plain decimal strings with a
currency column, so a spreadsheet reads exact amounts. The figures are
:class:`core.reports.clawback_report.ClawbackReport`'s; nothing is computed here.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from decimal import Decimal

from core.fund_math import LpClawback
from core.fund_math.terms import as_percent
from core.reports.clawback_report import ClawbackReport
from core.reports.presentation import plain_money

__all__ = ["clawback_csv", "clawback_text"]

_LP_TITLES = (
    "Distributed to it",
    "Carry borne deal by deal",
    "Whole-fund carry",
    "Excess",
    "Clawback owed to it",
    "Total with clawback",
)
_NAME_WIDTH = 40


def _lp_figures(lp: LpClawback) -> tuple[Decimal, ...]:
    return (lp.received, lp.carry_borne, lp.whole_fund_carry, lp.excess, lp.share, lp.total)


def _by_name(report: ClawbackReport) -> list[LpClawback]:
    return sorted(report.result.lps, key=lambda lp: (lp.name, lp.lp_id))


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    widths[0] = min(widths[0], _NAME_WIDTH)
    lines = []
    for row in [header, *rows]:
        name = row[0] if len(row[0]) <= widths[0] else row[0][: widths[0] - 1] + "…"
        rest = (cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True))
        lines.append("  ".join([name.ljust(widths[0]), *rest]).rstrip())
    return lines


def clawback_text(report: ClawbackReport) -> str:
    r, money, gp = report.result, report.money, report.gp_name
    lines = [
        f"{report.fund_name} ({report.currency}), clawback test as of {report.as_of.isoformat()}",
        f"Under the LPA's {r.terms_description}",
        "",
        f"Carry {gp} received, deal by deal",
        *_table(
            ("Deal", "Distributed", "Carry to the GP"),
            [(deal, money(gross), money(carry)) for deal, gross, carry in r.deals]
            + [("All deals", money(r.distributed), money(r.gp_carry))],
        ),
        "",
    ]
    summary: list[tuple[str, Decimal | None]] = [
        ("Carry received deal by deal", r.gp_carry),
        ("Whole-fund carry the LPA's test implies", r.whole_fund_carry),
        ("Excess carry", r.excess),
    ]
    if r.tax_rate is None:
        summary.append(("After-tax cap: none, the clawback is gross of taxes", None))
    else:
        summary.append((f"After-tax cap at {as_percent(r.tax_rate)} tax", r.after_tax_cap))
    summary.append((f"Clawback {gp} owes the LPs", r.clawback))
    if r.unrecovered:
        summary.append(("Excess the cap leaves with the GP", r.unrecovered))
    summary.append((f"Carry {gp} keeps", r.gp_carry_kept))
    width = max(len(label) for label, value in summary if value is not None)
    figure = max(len(money(value)) for _, value in summary if value is not None)
    lines += [
        label if value is None else f"{label.ljust(width)}  {money(value).rjust(figure)}"
        for label, value in summary
    ]
    lines += [
        "",
        "Owed back to each LP",
        *_table(
            ("LP", *_LP_TITLES),
            [(lp.name, *(money(v) for v in _lp_figures(lp))) for lp in _by_name(report)],
        ),
        "",
        "How each figure is reached",
        *(f"- {line}" for line in report.explanation),
    ]
    if report.notes:
        lines += ["", "Notes", *(f"- {note}" for note in report.notes)]
    return "\n".join(lines)


def clawback_csv(report: ClawbackReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["LP", "Currency", "As of", *_LP_TITLES])
    lps = _by_name(report)
    for lp in lps:
        writer.writerow(
            [
                lp.name,
                report.currency,
                report.as_of.isoformat(),
                *(plain_money(v, report.currency) for v in _lp_figures(lp)),
            ]
        )
    totals = [sum(column, Decimal(0)) for column in zip(*map(_lp_figures, lps), strict=True)]
    writer.writerow(
        [
            "Fund total",
            report.currency,
            report.as_of.isoformat(),
            *(plain_money(v, report.currency) for v in totals),
        ]
    )
    return out.getvalue()
