"""LPs and commitments from a spreadsheet's rows: the plan of typed commands they become,
with every row's result, or its problem named by row and column.

An LP already recorded under exactly the same name is reused, as is one an earlier row
adds; a contact or a commitment already recorded (the same email; the same amount and
date) adds nothing, so importing the same file twice adds nothing the second time. A
commitment that differs from the recorded one is a problem, never an overwrite.

:func:`preview_import` reads a file, plans it against the organization as it stands and
dry-runs the whole batch through the reducers; ``Workspace.submit_all(preview.steps)``
then records it all or nothing. ``dealos lp import`` and the desktop's import both do so.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from pydantic import ValidationError

from core.commands.workspace import Step, Workspace
from core.errors import OpRejected
from core.ids import new_id
from core.money import Money, MoneyError, money_text, places_rule
from core.ops.field_words import Words, in_words, plain_rule
from core.ops.payloads.investors import (
    CommitmentCreatePayload,
    Contact,
    LpCreatePayload,
    LpUpdatePayload,
)
from core.views.fund_admin import ContactRecord, FundRecord, LpRecord, fund_records, lp_records
from core.views.investor_sheet import Row, read_sheet

__all__ = ["ImportPlan", "ImportPreview", "RowResult", "plan_import", "preview_import"]

_TYPES = {
    "institution": "institution",
    "individual": "individual",
    "family office": "family_office",
    "fund of funds": "fund_of_funds",
    "gp": "gp",
}
_TYPE_WORDS = {v: k if k != "gp" else "GP" for k, v in _TYPES.items()}


class _Problem(Exception):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _amount(value: object, fund: FundRecord) -> Money:
    raw = _text(value) or ""
    # A number cell arrives from openpyxl as a binary float; its shortest repr is the
    # decimal the person typed (1000.005), which is then checked like any text.
    text = raw.replace(",", "")
    if isinstance(value, bool) or not re.fullmatch(r"[0-9]+(\.[0-9]+)?", text):
        raise _Problem("Commitment amount", f"{raw} is not an amount such as 1000000.00")
    try:
        return Money(Decimal(text), fund.currency)
    except (MoneyError, InvalidOperation):
        raise _Problem(
            "Commitment amount",
            f"{raw} has more decimals than {fund.currency} allows ({places_rule(fund.currency)})",
        ) from None


def _date(value: object) -> dt.date:
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date()
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    raw = _text(value) or ""
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        day = None
    if day is None or day.isoformat() != raw:
        raise _Problem("Commitment date", f"{raw} is not a date as YYYY-MM-DD, such as 2026-01-15")
    return day


def _fund(value: object, funds: list[FundRecord]) -> FundRecord:
    raw = _text(value) or ""
    found = [f for f in funds if f.name == raw] or [f for f in funds if f.fund_id == raw]
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise _Problem("Fund", f"several funds are named {raw}: give the fund's id instead")
    known = ", ".join(f.name for f in funds) or "none yet"
    raise _Problem("Fund", f"no fund named {raw}; the funds are: {known}")


@dataclass
class _NewLp:
    lp_id: str
    name: str
    lp_type: str
    row: int
    contacts: list[Contact] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class RowResult:
    """What one row of the file does, or its problem naming the column at fault."""

    row: int
    text: str
    problem: bool = False


@dataclass
class ImportPlan:
    """One line per row (its result or its problem), the problems alone, the steps to
    submit, and for each step the words of its fields (its row and column)."""

    rows: list[RowResult] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    step_words: list[Words] = field(default_factory=list)
    step_rows: list[int] = field(default_factory=list)
    new_lps: list[tuple[str, str]] = field(default_factory=list)
    contacts: int = 0
    commitments: int = 0

    def refusal(self, exc: OpRejected, step: int) -> str:
        """A refusal of step ``step`` in the words of its row and column."""
        return in_words(exc, self.step_words[step])

    def summary(self) -> str:
        def count(n: int, what: str) -> str:
            return f"{n} {what}{'' if n == 1 else 's'}"

        parts = [
            count(len(self.new_lps), "new LP") if self.new_lps else "",
            count(self.contacts, "contact") + " on LPs already recorded" if self.contacts else "",
            count(self.commitments, "commitment") if self.commitments else "",
        ]
        return ", ".join(p for p in parts if p)


def _words(row: int, mapping: dict[str, str]) -> Words:
    return {path: f"row {row}, column ‘{column}’" for path, column in mapping.items()}


_LP_WORDS = {
    "payload": "LP name",
    "payload.name": "LP name",
    "payload.lp_type": "LP type",
    "payload.contacts.*.contact_id": "Contact email",
}
_COMMITMENT_WORDS = {
    "payload": "Fund",
    "payload.fund_id": "Fund",
    "payload.currency": "Fund",
    "payload.lp_id": "LP name",
    "payload.amount": "Commitment amount",
    "payload.committed_on": "Commitment date",
}


@dataclass
class _Seen:
    """What the rows read so far add: new LPs by name, contacts added to LPs already
    recorded (with the row that first adds one), commitments by (LP, fund) with their row,
    and the commitment steps in row order."""

    named: dict[str, list[LpRecord]]
    new: dict[str, _NewLp] = field(default_factory=dict)
    updates: dict[str, tuple[LpRecord, list[Contact], int]] = field(default_factory=dict)
    committed: dict[tuple[str, str], int] = field(default_factory=dict)
    commitments: list[tuple[Step, Words, int]] = field(default_factory=list)


def plan_import(rows: list[Row], lps: list[LpRecord], funds: list[FundRecord]) -> ImportPlan:
    """What importing ``rows`` would do to an organization holding ``lps`` and ``funds``:
    the new LPs first, then contacts added to LPs already recorded, then commitments."""
    plan = ImportPlan()
    seen = _Seen(named={})
    for lp in lps:
        seen.named.setdefault(lp.name, []).append(lp)
    for number, cells in rows:
        try:
            line = _plan_row(number, cells, funds, seen)
        except _Problem as problem:
            text = f"row {number}, column ‘{problem.column}’: {problem.message}"
            plan.problems.append(text)
            plan.lines.append(text)
            said = f"column ‘{problem.column}’: {problem.message}"
            plan.rows.append(RowResult(number, said, problem=True))
            continue
        plan.lines.append(f"row {number}: {line}")
        plan.rows.append(RowResult(number, line))
    for added in seen.new.values():
        plan.new_lps.append((added.lp_id, added.name))
        create = LpCreatePayload(name=added.name, lp_type=added.lp_type, contacts=added.contacts)
        plan.steps.append(Step(create, added.lp_id))
        plan.step_words.append(_words(added.row, _LP_WORDS))
        plan.step_rows.append(added.row)
    for held, contacts, row in seen.updates.values():
        plan.contacts += len(contacts) - len(held.contacts)
        update = LpUpdatePayload(contacts=contacts)
        plan.steps.append(Step(update, held.lp_id, base_version=held.version))
        plan.step_words.append(_words(row, {"payload": "Contact email"}))
        plan.step_rows.append(row)
    for step, words, row in seen.commitments:
        plan.steps.append(step)
        plan.step_words.append(words)
        plan.step_rows.append(row)
    plan.commitments = len(seen.commitments)
    return plan


def _plan_row(number: int, cells: dict[str, object], funds: list[FundRecord], seen: _Seen) -> str:
    name = _text(cells["LP name"])
    if name is None:
        raise _Problem("LP name", "is empty: every row names its LP")
    lp_type = _lp_type(cells)
    held = seen.named.get(name, [])
    if len(held) > 1:
        raise _Problem("LP name", f"{len(held)} LPs are already named {name}: rename one first")
    existing = held[0] if held else None
    earlier = seen.new.get(name)
    if existing is not None:
        if lp_type is not None and lp_type != existing.lp_type:
            raise _Problem(
                "LP type",
                f"{name} is recorded as {_TYPE_WORDS[existing.lp_type]}; the file says "
                f"{_TYPE_WORDS[lp_type]}",
            )
        lp_id, who = existing.lp_id, "LP already recorded"
    elif earlier is not None:
        if lp_type is not None and lp_type != earlier.lp_type:
            raise _Problem(
                "LP type", f"row {earlier.row} makes {name} {_TYPE_WORDS[earlier.lp_type]}"
            )
        lp_id, who = earlier.lp_id, f"LP of row {earlier.row}"
    else:
        if lp_type is None:
            raise _Problem("LP type", "is empty: a new LP needs its type")
        _check(lambda: LpCreatePayload(name=name, lp_type=lp_type), _LP_WORDS)
        lp_id, who = new_id(), f"new LP ({_TYPE_WORDS[lp_type]})"
    contact = _contact(cells)
    commitment = _commitment(cells, funds)
    parts = [f"{name} — {who}"]
    if commitment is not None:
        fund, amount, on = commitment
        figure = money_text(amount.amount, amount.currency)
        recorded = existing.commitment_to(fund.fund_id) if existing else None
        if recorded is not None and (recorded.amount, recorded.committed_on) != (
            amount.amount,
            on,
        ):
            raise _Problem(
                "Commitment amount" if recorded.amount != amount.amount else "Commitment date",
                f"{name} already has a commitment of "
                f"{money_text(recorded.amount, recorded.currency)} to {fund.name} dated "
                f"{recorded.committed_on}; the file says {figure} on {on} "
                "(one commitment per LP and fund)",
            )
        row = seen.committed.get((lp_id, fund.fund_id))
        if row is not None:
            raise _Problem("Fund", f"row {row} already commits {name} to {fund.name}")
    # Only a sound row changes what later rows see.
    if existing is None and earlier is None:
        assert lp_type is not None
        earlier = seen.new[name] = _NewLp(lp_id, name, lp_type, number)
    if contact is not None:
        parts.append(_add_contact(contact, existing, earlier, seen, number))
    if commitment is not None:
        fund, amount, on = commitment
        figure = money_text(amount.amount, amount.currency)
        if existing is not None and existing.commitment_to(fund.fund_id) is not None:
            parts.append(f"commitment {figure} to {fund.name} already recorded")
        else:
            seen.committed[(lp_id, fund.fund_id)] = number
            command = CommitmentCreatePayload(
                fund_id=fund.fund_id,
                lp_id=lp_id,
                amount=amount,
                currency=fund.currency,
                committed_on=on,
            )
            seen.commitments.append((Step(command), _words(number, _COMMITMENT_WORDS), number))
            parts.append(f"commitment {figure} to {fund.name} on {on}")
    if len(parts) == 1 and existing is not None:
        parts.append("nothing to add")
    return ", ".join(parts)


def _lp_type(cells: dict[str, object]) -> str | None:
    raw = _text(cells["LP type"])
    if raw is None:
        return None
    found = _TYPES.get(re.sub(r"[\s_-]+", " ", raw.lower()))
    if found is None:
        raise _Problem(
            "LP type",
            f"{raw} is not an LP type: institution, individual, family office, fund of funds or GP",
        )
    return found


def _check(make: Callable[[], object], columns: dict[str, str]) -> None:
    """Build a command only to see the typed command's own rule refuse a cell."""
    try:
        make()
    except ValidationError as exc:
        first = exc.errors()[0]
        path = ".".join(str(p) for p in ("payload", *first["loc"]))
        general = re.sub(r"\.\d+(?=\.|$)", ".*", path)
        column = columns.get(path) or columns.get(general) or columns["payload"]
        raise _Problem(column, plain_rule(first["msg"].removeprefix("Value error, "))) from None


def _contact(cells: dict[str, object]) -> Contact | None:
    name, email = _text(cells["Contact name"]), _text(cells["Contact email"])
    if name is None and email is None:
        return None
    if name is None or email is None:
        column = "Contact name" if name is None else "Contact email"
        raise _Problem(column, "is empty: a contact needs a name and an email")
    columns = {"payload": "Contact email", "payload.name": "Contact name"}
    _check(lambda: Contact(contact_id=new_id(), name=name, email=email), columns)
    return Contact(contact_id=new_id(), name=name, email=email)


def _commitment(
    cells: dict[str, object], funds: list[FundRecord]
) -> tuple[FundRecord, Money, dt.date] | None:
    given = [cells[c] is not None for c in ("Fund", "Commitment amount", "Commitment date")]
    if not any(given):
        return None
    if not all(given):
        column = ("Fund", "Commitment amount", "Commitment date")[given.index(False)]
        raise _Problem(column, "is empty: a commitment needs a fund, an amount and a date")
    fund = _fund(cells["Fund"], funds)
    return fund, _amount(cells["Commitment amount"], fund), _date(cells["Commitment date"])


def _add_contact(
    contact: Contact, existing: LpRecord | None, earlier: _NewLp | None, seen: _Seen, row: int
) -> str:
    said = f"contact {contact.name} <{contact.email}>"
    if existing is None:
        assert earlier is not None
        if any(c.email == contact.email for c in earlier.contacts):
            return f"{said} already listed"
        earlier.contacts.append(contact)
        return said
    held, contacts, first = seen.updates.get(
        existing.lp_id, (existing, [_as_contact(c) for c in existing.contacts], row)
    )
    if any(c.email == contact.email for c in contacts):
        return f"{said} already recorded"
    seen.updates[existing.lp_id] = (held, [*contacts, contact], first)
    return f"adds {said}"


def _as_contact(c: ContactRecord) -> Contact:
    return Contact(
        contact_id=c.contact_id, name=c.name, email=c.email, phone=c.phone, title=c.title
    )


@dataclass(frozen=True, slots=True)
class ImportPreview:
    """What importing a file would do now: its plan, dry-run through the reducers (a
    refusal there is one more problem, named by row and column), and the columns of the
    file the import does not read."""

    file_name: str
    plan: ImportPlan
    ignored: tuple[str, ...]

    @property
    def problems(self) -> list[str]:
        return self.plan.problems

    @property
    def steps(self) -> list[Step]:
        return self.plan.steps

    def verdict(self) -> str:
        """One sentence: why nothing will be written, or what the import adds."""
        name, problems = self.file_name, self.plan.problems
        if problems:
            count = len(problems)
            return (
                f"{name} cannot be imported, nothing will be written: {count} "
                f"problem{'s' if count > 1 else ''}, the first: {problems[0]}"
            )
        if not self.plan.steps:
            return f"Nothing to add: every LP and commitment in {name} is already recorded."
        return f"{name} would add {self.plan.summary()}."


def preview_import(ws: Workspace, path: Path) -> ImportPreview:
    """Read ``path`` (XLSX or CSV) and plan it against the organization's LPs and funds,
    then dry-run the batch; a file that cannot be read is :class:`SheetRefused`."""
    rows, ignored = read_sheet(path)
    plan = plan_import(rows, lp_records(ws), fund_records(ws))
    if not plan.problems and plan.steps:
        trial = ws.dry_run_all(plan.steps)
        if trial.refusal is not None and trial.refused_step is not None:
            refused = plan.refusal(trial.refusal, trial.refused_step)
            plan.problems.append(refused)
            plan.lines.append(refused)
            row = plan.step_rows[trial.refused_step]
            plan.rows.append(RowResult(row, refused, problem=True))
    return ImportPreview(path.name, plan, tuple(ignored))
