"""Commands that produce what LPs receive: notices, statements, and the fund's exports.

``dealos report statement`` and ``dealos report notice`` write one PDF for one LP;
``dealos report performance`` prints a fund's metrics as of a date, then its deals' (or
one LP's); ``dealos report positions`` prints each LP's position in a fund as of a date
(commitment, called, paid-in, called not paid, distributed, unfunded, NAV share);
``dealos report clawback`` prints an American fund's clawback as of a date: the GP's carry
per deal, the whole-fund carry, the excess, the after-tax cap and what each LP is owed back;
``dealos export capital-accounts|calls|distributions`` write a fund's table as XLSX or CSV,
by the extension of ``--out``. Bad input (an unknown id, a period such as 2026Q5, a path
that cannot be written) is one line on stderr from :class:`core.reports.ReportError`.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from core.cli.clawback_report import clawback_csv, clawback_text
from core.cli.positions_report import positions_csv, positions_table
from core.commands.reading import close_reading
from core.commands.workspace import Workspace
from core.money import figure_text
from core.reports import EXPORT_KINDS, ReportError, parse_period
from core.reports.clawback_report import clawback_report
from core.reports.documents import (
    write_call_notice,
    write_distribution_notice,
    write_export,
    write_statement,
)
from core.reports.ledger_index import funds_of_lp
from core.reports.presentation import money_text
from core.views.capital_view import list_funds
from core.views.fund_performance import (
    DealPerformance,
    FundPerformance,
    Metrics,
    fund_performance,
)
from core.views.positions_view import positions_report

__all__ = ["register"]

SubParsers = argparse._SubParsersAction

_EXPORT_HELP = {
    "capital-accounts": "each LP's capital account in each fund, as of a date",
    "calls": "each LP's share of each capital call, with what it paid",
    "distributions": "each LP's share of each distribution",
}


def register(
    sub: SubParsers[argparse.ArgumentParser], common: list[argparse.ArgumentParser]
) -> None:
    report = sub.add_parser("report", help="documents LPs receive (PDF)").add_subparsers(
        dest="report_command", metavar="DOCUMENT", required=True
    )
    p = report.add_parser(
        "statement", parents=common, help="an LP's capital account statement for a period"
    )
    p.add_argument("--lp", required=True, metavar="LP_ID")
    p.add_argument("--period", required=True, help="a quarter such as 2026Q3, or a year: 2026")
    p.add_argument("--fund", metavar="FUND_ID", help="needed when the LP is in several funds")
    p.add_argument("--out", required=True, type=Path, metavar="FILE.pdf")
    p.set_defaults(handler=_statement)

    p = report.add_parser(
        "notice", parents=common, help="a capital call or distribution notice to one LP"
    )
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--call", metavar="CALL_ID")
    which.add_argument("--distribution", metavar="DISTRIBUTION_ID")
    p.add_argument("--lp", required=True, metavar="LP_ID")
    p.add_argument("--out", required=True, type=Path, metavar="FILE.pdf")
    p.set_defaults(handler=_notice)

    p = report.add_parser(
        "performance",
        parents=common,
        help="paid-in, distributed, NAV, TVPI/DPI/RVPI and IRR of a fund, by deal or for an LP",
    )
    p.add_argument("--fund", metavar="FUND_ID", help="one fund (default: every fund)")
    p.add_argument("--lp", metavar="LP_ID", help="show this LP's line instead of the deals'")
    p.add_argument("--as-of", metavar="YYYY-MM-DD", help="default: today")
    p.set_defaults(handler=_performance)

    p = report.add_parser(
        "positions",
        parents=common,
        help="each LP's commitment, called, paid-in, called not paid, distributed, unfunded "
        "and NAV share in a fund, as of a date",
    )
    p.add_argument("--fund", required=True, metavar="FUND_ID")
    p.add_argument("--as-of", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--csv", action="store_true", help="CSV on stdout instead of a table")
    p.set_defaults(handler=_positions)

    p = report.add_parser(
        "clawback",
        parents=common,
        help="an American (deal-by-deal) fund's clawback: the GP's carry per deal against "
        "the whole-fund test, and what each LP is owed back",
    )
    p.add_argument("--fund", required=True, metavar="FUND_ID")
    p.add_argument("--as-of", metavar="YYYY-MM-DD", help="default: today")
    p.add_argument(
        "--tax-rate",
        metavar="RATE",
        help="test the clawback net of taxes at this hypothetical rate, such as 0.40 "
        "(default: the rate the fund's LPA terms state, else gross of taxes)",
    )
    p.add_argument("--csv", action="store_true", help="CSV on stdout instead of text")
    p.set_defaults(handler=_clawback)

    export = sub.add_parser("export", help="a fund's ledger as XLSX or CSV").add_subparsers(
        dest="export_command", metavar="TABLE", required=True
    )
    for kind in EXPORT_KINDS:
        p = export.add_parser(kind, parents=common, help=_EXPORT_HELP[kind])
        p.add_argument("--out", required=True, type=Path, metavar="FILE.xlsx|FILE.csv")
        p.add_argument("--fund", metavar="FUND_ID", help="one fund (default: every fund)")
        if kind == "capital-accounts":
            p.add_argument("--as-of", metavar="YYYY-MM-DD", help="default: today")
        p.set_defaults(handler=_export, export_kind=kind)


@contextmanager
def _workspace(args: Any) -> Iterator[Workspace]:
    ws = Workspace.open(args.data_dir)
    try:
        yield ws
    finally:
        close_reading(ws)
        ws.close()


def _date(raw: str | None) -> dt.date | None:
    if raw is None:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ReportError(f"--as-of {raw!r}: give a date as YYYY-MM-DD") from None


def _statement(args: Any) -> int:
    period = parse_period(args.period)
    today = dt.date.today()
    period.require_begun(today)
    with _workspace(args) as ws:
        s = write_statement(ws, args.lp, period, args.out, fund_id=args.fund, today=today)
    closing = money_text(s.current.closing, s.ledger.currency)
    mark = f" ({s.preliminary})" if s.preliminary else ""
    print(
        f"wrote {args.out}: capital account statement {s.document_id} for "
        f"{s.ledger.investor.name} in {s.ledger.fund.name}, {period.label}{mark}, "
        f"closing {closing}"
    )
    return 0


def _notice(args: Any) -> int:
    write: Callable[..., Any]
    if args.call:
        write, target = write_call_notice, args.call
    else:
        write, target = write_distribution_notice, args.distribution
    with _workspace(args) as ws:
        notice = write(ws, target, args.lp, args.out)
    draft = " (DRAFT: not issued)" if notice.is_draft else ""
    print(f"wrote {args.out}: notice {notice.document_id} to {notice.ledger.investor.name}{draft}")
    return 0


def _export(args: Any) -> int:
    as_of = _date(getattr(args, "as_of", None))
    with _workspace(args) as ws:
        table = write_export(ws, args.export_kind, args.out, fund_id=args.fund, as_of=as_of)
    print(f"wrote {args.out}: {table.title.lower()}, {len(table.rows)} rows")
    return 0


_COLUMNS = ("Committed", "Paid-in", "Distributed", "Unfunded", "NAV", "TVPI", "DPI", "RVPI")
_NAME_WIDTH = 40


def _performance(args: Any) -> int:
    as_of = _date(args.as_of) or dt.date.today()
    with _workspace(args) as ws:
        if args.fund is not None:
            fund_ids: tuple[str, ...] = (args.fund,)
        elif args.lp is not None:
            fund_ids = funds_of_lp(ws, args.lp)
        else:
            fund_ids = tuple(f.fund_id for f in list_funds(ws))
        found = [fund_performance(ws, f, as_of=as_of, lp_id=args.lp) for f in fund_ids]
    print("\n\n".join(_performance_table(p, by_lp=args.lp is not None) for p in found))
    return 0


def _positions(args: Any) -> int:
    as_of = _date(args.as_of)
    assert as_of is not None  # the option is required
    with _workspace(args) as ws:
        report = positions_report(ws, args.fund, as_of)
    print(positions_csv(report) if args.csv else positions_table(report), end="\n" * (not args.csv))
    return 0


def _tax_rate(raw: str | None) -> Decimal | None:
    if raw is None:
        return None
    try:
        rate = Decimal(raw)
    except ArithmeticError:
        rate = Decimal("NaN")
    if not rate.is_finite() or not 0 <= rate < 1:
        raise ReportError(
            f"--tax-rate {raw!r}: give the hypothetical tax rate as a fraction from 0 to "
            "below 1, such as 0.40 for 40 %"
        )
    return rate


def _clawback(args: Any) -> int:
    as_of = _date(args.as_of) or dt.date.today()
    tax_rate = _tax_rate(args.tax_rate)
    with _workspace(args) as ws:
        report = clawback_report(ws, args.fund, as_of, tax_rate=tax_rate)
    print(clawback_csv(report) if args.csv else clawback_text(report), end="\n" * (not args.csv))
    return 0


def _performance_table(p: FundPerformance, *, by_lp: bool) -> str:
    """The fund line, then one line per deal (or the LP asked for); a note under it."""
    mark = f"NAV as of {p.nav_as_of}" if p.nav_as_of else "no NAV recorded"
    c = p.currency
    rows = [("Fund", *_metric_cells(p.metrics, c))]
    if by_lp:
        rows += [(f"LP: {lp.name}", *_metric_cells(lp.metrics, c)) for lp in p.lps]
        note = "LP NAV: its share of the fund NAV, pro rata to capital paid in by the NAV date."
    else:
        rows += [
            (
                f"Deal: {d.name}",
                "",
                figure_text(d.invested, c),
                figure_text(d.distributed, c),
                *_deal_tail(d),
            )
            for d in p.deals
        ]
        note = (
            "Deal lines: paid-in against calls tagged to the deal; DPI there is the realized "
            "MOIC (no NAV is kept per deal)."
        )
    # An IRR without a NAV says so (DESIGN §5): as a footnote, so the table stays narrow.
    plain = p.irr_label == "IRR"
    header = ("", *_COLUMNS, "IRR" if plain else "IRR*")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    widths[0] = min(widths[0], _NAME_WIDTH)
    lines = [
        f"{p.name} ({p.currency}), as of {p.as_of.isoformat()}: {mark}",
        *(_row(row, widths) for row in [header, *rows]),
        *(() if plain else (f"* {p.irr_label}",)),
        note,
    ]
    return "\n".join(lines)


def _metric_cells(m: Metrics, currency: str) -> tuple[str, ...]:
    return (
        figure_text(m.committed, currency),
        figure_text(m.paid_in, currency),
        figure_text(m.distributed, currency),
        figure_text(m.unfunded, currency),
        "-" if m.nav is None else figure_text(m.nav, currency),
        _multiple(m.tvpi),
        _multiple(m.dpi),
        _multiple(m.rvpi),
        m.irr.percent(),
    )


def _deal_tail(d: DealPerformance) -> tuple[str, ...]:
    """Unfunded, NAV, TVPI, DPI (the realized MOIC), RVPI, IRR: a deal has only the MOIC."""
    return ("", "", "", _multiple(d.moic), "", "")


def _multiple(value: Decimal | None) -> str:
    return "-" if value is None else f"{value}x"


def _row(cells: tuple[str, ...], widths: list[int]) -> str:
    name = cells[0] if len(cells[0]) <= widths[0] else cells[0][: widths[0] - 1] + "…"
    rest = (cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True))
    return "  ".join([name.ljust(widths[0]), *rest]).rstrip()
