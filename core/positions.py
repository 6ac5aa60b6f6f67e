"""Each LP's position in a fund as of a date: the one definition of the ledger's terms.

Every split (the call and distribution reducers), notice, statement, report, export and
desktop figure reads commitment, called, paid-in, called not paid, distributed and
unfunded from here, so a term means one thing everywhere (DESIGN §9):

* **commitment** — commitments dated (``committed_on``) on or before the date;
* **called** — the LP's share of *issued* calls dated on or before it; a draft is the GP's
  working copy and never counts;
* **paid-in** — payments received (``paid_on``) on or before it, not amounts called;
* **called not paid** — called less paid-in, also kept call by call
  (:attr:`Position.calls`: each issued call's share, paid and outstanding); **overdue** is
  the part of it whose call was due before the date, kept call by call
  (:attr:`Position.overdue_calls`) so a notice lists each late call with the same figures
  it totals;
* **distributed** — the LP's amount of *issued* distributions dated on or before it;
* **unfunded** — commitment less called, plus **recallable** distributions: the LP's
  amount of issued distributions dated on or before the date that the GP may call again
  (:attr:`Position.recallable`);
* **NAV share** — the LP's share of the latest NAV recorded on or before it, split pro
  rata to paid-in as of the NAV's date (to commitments while nothing is paid in), by
  largest remainder so the shares add up to the NAV to the cent; ``None`` without a NAV.

A GP-side safeguard is a different quantity: **available to call** is unfunded less what
draft calls already reserve, so two drafts cannot together call an LP beyond its
commitment. It is never shown as unfunded.

Each record counts by its *own* date, so a distribution dated D split by paid-in is split
by the payments received by D, however late it is drafted, and the same log replayed gives
the same cents. ``as_of=None`` means "everything recorded", whatever its date.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from core.allocation import allocate_pro_rata
from core.store.projection import Projection

__all__ = [
    "CallShare",
    "Entry",
    "FundPositions",
    "LedgerBook",
    "OverdueCall",
    "Position",
    "Term",
    "ledger_book",
    "positions_as_of",
    "split_nav",
    "tally",
]

_ZERO = Decimal(0)

# The figures of a position a split weighs by or a report totals.
Term = Literal[
    "commitment",
    "called",
    "paid_in",
    "called_not_paid",
    "overdue",
    "distributed",
    "unfunded",
    "drafted",
    "available_to_call",
]


@dataclass(frozen=True, slots=True)
class Entry:
    """One dated amount of an LP's ledger: a commitment, a call share, a payment or a
    distribution share. ``issued`` is False for a draft call or distribution; ``ref`` ties a
    payment to its call and ``due`` is a call's due date (both only to tell what is overdue);
    ``recallable`` marks a distribution share the GP may call again.
    """

    on: dt.date
    amount: Decimal
    issued: bool = True
    ref: str = ""
    due: dt.date | None = None
    recallable: bool = False


@dataclass(frozen=True, slots=True)
class CallShare:
    """The LP's share of one issued call (``ref``, the :attr:`Entry.ref` of its share) and
    the payments against it received by the date."""

    ref: str
    due: dt.date | None
    called: Decimal
    paid: Decimal

    @property
    def outstanding(self) -> Decimal:
        """Called not paid on this call."""
        return self.called - self.paid


@dataclass(frozen=True, slots=True)
class OverdueCall:
    """What is still unpaid on one issued call whose due date has passed.

    ``ref`` is the call (the :attr:`Entry.ref` of its share), ``outstanding`` its share less
    the payments against it received by the date, ``days`` how long past due on that date.
    """

    ref: str
    due: dt.date
    outstanding: Decimal
    days: int


@dataclass(frozen=True, slots=True)
class Position:
    """One LP in one fund as of ``as_of`` (``None``: every record, whatever its date)."""

    lp_id: str
    as_of: dt.date | None
    commitment: Decimal
    called: Decimal
    paid_in: Decimal
    distributed: Decimal
    overdue: Decimal
    drafted: Decimal
    nav_share: Decimal | None = None
    # The calls that make up ``overdue``, by due date; ``overdue`` is their sum.
    overdue_calls: tuple[OverdueCall, ...] = ()
    # Issued recallable distributions dated by then: they add back to unfunded (DESIGN §9).
    recallable: Decimal = _ZERO
    # Each issued call dated by then, by date: ``called`` and ``paid_in`` call by call.
    calls: tuple[CallShare, ...] = ()

    def call(self, ref: str) -> CallShare | None:
        """The LP's share of the issued call ``ref``; None if it counts no such call."""
        return next((c for c in self.calls if c.ref == ref), None)

    @property
    def unfunded(self) -> Decimal:
        """Commitment not yet called by issued calls, plus recallable distributions."""
        return self.commitment - self.called + self.recallable

    @property
    def called_not_paid(self) -> Decimal:
        """Issued calls less paid-in: what the LP still owes on calls made so far."""
        return self.called - self.paid_in

    @property
    def available_to_call(self) -> Decimal:
        """Unfunded less what draft calls already reserve: the ceiling of a new call."""
        return self.unfunded - self.drafted


def _upto(day: dt.date, as_of: dt.date | None) -> bool:
    return as_of is None or day <= as_of


def tally(
    lp_id: str,
    as_of: dt.date | None,
    *,
    commitments: Iterable[Entry],
    calls: Iterable[Entry],
    payments: Iterable[Entry],
    distributions: Iterable[Entry],
    nav_share: Decimal | None = None,
) -> Position:
    """An LP's position from its dated entries: the only place the terms are computed."""
    committed = [c for c in commitments if _upto(c.on, as_of)]
    dated_calls = [c for c in calls if _upto(c.on, as_of)]
    issued = [c for c in dated_calls if c.issued]
    paid = [p for p in payments if _upto(p.on, as_of)]
    distributed = [d for d in distributions if d.issued and _upto(d.on, as_of)]
    paid_by_call: dict[str, Decimal] = defaultdict(Decimal)
    for p in paid:
        paid_by_call[p.ref] += p.amount
    shares = tuple(
        CallShare(c.ref, c.due, c.amount, paid_by_call.get(c.ref, _ZERO))
        for c in sorted(issued, key=lambda c: (c.on, c.ref))
    )
    late = sorted(
        (
            OverdueCall(s.ref, s.due, s.outstanding, (as_of - s.due).days)
            for s in shares
            if as_of is not None and s.due is not None and s.due < as_of and s.outstanding > 0
        ),
        key=lambda o: (o.due, o.ref),
    )
    return Position(
        lp_id=lp_id,
        as_of=as_of,
        commitment=sum((c.amount for c in committed), _ZERO),
        called=sum((c.amount for c in issued), _ZERO),
        paid_in=sum((p.amount for p in paid), _ZERO),
        distributed=sum((d.amount for d in distributed), _ZERO),
        overdue=sum((o.outstanding for o in late), _ZERO),
        drafted=sum((c.amount for c in dated_calls if not c.issued), _ZERO),
        nav_share=nav_share,
        overdue_calls=tuple(late),
        recallable=sum((d.amount for d in distributed if d.recallable), _ZERO),
        calls=shares,
    )


@dataclass(frozen=True, slots=True)
class FundPositions:
    """Every LP with a commitment to the fund as of ``as_of``, and the NAV that applies."""

    fund_id: str
    currency: str
    as_of: dt.date | None
    positions: Mapping[str, Position]
    nav: Decimal | None = None
    nav_as_of: dt.date | None = None
    nav_valuation_id: str | None = None

    def of(self, lp_id: str) -> Position:
        """``lp_id``'s position; all zeros for an LP without a commitment by the date."""
        found = self.positions.get(lp_id)
        if found is not None:
            return found
        return tally(lp_id, self.as_of, commitments=(), calls=(), payments=(), distributions=())

    @property
    def lp_ids(self) -> list[str]:
        return sorted(self.positions)

    def weights(self, basis: Term) -> dict[str, Decimal]:
        """Each LP's pro-rata weight: ``commitment``, ``unfunded`` or ``paid_in``."""
        return {lp: getattr(p, basis) for lp, p in sorted(self.positions.items())}

    def total(self, term: Term) -> Decimal:
        """The fund's total of one term (``called``, ``unfunded`` …) across its LPs."""
        return sum((getattr(p, term) for p in self.positions.values()), _ZERO)


def _day(raw: str) -> dt.date:
    return dt.date.fromisoformat(raw)


def _entries(store: Projection, fund_id: str) -> dict[str, dict[str, list[Entry]]]:
    """Every LP's dated entries in the fund, read from the projection rows."""
    book: dict[str, dict[str, list[Entry]]] = defaultdict(lambda: defaultdict(list))
    for c in store.rows("commitments", {"fund_id": fund_id}):
        book[c["lp_id"]]["commitments"].append(Entry(_day(c["committed_on"]), Decimal(c["amount"])))
    for call in store.rows("capital_calls", {"fund_id": fund_id}):
        on, issued, ref = _day(call["call_date"]), call["status"] == "issued", call["call_id"]
        due = _day(call["due_date"])
        for a in store.rows("call_allocations", {"call_id": ref}):
            book[a["lp_id"]]["calls"].append(Entry(on, Decimal(a["amount"]), issued, ref, due))
        for pay in store.rows("payments", {"call_id": ref}):
            book[pay["lp_id"]]["payments"].append(
                Entry(_day(pay["paid_on"]), Decimal(pay["amount"]), True, ref)
            )
    for d in store.rows("distributions", {"fund_id": fund_id}):
        on, issued = _day(d["distribution_date"]), d["status"] == "issued"
        recallable = bool(d.get("recallable"))
        for a in store.rows("distribution_allocations", {"distribution_id": d["distribution_id"]}):
            book[a["lp_id"]]["distributions"].append(
                Entry(on, Decimal(a["amount"]), issued, recallable=recallable)
            )
    return book


def _positions(
    book: Mapping[str, Mapping[str, list[Entry]]],
    as_of: dt.date | None,
    nav_shares: Mapping[str, Decimal] | None = None,
) -> dict[str, Position]:
    found = {}
    for lp_id, entries in sorted(book.items()):
        if not any(_upto(c.on, as_of) for c in entries.get("commitments", ())):
            continue
        found[lp_id] = tally(
            lp_id,
            as_of,
            commitments=entries.get("commitments", ()),
            calls=entries.get("calls", ()),
            payments=entries.get("payments", ()),
            distributions=entries.get("distributions", ()),
            nav_share=None if nav_shares is None else nav_shares.get(lp_id, _ZERO),
        )
    return found


@dataclass(frozen=True, slots=True)
class LedgerBook:
    """A fund's dated entries, read once, from which positions on any date are tallied."""

    fund_id: str
    currency: str
    entries: Mapping[str, Mapping[str, list[Entry]]]
    marks: tuple[tuple[dt.date, str, Decimal], ...]  # (as of, valuation id, NAV)

    def as_of(self, as_of: dt.date | None, *, with_nav: bool = True) -> FundPositions:
        """Every LP's position as of ``as_of``; ``with_nav=False`` skips the NAV shares
        (a split never reads them)."""
        marks = [m for m in self.marks if as_of is None or m[0] <= as_of]
        if not with_nav or not marks or not self.currency:
            return FundPositions(
                self.fund_id, self.currency, as_of, _positions(self.entries, as_of)
            )
        marked, valuation_id, nav = max(marks)
        at_mark = _positions(self.entries, marked)
        shares = split_nav(
            nav,
            {lp: p.paid_in for lp, p in at_mark.items()},
            {lp: p.commitment for lp, p in at_mark.items()},
            self.currency,
        )
        return FundPositions(
            self.fund_id,
            self.currency,
            as_of,
            _positions(self.entries, as_of, shares),
            nav=nav,
            nav_as_of=marked,
            nav_valuation_id=valuation_id,
        )


def ledger_book(store: Projection, fund_id: str) -> LedgerBook:
    """Read ``fund_id``'s commitments, calls, payments, distributions and NAV marks."""
    fund = store.get("funds", {"fund_id": fund_id})
    marks = tuple(
        (_day(m["as_of"]), str(m["valuation_id"]), Decimal(m["nav"]))
        for m in store.rows("fund_valuations", {"fund_id": fund_id})
    )
    return LedgerBook(
        fund_id,
        "" if fund is None else str(fund["currency"]),
        _entries(store, fund_id),
        marks,
    )


def positions_as_of(
    store: Projection, fund_id: str, as_of: dt.date | None, *, with_nav: bool = True
) -> FundPositions:
    """Every LP's position in ``fund_id`` as of ``as_of``, from the projection rows.

    ``with_nav=False`` skips the NAV shares (a split never reads them).
    """
    return ledger_book(store, fund_id).as_of(as_of, with_nav=with_nav)


def split_nav(
    nav: Decimal,
    paid_in: Mapping[str, Decimal],
    committed: Mapping[str, Decimal],
    currency: str,
) -> dict[str, Decimal]:
    """Each LP's share of a NAV mark: the LPs committed by the mark's date (the keys of
    ``committed``), pro rata to what each had paid in by then — to its commitment while no
    LP has paid anything — by largest remainder; none when every weight is zero."""
    weights = {lp: paid_in.get(lp, _ZERO) for lp in sorted(committed)}
    if not any(weights.values()):
        weights = {lp: committed[lp] for lp in sorted(committed)}
    if not any(weights.values()):
        return {}
    return allocate_pro_rata(nav, weights, currency)
