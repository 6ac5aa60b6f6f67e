"""What the money commands (``dealos call``, ``payment``, ``distribution``) share at the
terminal, beyond what every command shares (:mod:`core.cli.refusals`: one-line refusals
naming the option, exit code 1, the parsers, the typed amounts and dates).

* A reducer's refusal (:class:`~core.errors.OpRejected`) is printed in the reducer's own
  words, its field named as the option that set it; a refusal about the record itself
  (no field: a four-eyes gate, an already issued call) names the record and its option.
* Standard output carries the result: the new record's id alone on the first line, then
  what was done in words; previews, plans and prompts go to standard error, so
  ``ID=$(dealos call draft … | head -n 1)`` holds the id.
* Issuing asks for the word ``issue`` on a terminal; without one it needs ``--yes``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import TypeVar

from pydantic import ValidationError

from core.cli.refusals import Refused
from core.commands.workspace import OpResult, Workspace
from core.errors import OpRejected
from core.money import figure_text
from core.ops.field_words import Words, in_words
from core.ops.payloads.base import Payload, payload_refusal
from core.views.capital_view import FundLine, list_funds
from core.views.draft_preview import DraftPreview

__all__ = [
    "build",
    "confirm",
    "fund_named",
    "preview_text",
    "refused",
    "submit",
    "table",
]

C = TypeVar("C", bound=Payload)


def fund_named(ws: Workspace, fund_id: str) -> FundLine:
    found = next((f for f in list_funds(ws) if f.fund_id == fund_id), None)
    if found is None:
        raise Refused(f"the fund (--fund): no fund {fund_id!r} in this organization")
    return found


def refused(exc: OpRejected, words: Words) -> Refused:
    """The refusal in ``words``; one without a field is about the record ``words[""]``
    names (``call 3 of Fund I (--call)``)."""
    said = in_words(exc, words)
    if exc.field is None and words.get(""):
        said = f"{words['']}: {said}"
    return Refused(said)


def build(make: Callable[[], C], words: Words) -> C:
    """The command ``make`` builds, or its first problem as a refusal naming the option."""
    try:
        return make()
    except ValidationError as exc:
        raise refused(payload_refusal(exc, exc.title), words) from None


def submit(
    ws: Workspace,
    command: Payload,
    words: Words,
    *,
    entity_id: str | None = None,
    base_version: int | None = None,
) -> OpResult:
    try:
        return ws.submit(command, entity_id=entity_id, base_version=base_version)
    except OpRejected as exc:
        raise refused(exc, words) from None


def confirm(plan: str, *, yes: bool, word: str = "issue", done: str = "issued") -> None:
    """Say what will happen; go on with ``--yes``, or once the person types ``word``."""
    print(plan, file=sys.stderr)
    if yes:
        return
    if not sys.stdin.isatty():
        raise Refused(
            f"not {done}: this needs your confirmation; run it in a terminal and type {word}, "
            "or pass --yes"
        )
    sys.stderr.write(f"Type {word} to go ahead, anything else to stop: ")
    sys.stderr.flush()
    answer = sys.stdin.readline().strip()
    if answer != word:
        raise Refused(f"not {done}: you typed {answer!r}, not {word}; nothing was changed")


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
