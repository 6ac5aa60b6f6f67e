"""Capital call and distribution notices: what one LP is asked to pay, or is paid.

The fields follow the ILPA capital call and distribution notice templates: the fund and
the LP, the notice and due dates, the LP's commitment and share of the fund, this
notice's amount, cumulative contributions and distributions, unfunded commitment before
and after, and where to wire the money. Every money line names its source: the op id it
derives from, or — for a cumulative figure — the activity lines (each with its op id)
that it sums.

A call notice also states, call by call, what the LP still owes on earlier calls already
past due on the notice date — the overdue part of its position
(:attr:`core.positions.Position.overdue_calls`), never a second computation — and the
payment reference the LP quotes on its wire (:mod:`core.reports.payment_reference`).

A distribution notice states what the money is: the LP's gross amount by class (return of
capital, gain, income), whether it is recallable, the tax withheld at the LPA's rate and
the net, and — only when the GP chose it on the distribution — what is set off against
the LP's unpaid calls, each its own line, down to what is paid to the LP. The figures are
the ones fixed when the distribution was drafted (:mod:`core.distribution_classes`); for
one drafted before they were kept, the classes are derived by the same rule and the lines
say so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from core.distribution_classes import CLASS_TITLES, Classes
from core.reports.errors import RecordNotFound
from core.reports.fund_records import PaymentInstructions
from core.reports.ledger_values import CallEntry, DistributionEntry, LpLedger
from core.reports.payment_reference import payment_reference
from core.reports.presentation import document_id

__all__ = [
    "ActivityLine",
    "CallNotice",
    "DistributionNotice",
    "NoticeLine",
    "OverdueLine",
    "build_call_notice",
    "build_distribution_notice",
]

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class NoticeLine:
    """One money line: ``source`` is an op id, or the activity lines it sums."""

    label: str
    amount: Decimal
    source: str
    emphasis: bool = False


@dataclass(frozen=True, slots=True)
class ActivityLine:
    """A call or distribution to date, as the notice's history table lists it."""

    date: str
    description: str
    called: Decimal | None
    paid: Decimal | None
    distributed: Decimal | None
    op_id: str


def _history(
    ledger: LpLedger,
    calls: tuple[CallEntry, ...],
    dists: tuple[DistributionEntry, ...],
    as_of: dt.date,
) -> tuple[ActivityLine, ...]:
    """Calls and distributions to date; what was paid on each call is as of ``as_of``."""
    paid: dict[str, Decimal] = {}
    for p in ledger.payments_between(None, as_of):
        paid[p.call_id] = paid.get(p.call_id, _ZERO) + p.amount
    lines = [
        ActivityLine(
            c.call_date.isoformat(), c.title, c.amount, paid.get(c.call_id, _ZERO), None, c.op_id
        )
        for c in calls
    ]
    lines += [
        ActivityLine(
            d.distribution_date.isoformat(),
            f"Distribution No. {d.number} ({d.source_title})",
            None,
            None,
            d.amount,
            d.op_id,
        )
        for d in dists
    ]
    return tuple(sorted(lines, key=lambda line: line.date))


def _commitment_source(ledger: LpLedger) -> str:
    return ", ".join(c.op_id for c in ledger.commitments)


@dataclass(frozen=True, slots=True)
class OverdueLine:
    """An earlier call past due on the notice date and not fully paid by then."""

    call: CallEntry
    outstanding: Decimal
    days_overdue: int

    @property
    def op_id(self) -> str:
        return self.call.op_id


@dataclass(frozen=True, slots=True)
class CallNotice:
    """``overdue`` lists the LP's earlier calls past due on the notice date, by due date;
    ``payment_reference`` is ``None`` while the call is a draft (it has no number yet)."""

    ledger: LpLedger
    call: CallEntry
    lines: tuple[NoticeLine, ...]
    history: tuple[ActivityLine, ...]
    payment_instructions: PaymentInstructions | None
    document_id: str
    overdue: tuple[OverdueLine, ...] = ()
    payment_reference: str | None = None

    @property
    def is_draft(self) -> bool:
        return not self.call.is_issued

    @property
    def overdue_total(self) -> Decimal:
        return sum((o.outstanding for o in self.overdue), _ZERO)

    def line(self, label: str) -> NoticeLine:
        return next(line for line in self.lines if line.label == label)


def build_call_notice(
    ledger: LpLedger, call_id: str, *, instructions: PaymentInstructions | None = None
) -> CallNotice:
    """The notice of ``call_id`` to ``ledger``'s LP; a draft call gives a marked draft."""
    call = ledger.call(call_id)
    if call is None:
        raise RecordNotFound(
            f"{ledger.investor.name} ({ledger.investor.lp_id}) is not called by capital "
            f"call {call_id}"
        )
    index = ledger.calls.index(call)
    earlier = tuple(c for c in ledger.calls[:index] if c.is_issued)
    to_date = (*earlier, call)
    dists = ledger.issued_distributions(None, call.call_date)
    # The position on the call date, counting only the calls before this one.
    before = ledger.position(call.call_date, calls=ledger.calls[:index])
    commitment = before.commitment
    called_before = before.called
    called = called_before + call.amount
    paid_in = before.paid_in
    distributed = before.distributed
    span = f"calls to date listed below ({len(to_date)})"
    by_id = {c.call_id: c for c in earlier}
    overdue = tuple(OverdueLine(by_id[o.ref], o.outstanding, o.days) for o in before.overdue_calls)
    late = (
        (
            NoticeLine(
                "Overdue on earlier calls",
                before.overdue,
                f"overdue calls listed below ({len(overdue)})",
            ),
        )
        if overdue
        else ()
    )
    lines = (
        NoticeLine("Commitment", commitment, _commitment_source(ledger)),
        NoticeLine("Called before this notice", called_before, f"{len(earlier)} earlier calls"),
        NoticeLine(
            "Unfunded commitment before this call",
            before.unfunded,
            "commitment less called before",
        ),
        NoticeLine("Amount of this call", call.amount, call.op_id, emphasis=True),
        NoticeLine("Cumulative called, including this call", called, span),
        NoticeLine(
            "Unfunded commitment after this call",
            before.unfunded - call.amount,
            "commitment less cumulative called",
        ),
        NoticeLine("Contributions paid to date", paid_in, "paid on the calls below"),
        NoticeLine("Distributions to date", distributed, f"{len(dists)} distributions below"),
        *late,
    )
    reference = (
        None
        if ledger.lp_number is None
        else payment_reference(ledger.fund.name, call.number, ledger.lp_number)
    )
    return CallNotice(
        ledger=ledger,
        call=call,
        lines=lines,
        history=_history(ledger, to_date, dists, call.call_date),
        payment_instructions=instructions,
        document_id=document_id(
            "CCN",
            ledger.fund.fund_id,
            ledger.investor.lp_id,
            call.op_id,
            call.issue_op_id,
            lines,
            instructions,
            overdue,
            reference,
        ),
        overdue=overdue,
        payment_reference=reference,
    )


@dataclass(frozen=True, slots=True)
class DistributionNotice:
    """``classes`` is the LP's amount by class; ``classes_derived`` says they were derived
    when the notice was built, the distribution having been drafted before they were kept."""

    ledger: LpLedger
    distribution: DistributionEntry
    lines: tuple[NoticeLine, ...]
    history: tuple[ActivityLine, ...]
    document_id: str
    classes: Classes | None = None
    classes_derived: bool = False

    @property
    def is_draft(self) -> bool:
        return not self.distribution.is_issued

    def line(self, label: str) -> NoticeLine:
        return next(line for line in self.lines if line.label == label)


def _payment_lines(entry: DistributionEntry) -> tuple[NoticeLine, ...]:
    """Gross to paid: withholding and the offset of unpaid calls, each its own line."""
    op = entry.op_id
    lines = []
    if entry.withheld:
        lines.append(NoticeLine("Less tax withheld", -entry.withheld, op))
        lines.append(NoticeLine("Net distribution", entry.net, op))
    if entry.offsets_unpaid_calls:
        lines.append(
            NoticeLine("Less set off against your unpaid capital calls", -entry.call_offset, op)
        )
    if lines:
        lines.append(NoticeLine("Paid to you", entry.paid, op, emphasis=True))
    return tuple(lines)


def build_distribution_notice(ledger: LpLedger, distribution_id: str) -> DistributionNotice:
    """The notice of ``distribution_id`` to ``ledger``'s LP: its amount by tier when tiers
    are kept, by class (return of capital, gain, income), what is withheld and set off
    against unpaid calls, and whether it is recallable (:mod:`core.distribution_classes`)."""
    entry = ledger.distribution(distribution_id)
    if entry is None:
        raise RecordNotFound(
            f"{ledger.investor.name} ({ledger.investor.lp_id}) receives nothing from "
            f"distribution {distribution_id}"
        )
    index = ledger.distributions.index(entry)
    earlier = tuple(d for d in ledger.distributions[:index] if d.is_issued)
    calls = ledger.issued_calls(entry.distribution_date)
    parts = [NoticeLine(f"Of which {t.phrase}", t.amount, entry.op_id) for t in entry.tiers]
    if not parts:
        parts = [NoticeLine(f"Of which {entry.source_title}", entry.amount, entry.op_id)]
    if entry.carry:
        parts += [
            NoticeLine(
                "Your portion before carried interest", entry.amount + entry.carry, entry.op_id
            ),
            NoticeLine("Less catch-up and carried interest to the GP", -entry.carry, entry.op_id),
        ]
    classes, derived = ledger.classes_of(entry)
    how = " (derived when read)" if derived else ""
    parts += [
        NoticeLine(f"{CLASS_TITLES[name]}{how}", amount, entry.op_id)
        for name, amount in classes.parts()
    ]
    if entry.recallable:
        parts.append(NoticeLine("Recallable: may be called again", entry.amount, entry.op_id))
    distributed = sum((d.amount for d in earlier), _ZERO) + entry.amount
    position = ledger.position(entry.distribution_date)
    commitment = position.commitment
    unfunded_source = "commitment less called to date"
    if position.recallable:
        unfunded_source += ", plus recallable distributions"
    lines = (
        NoticeLine("Amount of this distribution", entry.amount, entry.op_id, emphasis=True),
        *parts,
        *_payment_lines(entry),
        NoticeLine(
            "Cumulative distributions, including this one",
            distributed,
            f"distributions to date listed below ({len(earlier) + 1})",
        ),
        NoticeLine("Commitment", commitment, _commitment_source(ledger)),
        NoticeLine(
            "Contributions paid to date",
            position.paid_in,
            "paid on the calls below",
        ),
        NoticeLine("Unfunded commitment", position.unfunded, unfunded_source),
    )
    return DistributionNotice(
        ledger=ledger,
        distribution=entry,
        lines=lines,
        history=_history(ledger, calls, (*earlier, entry), entry.distribution_date),
        document_id=document_id(
            "DN",
            ledger.fund.fund_id,
            ledger.investor.lp_id,
            entry.op_id,
            entry.issue_op_id,
            lines,
        ),
        classes=classes,
        classes_derived=derived,
    )
