"""The clawback of a fund under an American (deal-by-deal) waterfall, read from its ledger.

What ``dealos report clawback`` prints, and what a desktop view would show: the carry the
GP received deal by deal, the whole-fund carry the LPA's test implies, the excess, the
after-tax cap when the clause is net of taxes, the clawback, and what each LP is owed back,
with the fund-math explanation of every figure (:func:`core.fund_math.assess_clawback`).

The facts are the ledger's, as of the test date (DESIGN §5's point in time), read the way
the waterfall reducer reads them when it runs a distribution
(:mod:`core.reducers.waterfall_distribution`):

* the fund's current LPA terms — the latest version recorded;
* each LP's contributions: payments received against the fund's calls by the date, each
  tied to the deal its call funded;
* each issued distribution dated by then — the realizations — with what each LP received
  and the carry the GP took from that LP's portion, as stored when it was drafted.

Nothing is re-run: the carry received is what the distributions recorded. Deals are named,
in the result and its explanation, by their names; LPs by theirs.

The clawback is net of taxes at the hypothetical rate the LPA states
(``fund.terms.set``'s ``clawback_tax_rate``), gross of taxes when it states none; a caller
may test another rate (``tax_rate``), and the report says which it used.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from core.commands.reading import reading
from core.commands.workspace import Workspace
from core.fund_math import (
    ClawbackResult,
    ClawbackTerms,
    Contribution,
    FundMathError,
    FundTerms,
    LpPosition,
    PriorDistribution,
    WaterfallStyle,
    assess_clawback,
)
from core.reducers.waterfall_distribution import terms_from_row
from core.reports.errors import RecordNotFound, ReportError
from core.reports.presentation import money_text
from core.store.projection import Projection, Row
from core.store.sql_projection import SqlProjection

__all__ = [
    "ClawbackNotApplicable",
    "ClawbackReport",
    "clawback_report",
    "fund_clawback",
]


class ClawbackNotApplicable(ReportError):
    """The fund has no clawback to test: no LPA terms, European terms, no LPs by the date,
    or a distribution tied to no deal."""


@dataclass(frozen=True, slots=True)
class ClawbackReport:
    """A fund's clawback test as of ``as_of``.

    ``result`` is the fund math's own result: its ``deals`` are named by deal name, its
    ``lps`` carry each LP's id and name. ``positions`` are the facts it was computed on,
    so anyone can re-run the test on exactly the same history. ``notes`` say where the
    ledger's history departs from a plain run of these terms: distributions split pro rata
    (no carry taken) or run under an earlier version of the terms.
    """

    fund_id: str
    fund_name: str
    currency: str
    as_of: dt.date
    terms: FundTerms
    positions: tuple[LpPosition, ...]
    result: ClawbackResult
    notes: tuple[str, ...] = ()

    @property
    def gp_name(self) -> str:
        return self.result.gp_name

    @property
    def explanation(self) -> tuple[str, ...]:
        return self.result.explanation

    def money(self, amount: Decimal) -> str:
        """``$80,000.00``: an amount of this report as a person reads it."""
        return money_text(amount, self.currency)


def clawback_report(
    ws: Workspace, fund_id: str, as_of: dt.date, *, tax_rate: Decimal | None = None
) -> ClawbackReport:
    """The clawback of ``fund_id`` as of ``as_of``, gross of taxes unless ``tax_rate``."""
    with reading(ws) as conn:
        return fund_clawback(SqlProjection(conn, ws.org_id), fund_id, as_of, tax_rate=tax_rate)


def fund_clawback(
    store: Projection, fund_id: str, as_of: dt.date, *, tax_rate: Decimal | None = None
) -> ClawbackReport:
    """:func:`clawback_report` over any projection of the ledger."""
    fund = store.get("funds", {"fund_id": fund_id})
    if fund is None:
        raise RecordNotFound(f"--fund {fund_id!r}: no such fund in this organization")
    name, currency = str(fund["name"]), str(fund["currency"])
    rows = store.rows("fund_terms", {"fund_id": fund_id})
    if not rows:
        raise ClawbackNotApplicable(
            f"{name} has no LPA terms recorded: a clawback is tested against an American "
            "(deal-by-deal) waterfall's terms, so record the fund's terms first"
        )
    row = max(rows, key=lambda r: int(r["version"]))
    terms = terms_from_row(row, currency)
    if terms.style is not WaterfallStyle.AMERICAN:
        raise ClawbackNotApplicable(
            f"{name} distributes under a European (whole-fund) waterfall (terms "
            f"v{terms.version}): the GP takes carry only once the whole fund is repaid, so "
            "there is no clawback to test"
        )
    if tax_rate is None and row.get("clawback_tax_rate") is not None:
        tax_rate = Decimal(str(row["clawback_tax_rate"]))
    try:
        clause = ClawbackTerms(tax_rate=tax_rate)
    except FundMathError:
        raise ReportError(
            f"a clawback tax rate of {tax_rate} is not a rate: give the hypothetical tax rate "
            "as a fraction from 0 to below 1, such as 0.40 for 40 %"
        ) from None
    positions, notes = _history(store, fund_id, row, as_of, currency)
    if not positions:
        raise ClawbackNotApplicable(
            f"{name} has no LP with a commitment by {as_of.isoformat()}: there is nothing to test"
        )
    try:
        result = assess_clawback(terms, positions, as_of=as_of, clause=clause)
    except FundMathError as exc:
        raise ClawbackNotApplicable(f"{name}: the clawback cannot be tested: {exc}") from None
    return ClawbackReport(fund_id, name, currency, as_of, terms, positions, result, notes)


def _day(raw: object) -> dt.date:
    return dt.date.fromisoformat(str(raw))


def _deal_names(store: Projection, fund_id: str, deal_ids: set[str]) -> dict[str, str]:
    """Each deal's name; a name two deals share gets a number, so each reads apart."""
    named = sorted(
        (str(d["name"]), deal_id)
        for deal_id in deal_ids
        if (d := store.get("deals", {"deal_id": deal_id})) is not None
    )
    names: dict[str, str] = {}
    seen: dict[str, int] = defaultdict(int)
    for deal_name, deal_id in named:
        seen[deal_name] += 1
        names[deal_id] = deal_name if seen[deal_name] == 1 else f"{deal_name} ({seen[deal_name]})"
    for deal_id in deal_ids - names.keys():
        names[deal_id] = "a deal no longer recorded"
    return names


def _history(
    store: Projection, fund_id: str, terms_row: Row, as_of: dt.date, currency: str
) -> tuple[tuple[LpPosition, ...], tuple[str, ...]]:
    """Every LP's history as it stood on ``as_of`` — commitments, payments received and
    issued distributions dated by then, deals by name — and the report's notes on it."""
    committed: dict[str, Decimal] = defaultdict(Decimal)
    for c in store.rows("commitments", {"fund_id": fund_id}):
        if _day(c["committed_on"]) <= as_of:
            committed[c["lp_id"]] += Decimal(c["amount"])
    paid: dict[str, list[tuple[dt.date, Decimal, str | None]]] = defaultdict(list)
    deal_ids: set[str] = set()
    for call in store.rows("capital_calls", {"fund_id": fund_id}):
        deal = call["deal_id"]
        for pay in store.rows("payments", {"call_id": call["call_id"]}):
            if _day(pay["paid_on"]) <= as_of:
                paid[pay["lp_id"]].append((_day(pay["paid_on"]), Decimal(pay["amount"]), deal))
                if deal is not None:
                    deal_ids.add(deal)
    got: dict[str, list[tuple[dt.date, Decimal, Decimal, str]]] = defaultdict(list)
    current, pro_rata, earlier = int(terms_row["version"]), 0, set[int]()
    for dist in store.rows("distributions", {"fund_id": fund_id, "status": "issued"}):
        on = _day(dist["distribution_date"])
        if on > as_of:
            continue
        if dist["deal_id"] is None:
            amount = money_text(Decimal(dist["amount"]), currency)
            raise ClawbackNotApplicable(
                f"the distribution of {amount} on {on.isoformat()} names no deal: an American "
                "waterfall's clawback is tested on each deal's distributions, so every "
                "distribution must come from a deal"
            )
        deal_ids.add(dist["deal_id"])
        if dist["basis"] != "waterfall":
            pro_rata += 1
        elif dist["terms_version"] is not None and int(dist["terms_version"]) != current:
            earlier.add(int(dist["terms_version"]))
        for a in store.rows(
            "distribution_allocations", {"distribution_id": dist["distribution_id"]}
        ):
            carry = Decimal(a["carry"]) if a["carry"] is not None else Decimal(0)
            got[a["lp_id"]].append((on, Decimal(a["amount"]), carry, dist["deal_id"]))
    deals = _deal_names(store, fund_id, deal_ids)
    lp_names = {
        lp_id: str(lp["name"])
        for lp_id in committed.keys() | got.keys()
        if (lp := store.get("lps", {"lp_id": lp_id})) is not None
    }
    notes = []
    if pro_rata == 1:
        notes.append(
            "One distribution was split pro rata rather than by the waterfall: the GP took "
            "no carry on it, and the whole-fund test counts what it paid the LPs"
        )
    elif pro_rata:
        notes.append(
            f"{pro_rata} distributions were split pro rata rather than by the waterfall: the "
            "GP took no carry on them, and the whole-fund test counts what they paid the LPs"
        )
    if earlier:
        versions = ", ".join(f"v{v}" for v in sorted(earlier))
        notes.append(
            f"Some distributions were run under earlier terms ({versions}): the carry they "
            f"gave the GP is taken as recorded, and the whole-fund test applies terms v{current}"
        )
    gp_lp = terms_row["gp_commitment_lp_id"]
    positions = tuple(
        LpPosition(
            lp_id=lp_id,
            name=lp_names.get(lp_id, "an LP no longer recorded"),
            commitment=committed[lp_id],
            contributions=tuple(
                Contribution(on, amount, None if deal is None else deals[deal])
                for on, amount, deal in sorted(paid[lp_id], key=lambda p: p[0])
            ),
            distributions=tuple(
                PriorDistribution(on, amount, carry, deals[deal])
                for on, amount, carry, deal in sorted(got[lp_id], key=lambda d: d[0])
            ),
            gp_commitment=lp_id == gp_lp,
            bears_carry=lp_id != gp_lp or bool(terms_row["gp_commitment_bears_carry"]),
        )
        for lp_id in sorted(committed.keys() | got.keys())
    )
    return positions, tuple(notes)
