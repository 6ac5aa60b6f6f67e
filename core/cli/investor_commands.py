"""``dealos lp`` and ``dealos commitment``: add and edit LPs with their contacts, record
commitments, list LPs, and import both from a spreadsheet.

``lp add``, ``lp edit`` and ``commitment add`` print the record's id alone on the first
line, then what they did. ``lp import FILE`` previews every row's result (or its problem,
by row and column) and writes nothing; with ``--confirm`` and no problem it records the
whole file in one transaction. Every change is a typed command submitted to the workspace.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from core.cli.fund_commands import fund_of
from core.cli.refusals import (
    Refused,
    Words,
    actions_of,
    amount_text,
    contact_text,
    iso_date,
    money_of,
    opened,
    plain_rule,
    submit,
)
from core.commands.workspace import Workspace
from core.errors import OpRejected
from core.ids import new_id
from core.money import money_text
from core.ops.payloads.investors import (
    CommitmentCreatePayload,
    CommitmentTransferPayload,
    Contact,
    LpCreatePayload,
    LpUpdatePayload,
)
from core.views.fund_admin import ContactRecord, LpRecord, lp_record, lp_records
from core.views.investor_import import preview_import
from core.views.investor_sheet import SheetRefused, write_template

__all__ = ["register"]

SubParsers = argparse._SubParsersAction

LP_TYPES = ("institution", "individual", "family_office", "fund_of_funds", "gp")
_LP: Words = {
    "entity_id": "--lp",
    "base_version": "the LP",
    "payload": "the LP",
    "payload.name": "the LP's name (--name)",
    "payload.lp_type": "the LP's type (--type)",
    "payload.contacts": "the contacts (--contact)",
    "payload.contacts.*.contact_id": "the contacts (--contact)",
}


def register(
    sub: SubParsers[argparse.ArgumentParser], common: list[argparse.ArgumentParser]
) -> None:
    lp = sub.add_parser("lp", help="investors: add, edit, list, import")
    actions = actions_of(lp, "lp_command")
    p = actions.add_parser("add", parents=common, help="a new LP; prints its id")
    p.add_argument("--name", required=True, help="the investor's legal name")
    p.add_argument("--type", required=True, choices=LP_TYPES, dest="lp_type")
    p.add_argument(
        "--contact",
        action="append",
        type=contact_text,
        default=[],
        metavar='"NAME <EMAIL>"',
        help="a person notices go to (repeat for several)",
    )
    p.set_defaults(handler=_add)

    p = actions.add_parser("edit", parents=common, help="rename an LP or replace its contacts")
    p.add_argument("--lp", required=True, metavar="LP_ID")
    p.add_argument("--name", help="the LP's new name")
    p.add_argument(
        "--contact",
        action="append",
        type=contact_text,
        metavar='"NAME <EMAIL>"',
        help="the LP's contacts, all of them (they replace the list; repeat for several)",
    )
    p.set_defaults(handler=_edit)

    p = actions.add_parser("list", parents=common, help="one line per LP")
    p.add_argument("--fund", metavar="FUND_ID", help="only the LPs committed to this fund")
    p.set_defaults(handler=_list)

    p = actions.add_parser("template", parents=common, help="write an import template")
    p.add_argument("--out", required=True, type=Path, metavar="FILE.xlsx|FILE.csv")
    p.set_defaults(handler=_template)

    p = actions.add_parser("import", parents=common, help="LPs and commitments from a file")
    p.add_argument("file", type=Path, metavar="FILE.xlsx|FILE.csv")
    p.add_argument("--confirm", action="store_true", help="record it (default: preview only)")
    p.set_defaults(handler=_import)

    commitment = sub.add_parser("commitment", help="an LP's commitment to a fund")
    commitment_actions = actions_of(commitment, "commitment_command")
    p = commitment_actions.add_parser(
        "add", parents=common, help="record a commitment; prints its id"
    )
    p.add_argument("--fund", required=True, metavar="FUND_ID")
    p.add_argument("--lp", required=True, metavar="LP_ID")
    p.add_argument("--amount", required=True, type=amount_text, help="e.g. 1000000.00")
    p.add_argument("--on", required=True, type=iso_date, metavar="YYYY-MM-DD")
    p.set_defaults(handler=_commitment)
    p = commitment_actions.add_parser(
        "transfer", parents=common, help="pass unfunded commitment to another LP; prints its id"
    )
    p.add_argument("--fund", required=True, metavar="FUND_ID")
    p.add_argument("--from", dest="from_lp", required=True, metavar="LP_ID", help="transferor")
    p.add_argument("--to", dest="to_lp", required=True, metavar="LP_ID", help="transferee")
    p.add_argument("--amount", required=True, type=amount_text, help="e.g. 2000000.00")
    p.add_argument("--on", required=True, type=iso_date, metavar="YYYY-MM-DD")
    p.add_argument("--note", default="", help="e.g. 'secondary sale, agreement of 2026-03-30'")
    p.set_defaults(handler=_transfer)


def _contacts(typed: list[tuple[str, str]], held: tuple[ContactRecord, ...] = ()) -> list[Contact]:
    """The typed contacts as the command holds them; one already on the LP under the same
    email keeps its id (and phone and title)."""
    by_email = {c.email: c for c in held}
    found = []
    for number, (name, email) in enumerate(typed, start=1):
        kept = by_email.get(email.lower())
        said = f"contact {number} (--contact {name} <{email}>)"
        try:
            found.append(
                Contact(
                    contact_id=kept.contact_id if kept else new_id(),
                    name=name,
                    email=email,
                    phone=kept.phone if kept else None,
                    title=kept.title if kept else None,
                )
            )
        except ValidationError as exc:
            first = exc.errors()[0]
            what = "name" if first["loc"] and first["loc"][0] == "name" else "email"
            rule = plain_rule(first["msg"].removeprefix("Value error, "))
            raise Refused(f"the {what} of {said}: {rule}") from None
    return found


def _said(contacts: list[Contact] | tuple[ContactRecord, ...]) -> str:
    return ", ".join(f"{c.name} <{c.email}>" for c in contacts)


def lp_of(ws: Workspace, lp_id: str, option: str = "--lp") -> LpRecord:
    found = lp_record(ws, lp_id)
    if found is None:
        raise Refused(f"{option}: no LP {lp_id} in this organization (dealos lp list)")
    return found


def _add(args: Any) -> int:
    contacts = _contacts(args.contact)
    with opened(args) as ws:
        same = [lp for lp in lp_records(ws) if lp.name == args.name]
        result = submit(
            ws,
            lambda: LpCreatePayload(name=args.name, lp_type=args.lp_type, contacts=contacts),
            _LP,
        )
    kind = args.lp_type.replace("_", " ")
    print(result.entity_id)
    with_contacts = f" with contact{'s' if len(contacts) > 1 else ''} {_said(contacts)}"
    print(f"added LP {args.name} ({kind}){with_contacts if contacts else ''}")
    if same:
        print(
            f"note: {len(same)} other LP{'s are' if len(same) > 1 else ' is'} named "
            f"{args.name} ({', '.join(lp.lp_id for lp in same)}); an import cannot tell "
            "them apart",
            file=sys.stderr,
        )
    return 0


def _edit(args: Any) -> int:
    if args.name is None and args.contact is None:
        raise Refused("nothing to change: give --name or the LP's contacts (--contact)")
    with opened(args) as ws:
        lp = lp_of(ws, args.lp)
        contacts = None if args.contact is None else _contacts(args.contact, lp.contacts)
        submit(
            ws,
            lambda: LpUpdatePayload(name=args.name, contacts=contacts),
            _LP,
            entity_id=lp.lp_id,
            base_version=lp.version,
        )
        after = lp_of(ws, lp.lp_id)
    done = []
    if args.name is not None:
        done.append(f"renamed {lp.name} to {after.name}")
    if contacts is not None:
        done.append(f"contacts: {_said(after.contacts) or 'none'}")
    print(after.lp_id)
    print(f"updated LP {after.name}: " + "; ".join(done))
    return 0


def _list(args: Any) -> int:
    with opened(args) as ws:
        if args.fund is None:
            found = lp_records(ws)
        else:
            fund = fund_of(ws, args.fund)
            found = lp_records(ws, fund_id=fund.fund_id)
    for lp in found:
        if args.fund is None:
            totals: dict[str, Decimal] = defaultdict(Decimal)
            for c in lp.commitments:
                totals[c.currency] += c.amount
            committed = ", ".join(
                money_text(a, cur, symbol=False) for cur, a in sorted(totals.items())
            )
            print(f"{lp.lp_id}  {lp.lp_type:<13} {lp.name:<44} committed {committed or '-'}")
            continue
        one = lp.commitment_to(args.fund)
        assert one is not None
        print(
            f"{lp.lp_id}  {lp.lp_type:<13} {lp.name:<44} committed "
            f"{money_text(one.amount, one.currency, symbol=False)} on {one.committed_on}"
        )
    return 0


def _commitment(args: Any) -> int:
    words: Words = {
        "payload.fund_id": "the fund (--fund)",
        "payload.lp_id": "the LP (--lp)",
        "payload.amount": "the commitment amount (--amount)",
        "payload.currency": "the fund's currency",
        "payload.committed_on": "the commitment date (--on)",
    }
    with opened(args) as ws:
        fund = fund_of(ws, args.fund)
        lp = lp_of(ws, args.lp)
        amount = money_of(args.amount, fund.currency, "the commitment amount (--amount)")
        result = submit(
            ws,
            lambda: CommitmentCreatePayload(
                fund_id=fund.fund_id,
                lp_id=lp.lp_id,
                amount=amount,
                currency=fund.currency,
                committed_on=args.on,
            ),
            words,
        )
    print(result.entity_id)
    print(
        f"recorded {lp.name}'s commitment of {money_text(amount.amount, amount.currency)} "
        f"to {fund.name}, dated {args.on}"
    )
    return 0


def _transfer(args: Any) -> int:
    words: Words = {
        "payload.fund_id": "the fund (--fund)",
        "payload.from_lp_id": "the transferor (--from)",
        "payload.to_lp_id": "the transferee (--to)",
        "payload.amount": "the amount (--amount)",
        "payload.currency": "the fund's currency",
        "payload.effective_date": "the transfer date (--on)",
        "payload.note": "the note (--note)",
    }
    with opened(args) as ws:
        fund = fund_of(ws, args.fund)
        source, target = lp_of(ws, args.from_lp), lp_of(ws, args.to_lp)
        amount = money_of(args.amount, fund.currency, "the amount (--amount)")
        result = submit(
            ws,
            lambda: CommitmentTransferPayload(
                fund_id=fund.fund_id,
                from_lp_id=source.lp_id,
                to_lp_id=target.lp_id,
                amount=amount,
                currency=fund.currency,
                effective_date=args.on,
                note=args.note,
            ),
            words,
        )
        after = {lp.lp_id: lp.commitment_to(fund.fund_id) for lp in lp_records(ws)}
    left, now = after.get(source.lp_id), after.get(target.lp_id)
    held = money_text(left.amount if left else Decimal(0), fund.currency)
    received = money_text(now.amount if now else Decimal(0), fund.currency)
    print(result.entity_id)
    print(
        f"transferred {money_text(amount.amount, amount.currency)} of {source.name}'s unfunded "
        f"commitment to {fund.name} to {target.name}, effective {args.on}; "
        f"{source.name} now commits {held}, {target.name} {received}"
    )
    return 0


def _template(args: Any) -> int:
    try:
        write_template(args.out)
    except SheetRefused as exc:
        raise Refused(f"--out: {exc}") from None
    print(
        f"wrote an import template to {args.out}: one row per LP and commitment; "
        f"fill it in, then run dealos lp import {args.out}"
    )
    return 0


def _import(args: Any) -> int:
    with opened(args) as ws:
        preview = preview_import(ws, args.file)
        plan = preview.plan
        for column in preview.ignored:
            print(f"column ‘{column}’ is not one the import reads: ignored")
        print("\n".join(plan.lines))
        name = args.file.name
        if plan.problems:
            count = len(plan.problems)
            raise Refused(
                f"{name} was not imported, nothing was written: "
                f"{count} problem{'s' if count > 1 else ''}, the first: {plan.problems[0]}"
            )
        if not plan.steps:
            print(f"nothing to add: every LP and commitment in {name} is already recorded")
            return 0
        if not args.confirm:
            print(
                f"{name} would add {plan.summary()}; nothing is written until you run "
                "it again with --confirm"
            )
            return 0
        try:
            ws.submit_all(plan.steps)
        except OpRejected as exc:
            step = int(exc.details.get("step", 0))
            raise Refused(
                f"{name} was not imported, nothing was written: {plan.refusal(exc, step)}"
            ) from None
    print(f"imported {name}: added {plan.summary()}")
    for lp_id, lp_name in plan.new_lps:
        print(f"{lp_id}  {lp_name}")
    return 0
