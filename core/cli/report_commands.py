"""Commands that produce what LPs receive: notices, statements, and the fund's exports.

``dealos report statement`` and ``dealos report notice`` write one PDF for one LP;
``dealos export capital-accounts|calls|distributions`` write a fund's table as XLSX or CSV,
by the extension of ``--out``. Bad input (an unknown id, a period such as 2026Q5, a path
that cannot be written) is one line on stderr from :class:`core.reports.ReportError`.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from core.reports import EXPORT_KINDS, ReportError, parse_period
from core.reports.documents import (
    write_call_notice,
    write_distribution_notice,
    write_export,
    write_statement,
)
from core.reports.presentation import money_text
from core.services.reading import close_reading
from core.services.workspace import Workspace

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
    with _workspace(args) as ws:
        s = write_statement(ws, args.lp, period, args.out, fund_id=args.fund)
    closing = money_text(s.current.closing, s.ledger.currency)
    print(
        f"wrote {args.out}: capital account statement {s.document_id} for "
        f"{s.ledger.investor.name} in {s.ledger.fund.name}, {period.label}, closing {closing}"
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
