"""Which unpaid call share each line of a bank statement pays, and why — or why none.

Lines are taken in the statement's order against what each LP still owes on the issued
calls (:func:`core.views.call_register.owed_shares`), each match lowering what is left, so
two lines never settle the same money twice:

1. a line whose payment id the ledger already holds was recorded by an earlier import;
2. money paid out (a negative or zero amount) is never matched;
3. a payment reference (``HPREFI-C06-LP004``, :mod:`core.reports.payment_reference`) in the
   reference, description or payer text names the call and the LP; hyphens and spaces
   inside it may be missing. A reference that names no unpaid share, or an amount above
   what is left on it, leaves the line unmatched for a person to look at;
4. without a reference, an amount equal to exactly one unpaid share matches it; equal to
   several, or to none, the line stays unmatched.

Matching proposes; recording is a ``capital_call.payment`` command per matched line, and
the reducer still checks each one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Final, Literal

from core.commands.workspace import Step
from core.money import Money, money_text
from core.ops.payloads.capital import CapitalCallPaymentPayload
from core.views.bank_statement import StatementLine
from core.views.call_register import OwedShare, RecordedPayment

__all__ = ["LineMatch", "match_statement", "payment_steps", "references_in"]

_REFERENCE: Final = re.compile(
    r"\b([A-Z0-9]{1,8})[ -]?C([0-9]{2,})[ -]?LP([0-9]{3,})\b", re.IGNORECASE
)

Status = Literal["matched", "recorded", "unmatched"]


@dataclass(frozen=True, slots=True)
class LineMatch:
    """A statement line, the share it pays (when ``matched``) and the reason, in words."""

    line: StatementLine
    status: Status
    share: OwedShare | None
    reason: str


def references_in(*texts: str) -> list[str]:
    """Every payment reference written in ``texts``, in canonical form, in order."""
    found = []
    for text in texts:
        for code, call, lp in _REFERENCE.findall(text):
            ref = f"{code.upper()}-C{int(call):02d}-LP{int(lp):03d}"
            if ref not in found:
                found.append(ref)
    return found


def _key(share: OwedShare) -> tuple[str, str]:
    return share.call.call_id, share.lp_id


def _what(share: OwedShare) -> str:
    return f"{share.lp_name}, {share.call.label} of {share.call.fund_name}"


def match_statement(
    lines: tuple[StatementLine, ...],
    owed: list[OwedShare],
    recorded: dict[str, RecordedPayment],
    currency: str,
) -> tuple[LineMatch, ...]:
    """Each line (amounts in ``currency``) matched to an unpaid share, or left unmatched
    with the reason."""
    left = {_key(s): s.outstanding for s in owed}
    by_reference = {s.reference: s for s in owed}
    out = []
    for line in lines:
        out.append(_match(line, owed, by_reference, left, recorded, currency))
    return tuple(out)


def _match(
    line: StatementLine,
    owed: list[OwedShare],
    by_reference: dict[str, OwedShare],
    left: dict[tuple[str, str], Decimal],
    recorded: dict[str, RecordedPayment],
    currency: str,
) -> LineMatch:
    earlier = recorded.get(line.payment_id)
    if earlier is not None:
        return LineMatch(
            line,
            "recorded",
            None,
            f"by an earlier import (payment {earlier.payment_id})",
        )
    if line.amount <= 0:
        return LineMatch(line, "unmatched", None, "money paid out, not received")
    amount = money_text(line.amount, currency)
    references = references_in(line.reference, line.description, line.payer)
    if references:
        share = next((by_reference[r] for r in references if r in by_reference), None)
        if share is None:
            return LineMatch(
                line,
                "unmatched",
                None,
                f"reference {references[0]} names no unpaid share of an issued call",
            )
        owes = left[_key(share)]
        c = currency
        if line.amount > owes:
            return LineMatch(
                line,
                "unmatched",
                share,
                f"{amount} exceeds {share.lp_name}'s outstanding {money_text(owes, c)} on "
                f"{share.call.label} of {share.call.fund_name} by "
                f"{money_text(line.amount - owes, c)}",
            )
        left[_key(share)] = owes - line.amount
        return LineMatch(line, "matched", share, f"by reference {share.reference}")
    fits = [s for s in owed if left[_key(s)] == line.amount]
    if len(fits) == 1:
        left[_key(fits[0])] = Decimal(0)
        return LineMatch(
            line, "matched", fits[0], f"by amount: the only unpaid share of exactly {amount}"
        )
    if fits:
        names = "; ".join(_what(s) for s in fits[:3]) + ("; …" if len(fits) > 3 else "")
        return LineMatch(
            line,
            "unmatched",
            None,
            f"{len(fits)} unpaid shares are exactly {amount} ({names}); "
            "only a payment reference can tell which",
        )
    return LineMatch(
        line, "unmatched", None, f"no payment reference, and no unpaid share is exactly {amount}"
    )


def payment_steps(matches: list[LineMatch], currency: str) -> list[Step]:
    """The payments of the matched lines, in statement order, as one batch of commands:
    each written against the version its call will have when it comes (a call paid by
    two lines moves one version per payment)."""
    versions: dict[str, int] = {}
    steps = []
    for m in matches:
        if m.status != "matched" or m.share is None:
            continue
        call = m.share.call
        version = versions.get(call.call_id, call.version)
        steps.append(
            Step(
                CapitalCallPaymentPayload(
                    payment_id=m.line.payment_id,
                    lp_id=m.share.lp_id,
                    amount=Money(m.line.amount, currency),
                    currency=currency,
                    paid_on=m.line.paid_on,
                ),
                entity_id=call.call_id,
                base_version=version,
            )
        )
        versions[call.call_id] = version + 1
    return steps
