"""The reference an LP quotes on its wire, so the GP can match the money to the call.

``HPREFI-C06-LP004`` reads as: Harbor Peak Real Estate Fund I, Capital Call No. 6, the
fund's investor No. 4. Every part comes from the ledger, so every replica prints the same
reference for the same call and LP, and no two LPs of a call share one:

* the **fund code** is the initials of the fund's name, with a numeral (``II``, ``2``)
  kept whole, at most eight characters — ``Harbor Peak Real Estate Fund I, L.P.`` gives
  ``HPREFI``;
* the **call number** counts the fund's issued calls in date order (a draft has none, so
  it has no reference yet);
* the **investor number** counts the fund's LPs in the order of their first commitment
  (commitment date, then commitment id).

It uses only capitals, digits and hyphens and stays under 35 characters, so it survives
the remittance field of a domestic or SWIFT wire unchanged.

Because the numbers are positions in the ledger, an op that changes them changes the
reference of later renderings: renaming the fund, issuing a call dated before an issued
one, or recording a commitment dated before an LP's first. Notices already sent keep the
reference they printed; match a late wire against the notice's document id if in doubt.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["fund_code", "payment_reference"]

_WORD: Final = re.compile(r"[A-Za-z0-9]+")
_NUMERAL: Final = re.compile(r"^(?:[0-9]+|[IVX]+)$")
# Legal-form words say nothing about which fund it is.
_FORM_WORDS: Final = frozenset({"L", "P", "LP", "LLC", "LLP", "INC", "LTD", "SCSP", "SCS"})
_MAX_CODE: Final = 8


def fund_code(fund_name: str) -> str:
    """``HPREFI`` for "Harbor Peak Real Estate Fund I, L.P."; ``FUND`` for a nameless one."""
    parts = []
    for word in _WORD.findall(fund_name):
        upper = word.upper()
        if upper in _FORM_WORDS:
            continue
        parts.append(upper if _NUMERAL.match(upper) else upper[0])
    return "".join(parts)[:_MAX_CODE] or "FUND"


def payment_reference(fund_name: str, call_number: int | None, lp_number: int) -> str | None:
    """``HPREFI-C06-LP004``; ``None`` for a draft call, which has no number yet."""
    if call_number is None:
        return None
    return f"{fund_code(fund_name)}-C{call_number:02d}-LP{lp_number:03d}"
