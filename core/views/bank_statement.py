"""A bank statement in CSV, read line by line into money received, or refused whole.

The format (the README shows an example): UTF-8 text (a byte-order mark is fine), comma
separated, a heading row, then one row per movement of one account in one currency.
Headings are matched without regard to case, spaces, hyphens or underscores:

========== =============================================================================
column     headings accepted
========== =============================================================================
date       date, value date, booking date, transaction date, posting date, posted, paid on
amount     amount, credit, credit amount, amount received, received, deposit
reference  reference, payment reference, ref, remittance, remittance information,
           customer reference, end to end reference
payer      payer, payer name, name, counterparty, remitter, originator, ordering party,
           from
description description, details, narrative, memo, transaction details, text
========== =============================================================================

Date and amount are required, and at least one of reference, payer or description. A date
is ``YYYY-MM-DD``; an amount is a decimal such as ``12000.00`` or ``12,000.00``, at most to
the currency's minor unit, optionally with its symbol or code (``$``, ``USD``). A negative
amount is money paid out: it is read, and never matched. Any line that cannot be read
refuses the whole file, naming the line (as a spreadsheet numbers it, the heading being
line 1) and the column, so nothing is recorded from a statement half understood.

Each line gets a payment id derived from the organization and the line itself (date,
amount, reference, payer, description, and how many identical lines came before it in the
file): importing the same statement again yields the same ids, and the ledger refuses a
payment id twice, so nothing is recorded twice.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import uuid
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Final

from core.errors import DealOSError
from core.money import MoneyError, parse_amount, places_rule

__all__ = ["COLUMNS", "StatementError", "StatementLine", "read_statement"]

COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "date": (
        "date",
        "value date",
        "booking date",
        "transaction date",
        "posting date",
        "posted",
        "paid on",
    ),
    "amount": ("amount", "credit", "credit amount", "amount received", "received", "deposit"),
    "reference": (
        "reference",
        "payment reference",
        "ref",
        "remittance",
        "remittance information",
        "customer reference",
        "end to end reference",
    ),
    "payer": (
        "payer",
        "payer name",
        "name",
        "counterparty",
        "remitter",
        "originator",
        "ordering party",
        "from",
    ),
    "description": ("description", "details", "narrative", "memo", "transaction details", "text"),
}
_ROLE_OF = {heading: role for role, headings in COLUMNS.items() for heading in headings}
_GROUPED = re.compile(r"^[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?$")
_SYMBOLS: Final = {"$": "USD", "€": "EUR", "£": "GBP"}
# Payment ids of imported lines live in a namespace of their own.
_NAMESPACE: Final = uuid.UUID("4f1c7e52-3a0e-5d7b-9c61-2b8f0d3e6a17")


class StatementError(DealOSError):
    """A bank statement that cannot be read: names the file, the line and the column."""


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One movement of the account: money received when ``amount`` is positive."""

    line_no: int
    paid_on: dt.date
    amount: Decimal
    reference: str
    payer: str
    description: str
    payment_id: str

    @property
    def who(self) -> str:
        """The payer as the bank names it, else the description."""
        return self.payer or self.description


def _heading(raw: str) -> str:
    return " ".join(re.sub(r"[\s_\-]+", " ", raw).strip().lower().split())


def _roles(name: str, header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, raw in enumerate(header):
        role = _ROLE_OF.get(_heading(raw))
        if role is None:
            continue
        if role in found:
            first = header[found[role]]
            raise StatementError(
                f"{name} line 1: columns {first!r} and {raw!r} both read as the {role}; "
                "keep one of them"
            )
        found[role] = index
    missing = [role for role in ("date", "amount") if role not in found]
    if missing:
        raise StatementError(
            f"{name} line 1: no {' and no '.join(missing)} column; the heading row needs "
            f"columns such as {', '.join(repr(COLUMNS[m][0]) for m in missing)}"
        )
    if not {"reference", "payer", "description"} & set(found):
        raise StatementError(
            f"{name} line 1: no reference, payer or description column; "
            "a payment cannot be told apart without one"
        )
    return found


def _amount(raw: str, currency: str, where: str) -> Decimal:
    text = raw.strip()
    negative = text.startswith("-") or (text.startswith("(") and text.endswith(")"))
    text = text.strip("()").lstrip("-+").strip()
    for symbol, code in _SYMBOLS.items():
        if text.startswith(symbol) and code == currency:
            text = text[len(symbol) :].strip()
    upper = text.upper()
    if upper.startswith(currency):
        text = text[len(currency) :].strip()
    elif upper.endswith(currency):
        text = text[: -len(currency)].strip()
    text = text.replace(",", "") if _GROUPED.match(text) else text
    try:
        value = parse_amount(text, currency)
    except MoneyError as exc:
        rule = str(exc) if "decimal places" in str(exc) else places_rule(currency)
        raise StatementError(
            f"{where}: {raw!r} is not an amount in {currency} such as 12000.00 or "
            f"12,000.00 ({rule})"
        ) from None
    return -value if negative else value


def read_statement(path: Path, *, currency: str, org_id: str) -> tuple[StatementLine, ...]:
    """Every line of the statement at ``path``, its amounts in ``currency``."""
    name = path.name
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise StatementError(f"{path}: cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise StatementError(
            f"{name}: not UTF-8 text; save the statement as CSV (UTF-8) and import that"
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            raise StatementError(f"{name}: the file is empty; it needs a heading row")
        roles = _roles(name, header)
        lines: list[StatementLine] = []
        seen: Counter[tuple[str, ...]] = Counter()
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            line_no = reader.line_num
            if len(row) != len(header):
                raise StatementError(
                    f"{name} line {line_no}: {len(row)} columns where the heading row has "
                    f"{len(header)}; a field holding a comma must be quoted"
                )

            def cell(role: str, row: list[str] = row) -> str:
                return row[roles[role]].strip() if role in roles else ""

            where = f"{name} line {line_no}, column {header[roles['date']]!r}"
            try:
                paid_on = dt.date.fromisoformat(cell("date"))
            except ValueError:
                raise StatementError(
                    f"{where}: {cell('date')!r} is not a date; write it as YYYY-MM-DD"
                ) from None
            where = f"{name} line {line_no}, column {header[roles['amount']]!r}"
            amount = _amount(cell("amount"), currency, where)
            key = (
                paid_on.isoformat(),
                format(amount, "f"),
                cell("reference"),
                cell("payer"),
                cell("description"),
            )
            seen[key] += 1
            identity = "\n".join((org_id, currency, *key, str(seen[key])))
            lines.append(
                StatementLine(
                    line_no=line_no,
                    paid_on=paid_on,
                    amount=amount,
                    reference=cell("reference"),
                    payer=cell("payer"),
                    description=cell("description"),
                    payment_id=str(uuid.uuid5(_NAMESPACE, identity)),
                )
            )
    except csv.Error as exc:
        raise StatementError(f"{name} line {reader.line_num}: {exc}") from None
    return tuple(lines)
