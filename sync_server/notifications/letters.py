"""The email an LP gets when a capital call or a distribution is issued.

It says which fund, what this LP is called for or paid (its own share only), the due date
or the distribution date, and where the notice is: the investor portal. It never carries
the fund's bank or wire details — an email is the first thing a fraudster forges, so the
instructions stay behind the portal's sign-in, and the letter says so. It is composed
when it is sent, from the issued notice's records, which no op changes once it is issued.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import Connection, text

from core.money import money_text
from core.reports.presentation import long_date

__all__ = ["Letter", "NoticeShare", "letter_for", "read_share"]

_ZERO: Final = Decimal(0)


@dataclass(frozen=True, slots=True)
class NoticeShare:
    """One LP's part of one issued notice."""

    kind: str  # capital_call | distribution
    fund_name: str
    lp_name: str
    currency: str
    amount: Decimal  # called, or the gross distribution
    notice_date: dt.date  # the call's date or the distribution's
    due_date: dt.date | None = None
    withheld: Decimal = _ZERO
    call_offset: Decimal = _ZERO


@dataclass(frozen=True, slots=True)
class Letter:
    subject: str
    body: str


_CALL: Final = """
SELECT f.name, l.name, c.currency, a.amount, c.call_date, c.due_date
FROM capital_calls c
JOIN call_allocations a ON a.org_id = c.org_id AND a.call_id = c.call_id
JOIN funds f ON f.org_id = c.org_id AND f.fund_id = c.fund_id
JOIN lps l ON l.org_id = a.org_id AND l.lp_id = a.lp_id
WHERE c.org_id = :org AND c.call_id = :notice AND a.lp_id = :lp AND c.status = 'issued'
"""
_DISTRIBUTION: Final = """
SELECT f.name, l.name, d.currency, a.amount, d.distribution_date, a.withheld, a.call_offset
FROM distributions d
JOIN distribution_allocations a
  ON a.org_id = d.org_id AND a.distribution_id = d.distribution_id
JOIN funds f ON f.org_id = d.org_id AND f.fund_id = d.fund_id
JOIN lps l ON l.org_id = a.org_id AND l.lp_id = a.lp_id
WHERE d.org_id = :org AND d.distribution_id = :notice AND a.lp_id = :lp
  AND d.status = 'issued'
"""


def _day(raw: Any) -> dt.date:
    return dt.date.fromisoformat(str(raw))


def read_share(
    conn: Connection, org_id: str, kind: str, notice_id: str, lp_id: str
) -> NoticeShare | None:
    """The LP's share of the issued notice, or None if there is none (any more)."""
    keys = {"org": org_id, "notice": notice_id, "lp": lp_id}
    if kind == "capital_call":
        row = conn.execute(text(_CALL), keys).first()
        if row is None:
            return None
        return NoticeShare(
            kind, row[0], row[1], row[2], Decimal(row[3]), _day(row[4]), _day(row[5])
        )
    row = conn.execute(text(_DISTRIBUTION), keys).first()
    if row is None:
        return None
    return NoticeShare(
        kind,
        row[0],
        row[1],
        row[2],
        Decimal(row[3]),
        _day(row[4]),
        withheld=Decimal(row[5] or 0),
        call_offset=Decimal(row[6] or 0),
    )


_SAFETY: Final = (
    "For your security, this email never contains bank or wire details. If you are ever\n"
    "sent payment instructions by email, confirm them with us by telephone before you pay."
)


def _lines(pairs: list[tuple[str, str]]) -> str:
    width = max(len(label) for label, _ in pairs) + 2
    return "\n".join(f"  {label + ':':<{width}}{value}" for label, value in pairs)


def letter_for(share: NoticeShare, portal_url: str) -> Letter:
    """The subject and plain-text body of ``share``'s email, linking to ``portal_url``."""

    def money(amount: Decimal) -> str:
        return money_text(amount, share.currency)

    if share.kind == "capital_call":
        assert share.due_date is not None
        figures = [
            ("Your share of this call", money(share.amount)),
            ("Due date", long_date(share.due_date)),
            ("Call date", long_date(share.notice_date)),
        ]
        what, where = "a capital call", "The notice, with how to pay, is in your investor portal:"
        subject = f"Capital call notice from {share.fund_name}"
    else:
        figures = [("Your distribution", money(share.amount))]
        paid = share.amount - share.withheld - share.call_offset
        if share.withheld:
            figures.append(("Less tax withheld", money(-share.withheld)))
        if share.call_offset:
            figures.append(("Set off against your unpaid calls", money(-share.call_offset)))
        if paid != share.amount:
            figures.append(("Paid to you", money(paid)))
        figures.append(("Distribution date", long_date(share.notice_date)))
        what, where = "a distribution", "The notice is in your investor portal:"
        subject = f"Distribution notice from {share.fund_name}"
    body = (
        f"Dear {share.lp_name},\n\n"
        f"{share.fund_name} has issued {what}.\n\n"
        f"{_lines(figures)}\n\n"
        f"{where}\n{portal_url}\n\n"
        f"{_SAFETY}\n\n"
        f"{share.fund_name}\n"
    )
    return Letter(subject, body)
