"""``dealos payment``: record a payment received against an issued call, or import a bank
statement and record the payments it matches.

``record`` submits one ``capital_call.payment`` command; the reducer refuses an amount
above what the LP still owes on the call, and its words are printed with the call's
number. ``import`` reads a CSV statement (:mod:`core.views.bank_statement` documents the
format), matches each line by payment reference, else by an amount owed by exactly one LP
(:mod:`core.views.payment_matching`), prints a review table and, with ``--confirm``,
records the matched lines. Each line's payment id derives from the line, so a statement
imported twice records nothing the second time.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from core.cli.call_commands import find_call
from core.cli.money_terminal import (
    build,
    fund_named,
    refused,
    submit,
    table,
)
from core.cli.refusals import Refused, actions_of, amount_text, iso_date, money_of, opened
from core.commands.workspace import Workspace
from core.errors import OpRejected
from core.ids import new_id
from core.money import figure_text, money_text
from core.ops.payloads.capital import CapitalCallPaymentPayload
from core.views.bank_statement import StatementError, read_statement
from core.views.call_register import CallRecord, owed_shares, recorded_payments
from core.views.capital_view import list_funds
from core.views.payment_matching import LineMatch, match_statement, payment_steps

__all__ = ["register"]

FIELDS = {
    "payload.lp_id": "the LP (--lp)",
    "payload.amount": "the amount (--amount)",
    "payload.currency": "the currency",
    "payload.paid_on": "the payment date (--on)",
    "payload.payment_id": "the payment",
    "entity_id": "the call (--call)",
    "base_version": "the call (--call)",
    "": "the call (--call)",
}


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    common: list[argparse.ArgumentParser],
) -> None:
    payment = sub.add_parser("payment", help="payments received against capital calls")
    actions = actions_of(payment, "payment_command")
    p = actions.add_parser("record", parents=common, help="record one payment an LP made")
    p.add_argument("--call", required=True, metavar="CALL_ID")
    p.add_argument("--lp", required=True, metavar="LP_ID")
    p.add_argument(
        "--amount", required=True, type=amount_text, help="as received, such as 12000.00"
    )
    p.add_argument(
        "--on", required=True, type=iso_date, metavar="YYYY-MM-DD", help="the day it was received"
    )
    p.set_defaults(handler=_record)

    p = actions.add_parser(
        "import",
        parents=common,
        help="match a bank statement (CSV) to the calls' unpaid shares; record with --confirm",
    )
    p.add_argument("file", type=Path, metavar="FILE.csv")
    p.add_argument("--confirm", action="store_true", help="record the matched lines")
    p.add_argument(
        "--fund",
        metavar="FUND_ID",
        help="only this fund's calls (needed when funds differ "
        "in currency: the statement's currency is its fund's)",
    )
    p.set_defaults(handler=_import)


def _on(call: CallRecord, line: str = "") -> dict[str, str]:
    """``FIELDS`` said of one call: ``the amount (--amount) on call 3 of Fund I``."""
    return {k: f"{v}{line} on {call.label} of {call.fund_name}" for k, v in FIELDS.items()}


def _record(args: Any) -> int:
    with opened(args) as ws:
        call = find_call(ws, args.call).call
        amount = money_of(args.amount, call.currency, "the amount (--amount)")
        paid_on = args.on
        payment_id = new_id()
        command = build(
            lambda: CapitalCallPaymentPayload(
                payment_id=payment_id,
                lp_id=args.lp,
                amount=amount,
                currency=call.currency,
                paid_on=paid_on,
            ),
            FIELDS,
        )
        submit(ws, command, _on(call), entity_id=call.call_id, base_version=call.version)
        after = find_call(ws, call.call_id)
    share = next(s for s in after.shares if s.lp_id == args.lp)
    c = call.currency
    print(payment_id)
    print(
        f"Recorded {money_text(amount.amount, c)} from {share.lp_name} on {call.label} of "
        f"{call.fund_name}, received {paid_on.isoformat()}; {share.lp_name} still owes "
        f"{money_text(share.outstanding, c)} on it."
    )
    return 0


def _currency(ws: Workspace, fund_id: str | None) -> str:
    if fund_id is not None:
        return fund_named(ws, fund_id).currency
    currencies = sorted({f.currency for f in list_funds(ws)})
    if not currencies:
        raise Refused("the statement: this organization has no fund, so no call to pay")
    if len(currencies) > 1:
        raise Refused(
            f"the fund (--fund): the funds are in {', '.join(currencies)}; name the fund whose "
            "account the statement is of"
        )
    return currencies[0]


def _review(matches: tuple[LineMatch, ...], currency: str) -> str:
    rows = [["Line", "Date", f"Amount ({currency})", "Payer", "Match", "Reason"]]
    for m in matches:
        if m.status == "matched" and m.share is not None:
            what = f"{m.share.lp_name}, {m.share.call.label} of {m.share.call.fund_name}"
        else:
            what = "already recorded" if m.status == "recorded" else "unmatched"
        who = m.line.who if len(m.line.who) <= 30 else m.line.who[:29] + "…"
        rows.append(
            [
                str(m.line.line_no),
                m.line.paid_on.isoformat(),
                figure_text(m.line.amount, currency),
                who,
                what,
                m.reason,
            ]
        )
    return table(rows, right=(0, 2))


def _import(args: Any) -> int:
    with opened(args) as ws:
        currency = _currency(ws, args.fund)
        try:
            lines = read_statement(args.file, currency=currency, org_id=ws.org_id)
        except StatementError as exc:
            raise Refused(f"{exc}; nothing was recorded from the file") from None
        owed = owed_shares(ws, currency=currency, fund_id=args.fund)
        recorded = recorded_payments(ws, [line.payment_id for line in lines])
        matches = match_statement(lines, owed, recorded, currency)
        print(_review(matches, currency))
        matched = [m for m in matches if m.status == "matched"]
        unmatched = sum(1 for m in matches if m.status == "unmatched")
        before = sum(1 for m in matches if m.status == "recorded")
        tail = f"{unmatched} line{'s' * (unmatched != 1)} unmatched (listed, not recorded)"
        if not matched:
            lines_were = f"{before} line{'s were' if before != 1 else ' was'}"
            why = (
                f"{lines_were} recorded by an earlier import of this statement"
                if before
                else "no line matches an unpaid share"
            )
            print(f"Nothing recorded: {why}; {tail}.")
            return 0
        if before:
            tail += f"; {before} recorded by an earlier import"
        if not args.confirm:
            print(
                f"Nothing recorded yet: {len(matched)} line{'s' * (len(matched) != 1)} "
                f"matched; {tail}. Run again with --confirm to record the matched lines."
            )
            return 0
        # All the matched lines or none: a refusal names its line, and nothing is written.
        try:
            ws.submit_all(payment_steps(matched, currency))
        except OpRejected as exc:
            step = exc.details.get("step")
            m = matched[step] if isinstance(step, int) and step < len(matched) else None
            where = "" if m is None else f" (line {m.line.line_no})"
            words = _on(m.share.call, where) if m is not None and m.share is not None else {}
            raise refused(exc, words) from None
        for m in matched:
            assert m.share is not None
            call = m.share.call
            print(
                f"recorded payment {m.line.payment_id}: "
                f"{money_text(m.line.amount, currency)} from {m.share.lp_name} on "
                f"{call.label} of {call.fund_name} (line {m.line.line_no})"
            )
    print(f"Recorded {len(matched)} payment{'s' * (len(matched) != 1)}; {tail}.")
    return 0
