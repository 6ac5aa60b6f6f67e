"""What a person types into the set-up commands, and every refusal said in their words.

The reducers name a field the way the wire does (``payload.amount``); a person typed
``--amount``. Each command gives :func:`submit` the words for the fields of its command
(``{"payload.amount": "the commitment amount (--amount)"}``) and every refusal — a value
the typed command refuses to hold, or an op the reducers refuse — reaches stderr as
``the commitment amount (--amount): USD amounts have at most 2 decimal places; 1000.005
has 3``, exit code 1, nothing written but the audit entry of a refused op.

The options' own types (an amount, a date, a rate, a contact) refuse at parse time, and
:class:`SetupParser` makes argparse's refusals one line with exit code 1 too. The words
themselves are said as every form says them, by :mod:`core.ops.field_words`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn, cast

from pydantic import ValidationError

from core.commands.reading import close_reading
from core.commands.workspace import OpResult, Workspace
from core.errors import DealOSError, OpRejected
from core.money import Money, MoneyError
from core.ops.field_words import Words, in_words, plain_rule, rejection_of
from core.ops.payloads.base import Payload

__all__ = [
    "Refused",
    "SetupParser",
    "Words",
    "actions_of",
    "amount_text",
    "contact_text",
    "in_words",
    "iso_date",
    "money_of",
    "opened",
    "plain_rule",
    "rate_text",
    "refusal_of",
    "submit",
]


class Refused(DealOSError):
    """A set-up command refused, in the words of the options that were typed."""


class SetupParser(argparse.ArgumentParser):
    """An argparse parser whose refusal is one line naming the option and exit code 1,
    like every other refusal of the set-up commands."""

    def error(self, message: str) -> NoReturn:
        missing = re.match(r"the following arguments are required: (.*)", message)
        if missing:
            named = missing.group(1).split(", ")
            listed = ", ".join(named[:-1]) + f" and {named[-1]}" if len(named) > 1 else named[0]
            message = f"{listed} must be given"
        choice = re.match(r"one of the arguments (.*) is required", message)
        if choice:
            message = f"give {' or '.join(choice.group(1).split())}"
        message = re.sub(r"^argument ([^:]+): ", r"\1: ", message)
        print(f"{self.prog}: {message} (see {self.prog} --help)", file=sys.stderr)
        raise SystemExit(1)


def actions_of(
    group: argparse.ArgumentParser, dest: str
) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    """The actions of a command group (``fund create``, ``fund edit`` …), each parsed by
    :class:`SetupParser`."""
    actions = group.add_subparsers(
        dest=dest, metavar="ACTION", required=True, parser_class=SetupParser
    )
    # Typed as plain parsers so the shared ``--data-dir`` parent parser fits every action.
    return cast("argparse._SubParsersAction[argparse.ArgumentParser]", actions)


@contextmanager
def opened(args: Any) -> Iterator[Workspace]:
    """The organization in ``--data-dir``, closed (read connections too) afterwards."""
    ws = Workspace.open(args.data_dir)
    try:
        yield ws
    finally:
        close_reading(ws)
        ws.close()


def amount_text(raw: str) -> Decimal:
    """An amount as typed: digits, a decimal point, thousands commas (``1,000,000.00``).
    Its currency's minor unit is checked once the fund, and so the currency, is known."""
    text = raw.replace(",", "")
    if not re.fullmatch(r"[0-9]+(\.[0-9]+)?", text):
        raise argparse.ArgumentTypeError(
            f"{raw} is not an amount: give digits such as 1000000.00 (no currency sign)"
        )
    try:
        return Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"{raw} is not an amount") from None


def iso_date(raw: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        day = None
    if day is None or day.isoformat() != raw:
        raise argparse.ArgumentTypeError(f"{raw} is not a date as YYYY-MM-DD, such as 2026-01-15")
    return day


def rate_text(raw: str) -> str:
    """A rate as a fraction (``0.08``) or a percentage (``8%``), as the fraction's string
    (the terms hold fractions between 0 and 1 with at most 6 decimals)."""
    text = raw.strip()
    percent = text.endswith("%")
    try:
        value = Decimal(text.removesuffix("%").strip())
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise argparse.ArgumentTypeError(f"{raw} is not a rate: give 0.08 or 8% for 8 %")
    if percent:
        value = value / 100
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(
            f"{raw} is not a rate between 0 and 1: give 0.08 or 8% for 8 %"
        )
    text = format(value.normalize(), "f")
    if "." in text and len(text.split(".")[1]) > 6:
        raise argparse.ArgumentTypeError(f"{raw} has more than 6 decimals as a fraction")
    return text


def contact_text(raw: str) -> tuple[str, str]:
    """``"Jane Roe <jane@ash.example>"`` → (name, email); the email's rule is the contact
    model's, checked when the command is built."""
    found = re.fullmatch(r"\s*(.*?)\s*<\s*([^<>\s]*)\s*>\s*", raw)
    if found is None or not found.group(1) or not found.group(2):
        raise argparse.ArgumentTypeError(
            f'{raw!r} is not a contact: give it as "Name <email>", '
            'such as "Jane Roe <jane@ash.example>"'
        )
    return found.group(1), found.group(2)


def money_of(amount: Decimal, currency: str, words: str) -> Money:
    """``amount`` in ``currency``, or a refusal naming ``words`` and the minor-unit rule."""
    try:
        return Money(amount, currency)
    except MoneyError as exc:
        raise Refused(f"{words}: {exc}") from None


def refusal_of(exc: ValidationError | OpRejected, words: Words) -> Refused:
    return Refused(in_words(rejection_of(exc), words))


def submit(
    ws: Workspace,
    make: Callable[[], Payload],
    words: Words,
    *,
    entity_id: str | None = None,
    base_version: int | None = None,
) -> OpResult:
    """Build the command with ``make`` and submit it; any refusal is :class:`Refused` in
    ``words``."""
    try:
        return ws.submit(make(), entity_id=entity_id, base_version=base_version)
    except (ValidationError, OpRejected) as exc:
        raise refusal_of(exc, words) from None
