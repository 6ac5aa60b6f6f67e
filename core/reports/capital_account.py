"""The capital account statement: an LP's account in one fund, rolled over a period.

Closing balance = opening balance + contributions − distributions − fees + change in NAV,
to the cent, for each column (the period, the year to date, since inception).

* Contributions are cash the LP paid (``capital_call.payment``), dated when paid — not
  amounts called: a called, unpaid amount is an outstanding call, shown as a memo.
* Distributions are the LP's allocations of issued distributions, by waterfall tier when
  the distribution records tiers, otherwise by source (income, exit, …).
* The balance on a day is the LP's share of the latest fund NAV on or before it, rolled
  forward by later contributions and distributions; with no NAV recorded it is the cost
  basis, contributions less distributions, and the change in NAV is therefore nil.
* Performance as of the period end — paid-in, distributed, NAV, TVPI, DPI, RVPI and IRR —
  is :func:`core.fund_math.metrics.account_metrics` of the LP's dated cash and its NAV
  share (:attr:`core.positions.Position.nav_share`), the block the performance report
  states for the same LP and date. Without a NAV recorded by the period end, TVPI and
  RVPI have no value and the IRR is named by :func:`core.fund_math.irr_basis.irr_label`;
  with nothing paid in, no multiple has a value.

:func:`reconcile` checks a statement against the ledger it came from and returns every
difference as data (an empty tuple when it reconciles), so a document that does not tie
out is never rendered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from core.fund_math.cashflows import CashFlow
from core.fund_math.irr_basis import irr_label
from core.fund_math.metrics import Metrics, account_metrics
from core.reports.ledger_values import (
    CallEntry,
    DistributionEntry,
    LpLedger,
    NavShare,
    PaymentEntry,
)
from core.reports.periods import ReportPeriod
from core.reports.presentation import document_id, long_date, money_text

__all__ = [
    "AccountColumn",
    "CapitalAccountStatement",
    "NavLookup",
    "balance_on",
    "build_statement",
    "distribution_lines",
    "performance_at",
    "reconcile",
]

NavLookup = Callable[[dt.date], NavShare | None]
"""The LP's share of the latest fund NAV on or before a day (``None``: none recorded)."""

_ZERO = Decimal(0)


def _no_nav(_day: dt.date) -> NavShare | None:
    return None


@dataclass(frozen=True, slots=True)
class AccountColumn:
    """The account rolled over one window, ``start`` to ``end`` inclusive."""

    title: str
    start: dt.date | None
    end: dt.date
    opening: Decimal
    contributions: Decimal
    distributions: tuple[tuple[str, Decimal], ...]
    fees: Decimal
    nav_change: Decimal
    closing: Decimal

    @property
    def distributed(self) -> Decimal:
        return sum((amount for _, amount in self.distributions), _ZERO)

    def distribution(self, label: str) -> Decimal:
        return sum((amount for name, amount in self.distributions if name == label), _ZERO)

    @property
    def difference(self) -> Decimal:
        """What the roll-forward misses by: zero when the column ties out."""
        rolled = self.opening + self.contributions - self.distributed - self.fees
        return self.closing - (rolled + self.nav_change)


@dataclass(frozen=True, slots=True)
class CapitalAccountStatement:
    ledger: LpLedger
    period: ReportPeriod
    columns: tuple[AccountColumn, ...]
    contributions: tuple[PaymentEntry, ...]
    distributions: tuple[DistributionEntry, ...]
    calls: tuple[CallEntry, ...]
    nav: NavShare | None
    notes: tuple[str, ...]
    document_id: str
    # "Preliminary — period ends …" while the period had not ended on the day it was drawn.
    preliminary: str | None = None
    # Performance as of the period end (see :func:`performance_at`) and what its IRR is
    # called: "IRR", or "IRR (distributions only: no NAV recorded as of …)".
    performance: Metrics | None = None
    irr_label: str = "IRR"

    @property
    def current(self) -> AccountColumn:
        return self.columns[0]

    def distribution_labels(self) -> tuple[str, ...]:
        """Every distribution line any column shows, in the order the lines first occurred."""
        seen: dict[str, None] = {}
        for column in reversed(self.columns):  # since inception first: chronological
            for label, _ in column.distributions:
                seen.setdefault(label, None)
        return tuple(seen)


def distribution_lines(entry: DistributionEntry) -> tuple[tuple[str, Decimal], ...]:
    """By tier when the distribution records tiers, else one line by source."""
    if entry.tiers:
        return tuple((f"Distributions: {t.phrase}", t.amount) for t in entry.tiers)
    return ((f"Distributions: {entry.source_title}", entry.amount),)


def performance_at(ledger: LpLedger, day: dt.date, nav: NavShare | None) -> Metrics:
    """The LP's performance as of ``day``: payments and issued distributions up to it, and
    ``nav`` (its share of the latest NAV recorded by then, or ``None``) as the residual."""
    position = ledger.position(day)
    return account_metrics(
        day,
        position.commitment,
        position.called,
        [CashFlow(p.paid_on, p.amount) for p in ledger.payments_between(None, day)],
        [CashFlow(d.distribution_date, d.amount) for d in ledger.issued_distributions(None, day)],
        None if nav is None else nav.amount,
    )


def balance_on(ledger: LpLedger, day: dt.date, nav: NavLookup | None = None) -> Decimal:
    """The capital account at the end of ``day``.

    The LP's NAV share rolled forward by later contributions and distributions when a NAV
    is recorded on or before ``day``; otherwise the cost basis.
    """
    share = (nav or _no_nav)(day)
    if share is None:
        return ledger.cost_basis(day)
    after = share.as_of + dt.timedelta(days=1)
    paid = sum((p.amount for p in ledger.payments_between(after, day)), _ZERO)
    returned = sum((d.amount for d in ledger.issued_distributions(after, day)), _ZERO)
    return share.amount + paid - returned


class _Account:
    def __init__(self, ledger: LpLedger, nav: NavLookup) -> None:
        self.ledger = ledger
        self.nav = nav

    def balance(self, day: dt.date) -> Decimal:
        return balance_on(self.ledger, day, self.nav)

    def column(self, title: str, start: dt.date | None, end: dt.date) -> AccountColumn:
        opening = _ZERO if start is None else self.balance(start - dt.timedelta(days=1))
        contributions = sum((p.amount for p in self.ledger.payments_between(start, end)), _ZERO)
        lines: dict[str, Decimal] = {}
        for entry in self.ledger.issued_distributions(start, end):
            for label, amount in distribution_lines(entry):
                lines[label] = lines.get(label, _ZERO) + amount
        distributed = sum(lines.values(), _ZERO)
        fees = _ZERO  # no fee or expense op exists yet; the line stays so LPs see it is nil
        closing = self.balance(end)
        nav_change = closing - opening - contributions + distributed + fees
        return AccountColumn(
            title,
            start,
            end,
            opening,
            contributions,
            tuple(lines.items()),
            fees,
            nav_change,
            closing,
        )


def build_statement(
    ledger: LpLedger,
    period: ReportPeriod,
    *,
    nav: NavLookup | None = None,
    today: dt.date | None = None,
) -> CapitalAccountStatement:
    """The statement of ``ledger``'s LP for ``period``; ``nav`` defaults to none recorded.

    ``today`` (default: the clock's) decides whether the period has ended: one not begun is
    a :class:`~core.reports.errors.PeriodError`, one still running is marked preliminary.
    """
    day = dt.date.today() if today is None else today
    period.require_begun(day)
    preliminary = period.preliminary(day)
    account = _Account(ledger, nav or _no_nav)
    columns = [account.column("This period", period.start, period.end)]
    if not period.is_year and period.start != period.year_start:
        columns.append(account.column("Year to date", period.year_start, period.end))
    columns.append(account.column("Since inception", None, period.end))
    nav_share = account.nav(period.end)
    contributions = ledger.payments_between(period.start, period.end)
    distributions = ledger.issued_distributions(period.start, period.end)
    calls = tuple(c for c in ledger.issued_calls(period.end) if c.call_date >= period.start)
    doc = document_id(
        "CAS",
        ledger.fund.fund_id,
        ledger.investor.lp_id,
        period.label,
        columns,
        [p.op_id for p in ledger.payments_between(None, period.end)],
        [d.op_id for d in ledger.issued_distributions(None, period.end)],
        nav_share,
        *([preliminary] if preliminary else []),
    )
    return CapitalAccountStatement(
        ledger=ledger,
        period=period,
        columns=tuple(columns),
        contributions=contributions,
        distributions=distributions,
        calls=calls,
        nav=nav_share,
        notes=_notes(ledger, period, nav_share),
        document_id=doc,
        preliminary=preliminary,
        performance=performance_at(ledger, period.end, nav_share),
        irr_label=irr_label(None if nav_share is None else nav_share.as_of, period.end),
    )


def _notes(ledger: LpLedger, period: ReportPeriod, nav: NavShare | None) -> tuple[str, ...]:
    currency = ledger.currency
    notes = []
    if nav is None:
        notes.append(
            f"No net asset value has been recorded for {ledger.fund.name}; the capital account "
            "is stated at cost (contributions less distributions) and the change in NAV is nil."
        )
    else:
        notes.append(
            f"The closing balance is your share of the fund's net asset value as of "
            f"{long_date(nav.as_of)} (op {nav.op_id}), rolled forward by later activity."
        )
    notes.append("No management fees or fund expenses have been charged to this account.")
    for call in ledger.issued_calls(period.end):
        unpaid = ledger.unpaid_on(call, period.end)
        if call.due_date <= period.end and unpaid > 0:
            notes.append(
                f"{call.title}, due {long_date(call.due_date)}: "
                f"{money_text(unpaid, currency)} of "
                f"{money_text(call.amount, currency)} remained unpaid at "
                f"{long_date(period.end)}."
            )
    return tuple(notes)


def reconcile(statement: CapitalAccountStatement) -> tuple[str, ...]:
    """Every way ``statement`` disagrees with its ledger; empty when it ties out."""
    ledger, period = statement.ledger, statement.period
    currency = ledger.currency
    problems = []
    for column in statement.columns:
        if column.difference != 0:
            problems.append(
                f"{column.title}: closing {column.closing} is off the roll-forward by "
                f"{column.difference}"
            )
        if statement.nav is None and column.nav_change != 0:
            problems.append(
                f"{column.title}: no NAV is recorded, yet the account moved "
                f"{column.nav_change} beyond its contributions and distributions"
            )
    current = statement.current
    paid = sum((p.amount for p in statement.contributions), _ZERO)
    if current.contributions != paid or paid != sum(
        (p.amount for p in ledger.payments_between(period.start, period.end)), _ZERO
    ):
        problems.append(
            f"contributions {current.contributions} differ from the payments recorded in "
            f"{period.label} ({money_text(paid, currency)})"
        )
    returned = sum((d.amount for d in statement.distributions), _ZERO)
    if current.distributed != returned:
        problems.append(
            f"distributions {current.distributed} differ from the allocations of "
            f"{period.label} ({returned})"
        )
    for entry in statement.distributions:
        if entry.tiers and sum((t.amount for t in entry.tiers), _ZERO) != entry.amount:
            problems.append(
                f"distribution {entry.distribution_id}: its tiers do not add up to {entry.amount}"
            )
    if statement.nav is None and statement.columns[-1].closing != ledger.cost_basis(period.end):
        problems.append(
            f"closing balance {statement.columns[-1].closing} is not the cost basis "
            f"{ledger.cost_basis(period.end)} at {period.end}"
        )
    if any(column.closing != current.closing for column in statement.columns):
        problems.append("the columns do not close on the same balance")
    return tuple(problems)
