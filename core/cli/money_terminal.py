"""What the money commands (``dealos call``, ``payment``, ``distribution``) share at the
terminal: reading what was typed, refusing it in words, asking before money moves.

* Every bad input exits 1 with one line naming the option in words and the rule
  (``the due date (--due): …``), argparse's own complaints included; nothing is written.
* A reducer's refusal (:class:`~core.errors.OpRejected`) is printed in the reducer's own
  words, its field translated to the option that set it.
* Standard output carries the result: the new record's id alone on the first line, then
  what was done in words; previews, plans and prompts go to standard error, so
  ``ID=$(dealos call draft … | head -1)`` holds the id.
* Issuing asks for the word ``issue`` on a terminal; without one it needs ``--yes``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn, TypeVar, cast

from pydantic import ValidationError

from core.commands.reading import close_reading
from core.commands.workspace import OpResult, Workspace
from core.errors import DealOSError, OpRejected
from core.money import Money, MoneyError, figure_text
from core.ops.payloads.base import Payload, payload_refusal
from core.views.capital_view import FundLine, list_funds
from core.views.draft_preview import DraftPreview

__all__ = [
    "InputError",
    "StrictParser",
    "actions_of",
    "build",
    "confirm",
    "fund_named",
    "money_in",
    "open_workspace",
    "preview_text",
    "refusal",
    "submit",
    "table",
    "typed_day",
]

C = TypeVar("C", bound=Payload)
_GROUPED = re.compile(r"^[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?$")  # 5,000,000.00


class InputError(DealOSError):
    """What was typed cannot be done: the message names the option and the rule."""


class StrictParser(argparse.ArgumentParser):
    """An argument parser whose complaints exit 1, as every other bad input does."""

    def error(self, message: str) -> NoReturn:
        missing = re.match(r"the following arguments are required: (.*)", message)
        if missing:
            message = f"{missing.group(1)} must be given"
        message = re.sub(r"^argument ([^:]+): ", r"\1: ", message)
        self.exit(1, f"{self.prog}: {message} (see {self.prog} --help)\n")


def actions_of(
    group: argparse.ArgumentParser, dest: str
) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    """The actions of a command group (``call draft``, ``call issue`` …), each parsed by
    :class:`StrictParser`."""
    actions = group.add_subparsers(
        dest=dest, metavar="ACTION", required=True, parser_class=StrictParser
    )
    # Typed as plain parsers so the shared ``--data-dir`` parent parser fits every action.
    return cast("argparse._SubParsersAction[argparse.ArgumentParser]", actions)


@contextmanager
def open_workspace(args: Any) -> Iterator[Workspace]:
    ws = Workspace.open(Path(args.data_dir))
    try:
        yield ws
    finally:
        close_reading(ws)
        ws.close()


def typed_day(raw: str, words: str) -> dt.date:
    """``2026-12-20`` as a date, or a refusal naming ``words`` (``the due date (--due)``)."""
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise InputError(f"{words}: {raw!r} is not a date; write it as YYYY-MM-DD") from None


def money_in(raw: str, currency: str, words: str) -> Money:
    """``5000000.00`` in ``currency``, exact to its minor unit and positive."""
    text = raw.replace(",", "") if _GROUPED.match(raw) else raw
    try:
        value = Money.parse(text, currency)
    except MoneyError as exc:
        raise InputError(f"{words}: {exc}") from None
    if not value.is_positive:
        raise InputError(f"{words}: the amount must be more than zero")
    return value


def fund_named(ws: Workspace, fund_id: str) -> FundLine:
    found = next((f for f in list_funds(ws) if f.fund_id == fund_id), None)
    if found is None:
        raise InputError(f"the fund (--fund): no fund {fund_id!r} in this organization")
    return found


def refusal(exc: OpRejected, fields: Mapping[str, str], where: str = "") -> InputError:
    """The reducer's refusal, its field named as the option that set it (``fields`` maps
    ``payload.due_date`` to ``the due date (--due)``; the longest prefix wins, and the key
    ``""`` names what a refusal without a field is about). ``where`` follows the words:
    ``" on call 3 of Fund I"``."""
    rule = exc.message
    if exc.field and rule.startswith(f"{exc.field}: "):
        rule = rule.removeprefix(f"{exc.field}: ")
    field = exc.field or ""
    keys = [k for k in fields if field == k or field.startswith(f"{k}.")]
    words = fields[max(keys, key=len)] if keys else ""
    head = f"{words}{where}" if words else where.strip(" ,")
    return InputError(f"{head}: {rule}" if head else rule)


def build(make: Callable[[], C], fields: Mapping[str, str]) -> C:
    """The command ``make`` builds, or its first problem as a refusal naming the option."""
    try:
        return make()
    except ValidationError as exc:
        raise refusal(payload_refusal(exc, exc.title), fields) from None


def submit(
    ws: Workspace,
    command: Payload,
    fields: Mapping[str, str],
    *,
    entity_id: str | None = None,
    base_version: int | None = None,
    where: str = "",
) -> OpResult:
    try:
        return ws.submit(command, entity_id=entity_id, base_version=base_version)
    except OpRejected as exc:
        raise refusal(exc, fields, where) from None


def confirm(plan: str, *, yes: bool, word: str = "issue", done: str = "issued") -> None:
    """Say what will happen; go on with ``--yes``, or once the person types ``word``."""
    print(plan, file=sys.stderr)
    if yes:
        return
    if not sys.stdin.isatty():
        raise InputError(
            f"not {done}: this needs your confirmation; run it in a terminal and type {word}, "
            "or pass --yes"
        )
    sys.stderr.write(f"Type {word} to go ahead, anything else to stop: ")
    sys.stderr.flush()
    answer = sys.stdin.readline().strip()
    if answer != word:
        raise InputError(f"not {done}: you typed {answer!r}, not {word}; nothing was changed")


def table(rows: Sequence[Sequence[str]], *, right: Sequence[int] = ()) -> str:
    """Aligned columns, the first row a heading; ``right`` lists the columns of figures."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [
            cell.rjust(w) if i in right else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def preview_text(preview: DraftPreview, what: str) -> str:
    """Each LP's share of the draft as the reducers would allocate it, with the totals."""
    c = preview.currency
    head = f"Preview of the {what}: each LP's share, as the reducers allocate it (dry run)"
    if preview.refusal is not None:
        return f"{head}: refused, see below"
    has_carry = any(s.carry for s in preview.shares)
    has_net = any(s.withheld or s.offset for s in preview.shares)
    heading = ["LP", "Committed", preview.weighed_by.capitalize(), f"Share ({c})"]
    heading += ["GP carry"] * has_carry + ["Withheld", "Set off"] * has_net
    rows = [heading]
    for s in preview.shares:
        row = [s.lp_name, figure_text(s.committed, c), figure_text(s.weighed, c)]
        row.append(figure_text(s.share, c))
        row += [figure_text(s.carry, c)] * has_carry
        row += [figure_text(s.withheld, c), figure_text(s.offset, c)] * has_net
        rows.append(row)
    total = ["Total to LPs", "", "", figure_text(preview.total, c)]
    total += [figure_text(preview.gp_carry, c)] * has_carry + ["", ""] * has_net
    rows.append(total)
    lines = [head, table(rows, right=range(1, len(heading)))]
    if preview.gp_carry:
        whole = preview.total + preview.gp_carry
        lines.append(
            f"GP carry {figure_text(preview.gp_carry, c)}; LPs and GP together "
            f"{figure_text(whole, c)} {c}"
        )
    return "\n".join(lines)
