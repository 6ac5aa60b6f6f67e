"""``dealos distribution``: draft, approve, issue, list and show distributions.

``draft`` prints each LP's share as the reducers would allocate it — pro rata to paid-in
capital or commitments, or through the fund's LPA waterfall with the GP's carry — from a
dry run of the very command it then signs, drafts, and prints the distribution's id.
``issue`` says what will happen, checks it would be accepted, and asks for the word
``issue`` (or ``--yes``); ``approve`` records a second GP's approval (four-eyes). Every
change is a typed command through :meth:`Workspace.submit`; figures come from
:mod:`core.views.distribution_register`.
"""

from __future__ import annotations

import argparse
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
    DistributionApprovePayload,
    DistributionCreatePayload,
    DistributionIssuePayload,
)
from core.reports import RecordNotFound
from core.views.distribution_register import (
    DistributionRecord,
    DistributionSheet,
    distribution_records,
    distribution_sheet,
)
from core.views.draft_preview import preview_draft

__all__ = ["register"]

FIELDS = {
    "payload.fund_id": "the fund (--fund)",
    "payload.deal_id": "the deal (--deal)",
    "payload.amount": "the amount (--amount)",
    "payload.currency": "the currency",
    "payload.basis": "the basis (--basis)",
    "payload.distribution_date": "the distribution date (--date)",
    "payload.source": "the source (--source)",
    "payload.note": "the note (--note)",
    "payload.recallable": "--recallable",
    "payload.offset_unpaid_calls": "the set-off (--offset-unpaid-calls)",
    "entity_id": "the distribution (--distribution)",
    "base_version": "the distribution (--distribution)",
    "": "the distribution (--distribution)",
}


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    common: list[argparse.ArgumentParser],
) -> None:
    dist = sub.add_parser("distribution", help="distributions: draft, approve, issue, list, show")
    actions = actions_of(dist, "distribution_command")
    p = actions.add_parser(
        "draft", parents=common, help="preview each LP's share, then draft the distribution"
    )
    p.add_argument("--fund", required=True, metavar="FUND_ID")
    p.add_argument(
        "--amount",
        required=True,
        type=amount_text,
        help="the whole distribution, such as 1000000.00",
    )
    p.add_argument("--basis", required=True, choices=("paid_in", "commitment", "waterfall"))
    p.add_argument(
        "--date", required=True, type=iso_date, metavar="YYYY-MM-DD", help="the distribution date"
    )
    p.add_argument(
        "--source", required=True, choices=("income", "exit", "return_of_capital", "other")
    )
    p.add_argument("--deal", metavar="DEAL_ID", help="the deal the money comes from")
    p.add_argument("--recallable", action="store_true", help="the LPs' amounts may be called again")
    p.add_argument(
        "--offset-unpaid-calls",
        action="store_true",
        help="set each LP's amount off against what it still owes on issued calls",
    )
    p.add_argument("--note", default="", help="a note printed on the notices")
    p.add_argument("--dry-run", action="store_true", help="print the preview; draft nothing")
    p.set_defaults(handler=_draft)

    p = actions.add_parser("issue", parents=common, help="issue a drafted distribution")
    p.add_argument("--distribution", required=True, metavar="DISTRIBUTION_ID")
    p.add_argument("--yes", action="store_true", help="issue without asking")
    p.add_argument("--note", default="", help="a note kept with the issue")
    p.set_defaults(handler=_issue)

    p = actions.add_parser(
        "approve", parents=common, help="approve a drafted distribution as the second GP"
    )
    p.add_argument("--distribution", required=True, metavar="DISTRIBUTION_ID")
    p.add_argument("--note", default="", help="a note kept with the approval")
    p.set_defaults(handler=_approve)

    p = actions.add_parser("list", parents=common, help="one line per distribution, by fund")
    p.add_argument("--fund", metavar="FUND_ID", help="one fund (default: every fund)")
    p.set_defaults(handler=_list)

    p = actions.add_parser("show", parents=common, help="one distribution, LP by LP")
    p.add_argument("--distribution", required=True, metavar="DISTRIBUTION_ID")
    p.set_defaults(handler=_show)


def _find(ws: Workspace, distribution_id: str) -> DistributionSheet:
    try:
        return distribution_sheet(ws, distribution_id)
    except RecordNotFound:
        raise Refused(
            f"the distribution (--distribution): no distribution {distribution_id!r} in this "
            "organization"
        ) from None


def _draft(args: Any) -> int:
    on = args.date
    with opened(args) as ws:
        fund = fund_named(ws, args.fund)
        amount = money_of(args.amount, fund.currency, "the amount (--amount)")
        command = build(
            lambda: DistributionCreatePayload(
                fund_id=fund.fund_id,
                amount=amount,
                basis=args.basis,
                distribution_date=on,
                source=args.source,
                note=args.note,
                split_rule="as_of_date",
                recallable=args.recallable,
                offset_unpaid_calls=args.offset_unpaid_calls,
                **({"deal_id": args.deal} if args.deal else {}),
            ),
            FIELDS,
        )
        preview = preview_draft(ws, command)
        if preview.refusal is not None:
            raise refused(preview.refusal, FIELDS)
        what = f"distribution of {money_text(amount.amount, fund.currency)} ({args.basis})"
        print(preview_text(preview, what), file=sys.stdout if args.dry_run else sys.stderr)
        if args.dry_run:
            print("Dry run: nothing was drafted.")
            return 0
        result = submit(ws, command, FIELDS)
    c = fund.currency
    carry = f", the GP's carry {money_text(preview.gp_carry, c)}" if preview.gp_carry else ""
    print(result.entity_id)
    print(
        f"Drafted a distribution of {money_text(amount.amount, c)} to {len(preview.shares)} "
        f"LPs of {fund.name}{carry}, dated {on.isoformat()}, from {args.source.replace('_', ' ')}. "
        f"Issue it with: dealos distribution issue --distribution {result.entity_id}"
    )
    return 0


def _plan(d: DistributionRecord) -> str:
    """``Issue distribution 2: $1,000,000.00 to 3 LPs, dated 2026-12-31``."""
    carry = f" (the GP's carry {money_text(d.gp_carry, d.currency)} included)" if d.gp_carry else ""
    return (
        f"Issue distribution {d.next_number}: {money_text(d.amount, d.currency)} to "
        f"{d.investors} LPs{carry}, dated {d.distribution_date.isoformat()}"
    )


def _about(d: DistributionRecord) -> dict[str, str]:
    """``FIELDS`` with the distribution itself named: ``distribution 2 of Fund I``."""
    words = f"{d.label} of {d.fund_name} (--distribution)"
    return {**FIELDS, "": words, "entity_id": words, "base_version": words}


def _issue(args: Any) -> int:
    with opened(args) as ws:
        d = _find(ws, args.distribution).distribution
        command = build(lambda: DistributionIssuePayload(note=args.note), FIELDS)
        trial: DryRun[None] = ws.dry_run(
            command, entity_id=d.distribution_id, base_version=d.version
        )
        if trial.refusal is not None:
            if d.status == "draft":
                print(_plan(d), file=sys.stderr)
            raise refused(trial.refusal, _about(d))
        confirm(_plan(d), yes=args.yes)
        submit(ws, command, _about(d), entity_id=d.distribution_id, base_version=d.version)
        issued = _find(ws, d.distribution_id).distribution
    print(d.distribution_id)
    print(
        f"Issued distribution {issued.number} of {d.fund_name}: "
        f"{money_text(d.amount, d.currency)} to {d.investors} LPs, dated "
        f"{d.distribution_date.isoformat()}. Each LP's notice: dealos report notice "
        f"--distribution {d.distribution_id} --lp LP_ID --out FILE.pdf"
    )
    return 0


def _approve(args: Any) -> int:
    with opened(args) as ws:
        d = _find(ws, args.distribution).distribution
        command = build(lambda: DistributionApprovePayload(note=args.note), FIELDS)
        submit(ws, command, _about(d), entity_id=d.distribution_id, base_version=d.version)
    print(d.distribution_id)
    print(
        f"Approved {d.label} of {d.fund_name} ({money_text(d.amount, d.currency)}) as the "
        f"second GP; a GP may now issue it: dealos distribution issue --distribution "
        f"{d.distribution_id}"
    )
    return 0


def _status(d: DistributionRecord) -> str:
    if d.status == "draft" and d.approval.summary != "—":
        return f"draft, {d.approval.summary}"
    return d.status


def _list(args: Any) -> int:
    with opened(args) as ws:
        if args.fund is not None:
            fund_named(ws, args.fund)
        funds = distribution_records(ws, fund_id=args.fund)
    blocks = []
    for _, found in funds:
        if not found:
            continue
        c = found[0].currency
        rows = [["No.", "Date", f"Amount ({c})", "Basis", "Source", "Status", "Recallable", "Id"]]
        for d in found:
            rows.append(
                [
                    "-" if d.number is None else str(d.number),
                    d.distribution_date.isoformat(),
                    figure_text(d.amount, c),
                    d.basis.replace("_", "-"),
                    d.source.replace("_", " "),
                    _status(d),
                    "recallable" if d.recallable else "",
                    d.distribution_id,
                ]
            )
        blocks.append(f"{found[0].fund_name} ({c})\n{table(rows, right=(2,))}")
    print("\n\n".join(blocks) if blocks else "No distributions yet.")
    return 0


def _show(args: Any) -> int:
    with opened(args) as ws:
        sheet = _find(ws, args.distribution)
    d, c = sheet.distribution, sheet.distribution.currency
    title = f"Distribution {d.number}" if d.number else "Draft distribution"
    flags = [
        w for w, on in (("recallable", d.recallable), ("set off", d.offsets_unpaid_calls)) if on
    ]
    lines = [
        f"{title} of {d.fund_name}: {_status(d)}",
        f"Id         {d.distribution_id}",
        f"Dated      {d.distribution_date.isoformat()}, from {d.source.replace('_', ' ')}"
        + (f" ({d.deal_name})" if d.deal_name else ""),
        f"Amount     {money_text(d.amount, c)} by {d.basis.replace('_', '-')}, to "
        f"{d.investors} LPs; the GP's carry {money_text(d.gp_carry, c)}"
        + (f"; {', '.join(flags)}" if flags else ""),
    ]
    if d.number is None:
        second = "no second GP needed" if d.approval.summary == "—" else d.approval.summary
        lines.append(f"To issue   it becomes distribution {d.next_number}; {second}")
    rows = [["LP", f"Amount ({c})", "GP carry", "Withheld", "Set off", "Paid to LP", "LP id"]]
    for s in sheet.shares:
        rows.append(
            [
                s.lp_name,
                figure_text(s.amount, c),
                figure_text(s.carry, c),
                figure_text(s.withheld, c),
                figure_text(s.offset, c),
                figure_text(s.paid, c),
                s.lp_id,
            ]
        )
    print("\n".join(lines))
    print(table(rows, right=(1, 2, 3, 4, 5)))
    return 0
