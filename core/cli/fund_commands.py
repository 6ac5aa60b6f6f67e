"""``dealos fund`` and ``dealos nav``: create a fund, name it, set its LPA terms, the wire
instructions its notices print and its four-eyes threshold; list and show funds; record a
NAV.

A command that creates or changes one record prints that record's id alone on its first
line (``FUND=$(dealos fund create … | head -n 1)``), then what it did in words. Every
change is a typed command submitted to the workspace; every refusal names the option and
the rule (:mod:`core.cli.refusals`) and exits 1.
"""

from __future__ import annotations

import argparse
from decimal import Decimal
from typing import Any

from core.cli.refusals import (
    Refused,
    Words,
    actions_of,
    amount_text,
    iso_date,
    money_of,
    opened,
    rate_text,
    submit,
)
from core.commands.workspace import Workspace
from core.ids import new_id
from core.money import figure_text, money_text
from core.ops.payloads.deals import FundCreatePayload
from core.ops.payloads.funds import (
    FundClosePayload,
    FundFourEyesSetPayload,
    FundNavRecordPayload,
    FundTermsSetPayload,
    FundUpdatePayload,
    PaymentInstructions,
)
from core.views.fund_admin import (
    FundRecord,
    four_eyes_in_words,
    fund_record,
    payment_in_words,
    percent,
    terms_in_words,
)
from core.views.fund_admin import fund_records as list_fund_records

__all__ = ["fund_of", "percent", "register", "terms_in_words"]

SubParsers = argparse._SubParsersAction

_BANK = ("bank_name", "account_name", "account_number", "routing", "swift", "reference")
_FUND: Words = {"entity_id": "--fund", "base_version": "the fund"}
_PAYMENT: Words = {
    "payload.bank_name": "the bank's name (--bank-name)",
    "payload.account_name": "the account name (--account-name)",
    "payload.account_number": "the account number (--account-number)",
    "payload.account_number#form": "must be 4 to 40 capital letters, digits, spaces or hyphens",
    "payload.routing": "the routing number (--routing)",
    "payload.routing#form": "must be 4 to 20 capital letters, digits, spaces or hyphens",
    "payload.swift": "the SWIFT/BIC code (--swift)",
    "payload.swift#form": "must be 8 or 11 capital letters and digits, such as CHASUS33",
    "payload.reference": "the payment reference (--reference)",
}


def register(
    sub: SubParsers[argparse.ArgumentParser], common: list[argparse.ArgumentParser]
) -> None:
    fund = sub.add_parser("fund", help="set up funds: terms, wire details, four-eyes")
    actions = actions_of(fund, "fund_command")
    p = actions.add_parser("create", parents=common, help="a new fund; prints its id")
    p.add_argument("--name", required=True, help="the fund's name, e.g. 'Fund I'")
    p.add_argument("--currency", required=True, help="ISO 4217 code it reports in, e.g. USD")
    p.add_argument("--vintage", type=int, metavar="YEAR", help="vintage year, e.g. 2026")
    p.set_defaults(handler=_create)

    p = actions.add_parser("edit", parents=common, help="rename; set the wire instructions")
    p.add_argument("--fund", required=True, metavar="FUND_ID")
    p.add_argument("--name", help="the fund's new name")
    p.add_argument("--bank-name", help="bank LPs pay calls into (printed on notices)")
    p.add_argument("--account-name", help="name on the account")
    p.add_argument("--account-number", help="account number or IBAN")
    p.add_argument("--routing", help="routing (ABA) or sort code")
    p.add_argument("--swift", help="SWIFT/BIC code")
    p.add_argument("--reference", help="reference LPs quote with a payment")
    p.set_defaults(handler=_edit)

    p = actions.add_parser("terms", parents=common, help="set the LPA's distribution terms")
    p.add_argument("--fund", required=True, metavar="FUND_ID")
    p.add_argument("--style", required=True, choices=("european", "american"))
    p.add_argument("--pref", required=True, type=rate_text, metavar="RATE", help="e.g. 0.08")
    p.add_argument("--compounding", required=True, choices=("simple", "compound"))
    p.add_argument("--carry", required=True, type=rate_text, metavar="RATE", help="e.g. 0.20")
    p.add_argument("--catch-up", type=rate_text, metavar="RATE", help="1 for full; default none")
    p.add_argument(
        "--apportionment", choices=("contributions", "commitments"), default="contributions"
    )
    p.add_argument("--gp-name", required=True, help="the general partner, e.g. 'Acme GP LLC'")
    p.add_argument("--gp-commitment-lp", metavar="LP_ID", help="the LP holding the GP's own")
    p.add_argument("--withholding", type=rate_text, metavar="RATE", help="e.g. 0.15")
    p.add_argument("--clawback-tax", type=rate_text, metavar="RATE", help="e.g. 0.40")
    p.add_argument("--label", default="", help="where the LPA states them, e.g. 'LPA §8'")
    p.add_argument(
        "--effective",
        type=iso_date,
        metavar="YYYY-MM-DD",
        help="the day these terms take effect (default: from the fund's start)",
    )
    p.set_defaults(handler=_terms)

    p = actions.add_parser("close", parents=common, help="hold the final close")
    p.add_argument("--fund", required=True, metavar="FUND_ID")
    p.add_argument("--on", required=True, type=iso_date, metavar="YYYY-MM-DD")
    p.add_argument("--note", default="", help="e.g. 'final close per LPA §3.2'")
    p.set_defaults(handler=_close)

    p = actions.add_parser("four-eyes", parents=common, help="when a second GP must approve")
    p.add_argument("--fund", required=True, metavar="FUND_ID")
    p.add_argument(
        "--threshold",
        required=True,
        type=_threshold,
        metavar="AMOUNT|none",
        help="calls and distributions above it need a second GP; 0: all; none: no control",
    )
    p.set_defaults(handler=_four_eyes)

    p = actions.add_parser("list", parents=common, help="one line per fund with its figures")
    p.set_defaults(handler=_list)

    p = actions.add_parser("show", parents=common, help="terms, wire details, four-eyes")
    p.add_argument("--fund", required=True, metavar="FUND_ID")
    p.set_defaults(handler=_show)

    nav = actions_of(sub.add_parser("nav", help="a fund's net asset value"), "nav_command")
    p = nav.add_parser("record", parents=common, help="record a NAV mark; prints its id")
    p.add_argument("--fund", required=True, metavar="FUND_ID")
    p.add_argument("--as-of", required=True, type=iso_date, metavar="YYYY-MM-DD")
    p.add_argument("--nav", required=True, type=amount_text, metavar="AMOUNT")
    p.add_argument("--note", default="", help="e.g. 'Q3 2026 valuation'")
    p.set_defaults(handler=_nav)


def _threshold(raw: str) -> Decimal | None:
    return None if raw.strip().lower() == "none" else amount_text(raw)


def fund_of(ws: Workspace, fund_id: str, option: str = "--fund") -> FundRecord:
    """The fund an option names, or a refusal naming the option."""
    found = fund_record(ws, fund_id)
    if found is None:
        raise Refused(f"{option}: no fund {fund_id} in this organization (dealos fund list)")
    return found


def _create(args: Any) -> int:
    words: Words = {
        "payload.name": "the fund's name (--name)",
        "payload.currency": "the currency (--currency)",
        "payload.vintage_year": "the vintage year (--vintage)",
    }
    with opened(args) as ws:
        result = submit(
            ws,
            lambda: FundCreatePayload(
                name=args.name, currency=args.currency.upper(), vintage_year=args.vintage
            ),
            words,
        )
        fund = fund_of(ws, result.entity_id)
    vintage = f", vintage {fund.vintage_year}" if fund.vintage_year else ""
    print(fund.fund_id)
    print(f"created fund {fund.name} in {fund.currency}{vintage}")
    return 0


def _edit(args: Any) -> int:
    typed = {k: getattr(args, k) for k in _BANK if getattr(args, k) is not None}
    if args.name is None and not typed:
        raise Refused(
            "nothing to change: give --name, or the payment instructions "
            "(--bank-name, --account-name, --account-number, --routing, --swift, --reference)"
        )
    with opened(args) as ws:
        fund = fund_of(ws, args.fund)
        payment = None
        if typed:
            held = fund.payment
            given = {k: getattr(held, k) for k in _BANK} if held is not None else {}
            given.update(typed)
            needed = [f"--{k.replace('_', '-')}" for k in _BANK[:3] if not given.get(k)]
            if needed:
                raise Refused(
                    f"payment instructions need {', '.join(needed)} too: the fund has none yet"
                )
            payment = given

        def make() -> FundUpdatePayload:
            instructions = None if payment is None else PaymentInstructions(**payment)
            return FundUpdatePayload(name=args.name, payment_instructions=instructions)

        words = {**_FUND, **_PAYMENT, "payload.name": "the fund's name (--name)"}
        submit(ws, make, words, entity_id=fund.fund_id, base_version=fund.version)
        after = fund_of(ws, fund.fund_id)
    done = []
    if args.name is not None:
        done.append(f"renamed {fund.name} to {after.name}")
    if after.payment is not None and payment is not None:
        done.append(f"payment instructions: {payment_in_words(after.payment)}")
    print(after.fund_id)
    print(f"updated fund {after.name}: " + "; ".join(done))
    return 0


def _terms(args: Any) -> int:
    words: Words = {
        **_FUND,
        "payload": "the terms",
        "payload.gp_name": "the GP's name (--gp-name)",
        "payload.gp_commitment_lp_id": "the GP's commitment LP (--gp-commitment-lp)",
        "payload.clawback_tax_rate": "the clawback tax rate (--clawback-tax)",
        "payload.label": "the label (--label)",
        "payload.effective_date": "the effective date (--effective)",
    }
    with opened(args) as ws:
        fund = fund_of(ws, args.fund)
        submit(
            ws,
            lambda: FundTermsSetPayload(
                style=args.style,
                preferred_return=args.pref,
                compounding=args.compounding,
                carried_interest=args.carry,
                catch_up=args.catch_up,
                apportionment=args.apportionment,
                gp_name=args.gp_name,
                gp_commitment_lp_id=args.gp_commitment_lp,
                label=args.label,
                withholding_rate=args.withholding,
                clawback_tax_rate=args.clawback_tax,
                effective_date=args.effective,
            ),
            words,
            entity_id=fund.fund_id,
            base_version=fund.version,
        )
        after = fund_of(ws, fund.fund_id)
    assert after.terms is not None
    print(after.fund_id)
    print(f"set the LPA terms of {after.name}: {terms_in_words(after.terms)}")
    return 0


def _close(args: Any) -> int:
    words: Words = {
        **_FUND,
        "payload.final_close_date": "the final close date (--on)",
        "payload.note": "the note (--note)",
    }
    with opened(args) as ws:
        fund = fund_of(ws, args.fund)
        submit(
            ws,
            lambda: FundClosePayload(final_close_date=args.on, note=args.note),
            words,
            entity_id=fund.fund_id,
            base_version=fund.version,
        )
    print(fund.fund_id)
    print(
        f"held the final close of {fund.name} on {args.on}: no new commitment may be dated "
        "after it; interests change hands by transfer (dealos commitment transfer)"
    )
    return 0


def _four_eyes(args: Any) -> int:
    words: Words = {**_FUND, "payload.threshold": "the threshold (--threshold)"}
    with opened(args) as ws:
        fund = fund_of(ws, args.fund)
        threshold = (
            None
            if args.threshold is None
            else money_of(args.threshold, fund.currency, "the threshold (--threshold)")
        )
        submit(
            ws,
            lambda: FundFourEyesSetPayload(threshold=threshold, currency=fund.currency),
            words,
            entity_id=fund.fund_id,
            base_version=fund.version,
        )
        after = fund_of(ws, fund.fund_id)
    print(after.fund_id)
    print(f"four-eyes for {after.name}: {four_eyes_in_words(after)}")
    return 0


def _list(args: Any) -> int:
    with opened(args) as ws:
        funds = list_fund_records(ws)
    if not funds:
        print("no funds yet: create one with dealos fund create --name NAME --currency USD")
        return 0
    width = max(len(f.name) for f in funds)
    for f in funds:
        figures = "  ".join(
            f"{label} {figure_text(value, f.currency)}"
            for label, value in (
                ("committed", f.committed),
                ("called", f.called),
                ("paid-in", f.paid_in),
            )
        )
        lps = f"{f.lps} LP" + ("" if f.lps == 1 else "s")
        print(f"{f.name:<{width}}  {f.currency}  {f.fund_id}  {figures}  {lps}")
    return 0


def _show(args: Any) -> int:
    with opened(args) as ws:
        f = fund_of(ws, args.fund)
    vintage = f", vintage {f.vintage_year}" if f.vintage_year else ""
    lps = f"{f.lps} LP" + ("" if f.lps == 1 else "s")
    m = f.currency
    lines = [
        f"{f.name} ({f.currency}{vintage})",
        ("id", f.fund_id),
        (
            "figures",
            f"committed {money_text(f.committed, m)} by {lps}; called {money_text(f.called, m)}; "
            f"paid-in {money_text(f.paid_in, m)}",
        ),
        (
            "terms",
            terms_in_words(f.terms) if f.terms else "none set (dealos fund terms sets them)",
        ),
        (
            "payment",
            payment_in_words(f.payment)
            if f.payment
            else "none set: call notices print no wire instructions (dealos fund edit)",
        ),
        ("four-eyes", four_eyes_in_words(f)),
        (
            "close",
            f"final close held on {f.final_close}"
            if f.final_close
            else "open to new commitments (dealos fund close holds the final close)",
        ),
    ]
    latest = f.navs[-1] if f.navs else None
    lines.append(
        (
            "NAV",
            "none recorded (dealos nav record)"
            if latest is None
            else f"{money_text(latest.nav, m)} as of {latest.as_of}"
            + (f" ({latest.note})" if latest.note else ""),
        )
    )
    for line in lines:
        print(line if isinstance(line, str) else f"{line[0]:<10} {line[1]}")
    return 0


def _nav(args: Any) -> int:
    words: Words = {
        **_FUND,
        "payload.as_of": "the NAV date (--as-of)",
        "payload.nav": "the NAV (--nav)",
        "payload.note": "the note (--note)",
    }
    with opened(args) as ws:
        fund = fund_of(ws, args.fund)
        nav = money_of(args.nav, fund.currency, "the NAV (--nav)")
        valuation_id = new_id()
        submit(
            ws,
            lambda: FundNavRecordPayload(
                valuation_id=valuation_id,
                as_of=args.as_of,
                nav=nav,
                currency=fund.currency,
                note=args.note,
            ),
            words,
            entity_id=fund.fund_id,
            base_version=fund.version,
        )
    print(valuation_id)
    figure = money_text(nav.amount, nav.currency)
    print(f"recorded the NAV of {fund.name} as of {args.as_of}: {figure}")
    return 0
