"""From a workspace to a document on disk: the service the CLI and the desktop call.

Each ``write_*`` reads the ledger in one snapshot, builds the value, renders it and writes
the file atomically (a temporary file in the same folder, then a rename), so a failure —
an unknown LP, a statement that does not reconcile, a full disk — leaves nothing
half-written at ``out``. Errors are :class:`ReportError` subclasses with one readable line.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from pathlib import Path

from core.commands.reading import reading
from core.commands.workspace import Workspace
from core.ids import new_id
from core.reports import fund_records
from core.reports.capital_account import CapitalAccountStatement, NavLookup, build_statement
from core.reports.errors import RecordNotFound, ReportOutputError
from core.reports.exports import (
    ExportTable,
    call_table,
    capital_account_table,
    distribution_table,
)
from core.reports.ledger_index import fund_ids, fund_of_call, fund_of_distribution, funds_of_lp
from core.reports.ledger_reader import read_fund_ledger
from core.reports.ledger_values import FundLedger, LpLedger, NavShare
from core.reports.notices import (
    CallNotice,
    DistributionNotice,
    build_call_notice,
    build_distribution_notice,
)
from core.reports.periods import ReportPeriod

__all__ = [
    "EXPORT_KINDS",
    "call_notice",
    "check_output",
    "distribution_notice",
    "export_table",
    "lp_statement",
    "write_call_notice",
    "write_distribution_notice",
    "write_export",
    "write_file",
    "write_statement",
]

EXPORT_KINDS = ("capital-accounts", "calls", "distributions")
_PDF = (".pdf",)


def check_output(out: Path, suffixes: Sequence[str]) -> None:
    """Refuse an output path before any work is done: wrong extension, missing folder."""
    if out.is_dir():
        raise ReportOutputError(f"{out} is a folder; give a file name such as report{suffixes[0]}")
    if out.suffix.lower() not in suffixes:
        raise ReportOutputError(f"{out}: the file name must end in {' or '.join(suffixes)}")
    folder = out.parent
    if not folder.is_dir():
        what = "is a file, not a folder" if folder.exists() else "does not exist"
        raise ReportOutputError(f"cannot write {out}: {folder} {what}")


def write_file(out: Path, data: bytes, *, suffixes: Sequence[str]) -> Path:
    """Write ``data`` to ``out`` all at once, or not at all."""
    check_output(out, suffixes)
    folder = out.parent
    temporary = folder / f".{out.name}.{new_id()}.part"
    try:
        temporary.write_bytes(data)
        os.replace(temporary, out)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise ReportOutputError(f"cannot write {out}: {exc.strerror or exc}") from None
    return out


def _nav_lookup(ws: Workspace, ledger: LpLedger) -> NavLookup:
    def lookup(day: dt.date) -> NavShare | None:
        with reading(ws) as conn:
            return fund_records.lp_nav_share(
                conn, ws.org_id, ledger.fund.fund_id, ledger.investor.lp_id, day
            )

    return lookup


def _lp_ledger(ws: Workspace, fund_id: str, lp_id: str) -> LpLedger:
    ledger = read_fund_ledger(ws, fund_id, lp_id=lp_id).of(lp_id)
    assert ledger is not None  # read_fund_ledger refuses an LP without a commitment
    return ledger


def lp_statement(
    ws: Workspace,
    lp_id: str,
    period: ReportPeriod,
    *,
    fund_id: str | None = None,
    today: dt.date | None = None,
) -> CapitalAccountStatement:
    """The LP's statement in ``fund_id``, or in its only fund when it holds one.

    ``today`` (default: the clock's) marks a period not yet ended as preliminary and
    refuses one not yet begun, before anything is read."""
    period.require_begun(dt.date.today() if today is None else today)
    if fund_id is None:
        held = funds_of_lp(ws, lp_id)
        if not held:
            raise RecordNotFound(f"LP {lp_id} has no commitment to any fund")
        if len(held) > 1:
            raise RecordNotFound(
                f"LP {lp_id} has commitments to {len(held)} funds; choose one with --fund "
                f"({', '.join(held)})"
            )
        fund_id = held[0]
    ledger = _lp_ledger(ws, fund_id, lp_id)
    return build_statement(ledger, period, nav=_nav_lookup(ws, ledger), today=today)


def call_notice(ws: Workspace, call_id: str, lp_id: str) -> CallNotice:
    fund_id = fund_of_call(ws, call_id)
    ledger = _lp_ledger(ws, fund_id, lp_id)
    with reading(ws) as conn:
        instructions = fund_records.fund_payment_instructions(conn, ws.org_id, fund_id)
    return build_call_notice(ledger, call_id, instructions=instructions)


def distribution_notice(ws: Workspace, distribution_id: str, lp_id: str) -> DistributionNotice:
    ledger = _lp_ledger(ws, fund_of_distribution(ws, distribution_id), lp_id)
    return build_distribution_notice(ledger, distribution_id)


def write_statement(
    ws: Workspace,
    lp_id: str,
    period: ReportPeriod,
    out: Path,
    *,
    fund_id: str | None = None,
    today: dt.date | None = None,
) -> CapitalAccountStatement:
    check_output(out, _PDF)
    statement = lp_statement(ws, lp_id, period, fund_id=fund_id, today=today)
    from core.reports.pdf_statement import statement_pdf  # reportlab loads when a PDF is made

    write_file(out, statement_pdf(statement), suffixes=_PDF)
    return statement


def write_call_notice(ws: Workspace, call_id: str, lp_id: str, out: Path) -> CallNotice:
    check_output(out, _PDF)
    notice = call_notice(ws, call_id, lp_id)
    from core.reports.pdf_notices import call_notice_pdf

    write_file(out, call_notice_pdf(notice), suffixes=_PDF)
    return notice


def write_distribution_notice(
    ws: Workspace, distribution_id: str, lp_id: str, out: Path
) -> DistributionNotice:
    check_output(out, _PDF)
    notice = distribution_notice(ws, distribution_id, lp_id)
    from core.reports.pdf_notices import distribution_notice_pdf

    write_file(out, distribution_notice_pdf(notice), suffixes=_PDF)
    return notice


def export_table(
    ws: Workspace, kind: str, *, fund_id: str | None = None, as_of: dt.date | None = None
) -> ExportTable:
    """``kind`` is one of :data:`EXPORT_KINDS`; every fund unless ``fund_id`` is given."""
    funds: list[FundLedger] = [
        read_fund_ledger(ws, f) for f in ([fund_id] if fund_id else fund_ids(ws))
    ]
    if kind == "capital-accounts":
        day = as_of or dt.date.today()
        return capital_account_table(funds, day, lambda lp: _nav_lookup(ws, lp))
    if kind == "calls":
        return call_table(funds)
    if kind == "distributions":
        return distribution_table(funds)
    raise ReportOutputError(f"no export {kind!r}: choose one of {', '.join(EXPORT_KINDS)}")


def write_export(
    ws: Workspace,
    kind: str,
    out: Path,
    *,
    fund_id: str | None = None,
    as_of: dt.date | None = None,
) -> ExportTable:
    """Write the export as ``.xlsx`` or ``.csv``, by ``out``'s extension."""
    suffixes = (".xlsx", ".csv")
    check_output(out, suffixes)
    table = export_table(ws, kind, fund_id=fund_id, as_of=as_of)
    from core.reports.spreadsheets import csv_bytes, xlsx_bytes  # openpyxl loads on use

    if out.suffix.lower() == ".csv":
        data = csv_bytes(table)
    else:
        data = xlsx_bytes(table, notes=_EXPORT_NOTES)
    write_file(out, data, suffixes=suffixes)
    return table


_EXPORT_NOTES = (
    "Exported from Deal OS. Money cells are numbers at the currency's minor unit "
    "(cents for USD); each equals the ledger's decimal amount exactly.",
    "Called, paid in, distributed and unfunded count issued calls and distributions only; "
    "drafts are listed in the calls and distributions exports with their status.",
    "Capital account: contributions less distributions (cost) until a fund NAV is recorded; "
    "the Basis column says which.",
    "Op ids name the signed operation each row derives from, for audit.",
)
