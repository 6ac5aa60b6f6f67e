"""``dealos call``: draft, approve, issue, list and show capital calls.

``draft`` prints each LP's share as the reducers would allocate it (a dry run of the very
command it then signs), drafts, and prints the call's id. ``issue`` says exactly what will
happen ("Issue call 7: $5,000,000.00 from 110 LPs, due 2026-12-20"), checks it would be
accepted, and asks for the word ``issue`` (or ``--yes``). ``approve`` records a second GP's
approval (four-eyes, DESIGN §4). Every change is a typed command through
:meth:`Workspace.submit`; every figure is read from :mod:`core.views.call_register`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import Any

from core.cli.money_terminal import (
    build,
    confirm,
    fund_named,
    preview_text,
    refused,
    submit,
    table,
)
from core.cli.refusals import Refused, actions_of, amount_text, iso_date, money_of, opened
from core.commands.workspace import DryRun, Workspace
from core.money import figure_text, money_text
from core.ops.payloads.capital import (
    CapitalCallApprovePayload,
    CapitalCallCreatePayload,
    CapitalCallIssuePayload,
)
from core.reports import RecordNotFound
from core.views.call_register import CallRecord, CallSheet, call_records, call_sheet
from core.views.draft_preview import preview_draft

__all__ = ["FIELDS", "find_call", "register"]

# Where each field of a call's commands comes from on the command line.
FIELDS = {
    "payload.fund_id": "the fund (--fund)",
    "payload.deal_id": "the deal (--deal)",
    "payload.amount": "the amount (--amount)",
    "payload.overrides": "the amount (--amount)",
    "payload.currency": "the currency",
    "payload.basis": "the basis (--basis)",
    "payload.call_date": "the call date (--date)",
    "payload.due_date": "the due date (--due)",
    "payload.purpose": "the purpose (--purpose)",
    "payload.excluded_lp_ids": "the excluded LPs (--exclude)",
    "payload.excluded_lp_ids.*": "the excluded LPs (--exclude)",
    "payload.note": "the note (--note)",
    "entity_id": "the call (--call)",
    "base_version": "the call (--call)",
    "": "the call (--call)",
}


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    common: list[argparse.ArgumentParser],
) -> None:
    call = sub.add_parser("call", help="capital calls: draft, approve, issue, list, show")
    actions = actions_of(call, "call_command")
    p = actions.add_parser(
        "draft", parents=common, help="preview each LP's share, then draft the call"
    )
    p.add_argument("--fund", required=True, metavar="FUND_ID")
    p.add_argument(
        "--amount", required=True, type=amount_text, help="the whole call, such as 5000000.00"
    )
    p.add_argument("--basis", required=True, choices=("commitment", "unfunded"))
    p.add_argument(
        "--date", required=True, type=iso_date, metavar="YYYY-MM-DD", help="the call date"
    )
    p.add_argument("--due", required=True, type=iso_date, metavar="YYYY-MM-DD", help="the due date")
    p.add_argument("--purpose", default="", help="what the money is for, printed on notices")
    p.add_argument("--deal", metavar="DEAL_ID", help="the deal the call pays for")
    p.add_argument(
        "--exclude", nargs="+", action="extend", default=[], metavar="LP_ID", help="LPs not called"
    )
    p.add_argument(
        "--allow-past-due", action="store_true", help="draft a call whose due date has passed"
    )
    p.add_argument("--dry-run", action="store_true", help="print the preview; draft nothing")
    p.set_defaults(handler=_draft)

    p = actions.add_parser("issue", parents=common, help="issue a drafted call to its LPs")
    p.add_argument("--call", required=True, metavar="CALL_ID")
    p.add_argument("--yes", action="store_true", help="issue without asking")
    p.add_argument("--note", default="", help="a note kept with the issue")
    p.set_defaults(handler=_issue)

    p = actions.add_parser(
        "approve", parents=common, help="approve a drafted call as the second GP (four-eyes)"
    )
    p.add_argument("--call", required=True, metavar="CALL_ID")
    p.add_argument("--note", default="", help="a note kept with the approval")
    p.set_defaults(handler=_approve)

    p = actions.add_parser("list", parents=common, help="one line per call, by fund")
    p.add_argument("--fund", metavar="FUND_ID", help="one fund (default: every fund)")
    p.set_defaults(handler=_list)

    p = actions.add_parser("show", parents=common, help="one call, LP by LP")
    p.add_argument("--call", required=True, metavar="CALL_ID")
    p.set_defaults(handler=_show)


def find_call(ws: Workspace, call_id: str) -> CallSheet:
    try:
        return call_sheet(ws, call_id, today=dt.date.today())
    except RecordNotFound:
        raise Refused(
            f"the call (--call): no capital call {call_id!r} in this organization"
        ) from None


def _draft(args: Any) -> int:
    today = dt.date.today()
    call_date = args.date
    due = args.due
    if due < today and not args.allow_past_due:
        raise Refused(
            f"the due date (--due): {due.isoformat()} has passed (today is {today.isoformat()}); "
            "an LP cannot pay on time by a day already gone. Pass --allow-past-due to draft "
            "it anyway, e.g. to record a call made before Deal OS"
        )
    with opened(args) as ws:
        fund = fund_named(ws, args.fund)
        amount = money_of(args.amount, fund.currency, "the amount (--amount)")
        command = build(
            lambda: CapitalCallCreatePayload(
                fund_id=fund.fund_id,
                amount=amount,
                basis=args.basis,
                call_date=call_date,
                due_date=due,
                purpose=args.purpose,
                excluded_lp_ids=list(args.exclude),
                split_rule="as_of_date",
                **({"deal_id": args.deal} if args.deal else {}),
            ),
            FIELDS,
        )
        preview = preview_draft(ws, command)
        if preview.refusal is not None:
            raise refused(preview.refusal, FIELDS)
        print(
            preview_text(preview, f"call of {money_text(amount.amount, fund.currency)}"),
            file=sys.stdout if args.dry_run else sys.stderr,
        )
        if args.dry_run:
            print("Dry run: nothing was drafted.")
            return 0
        result = submit(ws, command, FIELDS)
    print(result.entity_id)
    print(
        f"Drafted a capital call of {money_text(amount.amount, fund.currency)} from "
        f"{len(preview.shares)} LPs of {fund.name}, dated {call_date.isoformat()}, due "
        f"{due.isoformat()}. Issue it with: dealos call issue --call {result.entity_id}"
    )
    return 0


def plan_of(call: CallRecord) -> str:
    """``Issue call 7: $5,000,000.00 from 110 LPs, due 2026-12-20``."""
    return (
        f"Issue call {call.next_number}: {money_text(call.amount, call.currency)} from "
        f"{call.investors} LPs, due {call.due_date.isoformat()}"
    )


def _about(call: CallRecord) -> dict[str, str]:
    """``FIELDS`` with the call itself named: ``call 3 of Fund I (--call)``."""
    words = f"{call.label} of {call.fund_name} (--call)"
    return {**FIELDS, "": words, "entity_id": words, "base_version": words}


def _issue(args: Any) -> int:
    with opened(args) as ws:
        call = find_call(ws, args.call).call
        command = build(lambda: CapitalCallIssuePayload(note=args.note), FIELDS)
        trial: DryRun[None] = ws.dry_run(command, entity_id=call.call_id, base_version=call.version)
        if trial.refusal is not None:
            if call.status == "draft":
                print(plan_of(call), file=sys.stderr)
            raise refused(trial.refusal, _about(call))
        confirm(plan_of(call), yes=args.yes)
        submit(ws, command, _about(call), entity_id=call.call_id, base_version=call.version)
        issued = find_call(ws, call.call_id).call
    print(call.call_id)
    print(
        f"Issued call {issued.number} of {call.fund_name}: "
        f"{money_text(call.amount, call.currency)} from {call.investors} LPs, due "
        f"{call.due_date.isoformat()}. Each LP's notice: dealos report notice --call "
        f"{call.call_id} --lp LP_ID --out FILE.pdf"
    )
    return 0


def _approve(args: Any) -> int:
    with opened(args) as ws:
        call = find_call(ws, args.call).call
        command = build(lambda: CapitalCallApprovePayload(note=args.note), FIELDS)
        submit(ws, command, _about(call), entity_id=call.call_id, base_version=call.version)
    print(call.call_id)
    print(
        f"Approved {call.label} of {call.fund_name} "
        f"({money_text(call.amount, call.currency)}) as the second GP; a GP may now issue it: "
        f"dealos call issue --call {call.call_id}"
    )
    return 0


def _status(call: CallRecord) -> str:
    if call.status == "draft" and call.approval.summary != "—":
        return f"draft, {call.approval.summary}"
    return call.state


def _list(args: Any) -> int:
    with opened(args) as ws:
        if args.fund is not None:
            fund_named(ws, args.fund)
        funds = call_records(ws, fund_id=args.fund, today=dt.date.today())
        names = {f: calls[0].fund_name for f, calls in funds if calls}
    blocks = []
    for fund_id, calls in funds:
        if not calls:
            continue
        c = calls[0].currency
        rows = [["No.", "Date", "Due", f"Amount ({c})", "Paid", "Status", "Overdue", "Id"]]
        for call in calls:
            rows.append(
                [
                    "-" if call.number is None else str(call.number),
                    call.call_date.isoformat(),
                    call.due_date.isoformat(),
                    figure_text(call.amount, c),
                    figure_text(call.paid, c),
                    _status(call),
                    f"OVERDUE {figure_text(call.overdue, c)}" if call.overdue else "",
                    call.call_id,
                ]
            )
        blocks.append(f"{names[fund_id]} ({c})\n{table(rows, right=(3, 4))}")
    print("\n\n".join(blocks) if blocks else "No capital calls yet.")
    return 0


def _show(args: Any) -> int:
    with opened(args) as ws:
        sheet = find_call(ws, args.call)
    call, c = sheet.call, sheet.call.currency
    title = f"Call {call.number}" if call.number else "Draft call"
    lines = [
        f"{title} of {call.fund_name}: {_status(call)}",
        f"Id         {call.call_id}",
        f"Dated      {call.call_date.isoformat()}, due {call.due_date.isoformat()}",
        f"Amount     {money_text(call.amount, c)} pro rata to {call.basis}, "
        f"from {call.investors} LPs",
    ]
    if call.status == "issued":
        lines.append(
            f"Paid       {money_text(call.paid, c)}; outstanding "
            f"{money_text(call.outstanding, c)}; overdue {money_text(call.overdue, c)}"
        )
    else:
        second = "no second GP needed" if call.approval.summary == "—" else call.approval.summary
        lines.append(f"To issue   it becomes call {call.next_number}; {second}")
    if call.purpose:
        lines.append(f"Purpose    {call.purpose}")
    if call.deal_name:
        lines.append(f"Deal       {call.deal_name}")
    rows = [["LP", f"Called ({c})", "Paid", "Outstanding", "Overdue", "Reference", "LP id"]]
    for s in sheet.shares:
        rows.append(
            [
                s.lp_name,
                figure_text(s.called, c),
                figure_text(s.paid, c),
                figure_text(s.outstanding, c),
                "" if s.overdue_days is None else f"{s.overdue_days} days",
                s.reference or "-",
                s.lp_id,
            ]
        )
    print("\n".join(lines))
    print(table(rows, right=(1, 2, 3, 4)))
    return 0
