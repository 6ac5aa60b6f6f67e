"""A distribution before and after it is drafted: the fund's LPA terms, a pro-rata preview
per LP, and what the reducer stored (its allocations, GP carry and the waterfall's reasons).

The pro-rata preview uses :func:`core.allocation.allocate_pro_rata` over the weights the
``distribution.create`` reducer uses (paid-in capital or commitments as of the
distribution date, from :func:`core.positions.positions_as_of`), so the preview is what
gets drafted. A
waterfall split depends on every partner's dated history and the terms in force, so it
is not previewed: the reducer runs it when the draft is saved, and :func:`drafted_distribution`
reads what it stored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import and_, select

from core.commands.reading import reading
from core.commands.workspace import Workspace
from core.fund_math.terms import version_in_force
from core.money import Money, MoneyError, parse_amount
from core.ops.payloads.capital import DistributionCreatePayload
from core.positions import positions_as_of
from core.store.schema import (
    deals,
    distribution_allocations,
    distribution_explanations,
    distributions,
    fund_terms,
    funds,
    lps,
)
from core.store.sql_projection import SqlProjection
from core.views.trial import trial_split

__all__ = [
    "NO_TERMS",
    "DealChoice",
    "DistributionPreview",
    "DistributionPreviewLine",
    "DistributionShare",
    "DraftedDistribution",
    "FundTermsSummary",
    "drafted_distribution",
    "fund_deals",
    "fund_terms_of",
    "preview_distribution",
]

NO_TERMS = (
    "The fund has no LPA terms on record; a waterfall distribution needs them "
    "(record them on the Funds page, Terms…, or with dealos fund terms)."
)


def _percent(rate: str) -> str:
    return f"{(Decimal(rate) * 100).normalize():f} %"


@dataclass(frozen=True, slots=True)
class FundTermsSummary:
    """The fund's LPA distribution terms in force (the latest version)."""

    fund_id: str
    version: int
    style: str
    preferred_return: str
    carried_interest: str
    catch_up: str | None
    label: str

    def describe(self) -> str:
        catch_up = "no catch-up" if self.catch_up is None else f"{_percent(self.catch_up)} catch-up"
        return (
            f"{self.style.capitalize()} waterfall: {_percent(self.preferred_return)} preferred "
            f"return, {_percent(self.carried_interest)} carried interest, {catch_up} "
            f"(terms version {self.version})"
        )


@dataclass(frozen=True, slots=True)
class DealChoice:
    deal_id: str
    name: str


@dataclass(frozen=True, slots=True)
class DistributionPreviewLine:
    lp_id: str
    lp_name: str
    committed: Decimal
    paid_in: Decimal
    share: Decimal


@dataclass(frozen=True, slots=True)
class DistributionPreview:
    currency: str
    amount: Decimal | None
    basis: str
    lines: tuple[DistributionPreviewLine, ...]
    problem: str | None  # why this distribution cannot be drafted as it stands

    @property
    def total(self) -> Decimal:
        return sum((line.share for line in self.lines), Decimal(0))


@dataclass(frozen=True, slots=True)
class DistributionShare:
    lp_id: str
    lp_name: str
    amount: Decimal
    carry: Decimal | None  # what the GP took from this LP's portion (waterfall only)


@dataclass(frozen=True, slots=True)
class DraftedDistribution:
    """What the reducer stored for one distribution."""

    distribution_id: str
    status: str
    basis: str
    amount: Decimal
    currency: str
    terms_version: int | None
    gp_carry: Decimal
    shares: tuple[DistributionShare, ...]
    explanation: tuple[str, ...]

    @property
    def total(self) -> Decimal:
        return sum((s.amount for s in self.shares), self.gp_carry)


def fund_terms_of(
    ws: Workspace, fund_id: str, on: dt.date | None = None
) -> FundTermsSummary | None:
    """The fund's LPA terms in force on ``on`` (the latest version when None), or None when
    none were recorded or none has taken effect by then."""
    with reading(ws) as conn:
        rows = [
            dict(r)
            for r in conn.execute(
                select(fund_terms).where(
                    fund_terms.c.org_id == ws.org_id, fund_terms.c.fund_id == fund_id
                )
            ).mappings()
        ]
    row = version_in_force(rows, on)
    if row is None:
        return None
    return FundTermsSummary(
        fund_id=fund_id,
        version=int(row["version"]),
        style=str(row["style"]),
        preferred_return=str(row["preferred_return"]),
        carried_interest=str(row["carried_interest"]),
        catch_up=None if row["catch_up"] is None else str(row["catch_up"]),
        label=str(row["label"]),
    )


def fund_deals(ws: Workspace, fund_id: str) -> list[DealChoice]:
    """The fund's deals, by name: what a distribution may name as its source."""
    with reading(ws) as conn:
        rows = conn.execute(
            select(deals.c.deal_id, deals.c.name)
            .where(deals.c.org_id == ws.org_id, deals.c.fund_id == fund_id)
            .order_by(deals.c.name)
        ).all()
    return [DealChoice(str(deal_id), str(name)) for deal_id, name in rows]


def preview_distribution(
    ws: Workspace, *, fund_id: str, amount: str, basis: str, distribution_date: dt.date
) -> DistributionPreview:
    """Each LP's share of a distribution dated ``distribution_date`` not drafted yet: the
    draft dry-run through the reducer (:mod:`core.views.trial`), pro rata or through the
    waterfall, so the shares and any refusal are the op's own."""
    with reading(ws) as conn:
        currency = conn.execute(
            select(funds.c.currency).where(funds.c.org_id == ws.org_id, funds.c.fund_id == fund_id)
        ).scalar()
        if currency is None:
            return DistributionPreview("", None, basis, (), "choose a fund")
        positions = positions_as_of(
            SqlProjection(conn, ws.org_id), fund_id, distribution_date, with_nav=False
        )
        names = dict(
            conn.execute(select(lps.c.lp_id, lps.c.name).where(lps.c.org_id == ws.org_id)).all()
        )
    try:
        value = parse_amount(amount, currency)
    except MoneyError as exc:
        return DistributionPreview(currency, None, basis, (), str(exc))
    split = trial_split(
        ws,
        DistributionCreatePayload(
            fund_id=fund_id,
            amount=Money(value, currency),
            currency=currency,
            basis=basis,
            distribution_date=distribution_date,
            source="other",
            split_rule="as_of_date",
        ),
        distribution_allocations,
    )
    lines = tuple(
        sorted(
            (
                DistributionPreviewLine(
                    lp,
                    str(names.get(lp, lp)),
                    positions.of(lp).commitment,
                    positions.of(lp).paid_in,
                    share,
                )
                for lp, share in split.shares.items()
            ),
            key=lambda line: (line.lp_name, line.lp_id),
        )
    )
    return DistributionPreview(currency, value, basis, lines, split.problem)


def drafted_distribution(ws: Workspace, distribution_id: str) -> DraftedDistribution | None:
    with reading(ws) as conn:
        row = (
            conn.execute(
                select(distributions).where(
                    distributions.c.org_id == ws.org_id,
                    distributions.c.distribution_id == distribution_id,
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        shares = conn.execute(
            select(
                distribution_allocations.c.lp_id,
                lps.c.name,
                distribution_allocations.c.amount,
                distribution_allocations.c.carry,
            )
            .join(
                lps,
                and_(
                    lps.c.org_id == distribution_allocations.c.org_id,
                    lps.c.lp_id == distribution_allocations.c.lp_id,
                ),
            )
            .where(
                distribution_allocations.c.org_id == ws.org_id,
                distribution_allocations.c.distribution_id == distribution_id,
            )
            .order_by(lps.c.name, distribution_allocations.c.lp_id)
        ).all()
        explanation = conn.execute(
            select(distribution_explanations.c.text)
            .where(
                distribution_explanations.c.org_id == ws.org_id,
                distribution_explanations.c.distribution_id == distribution_id,
            )
            .order_by(distribution_explanations.c.line_no)
        ).scalars()
        lines = tuple(str(text) for text in explanation)
    carry = row["carried_interest"]
    return DraftedDistribution(
        distribution_id=distribution_id,
        status=str(row["status"]),
        basis=str(row["basis"]),
        amount=Decimal(row["amount"]),
        currency=str(row["currency"]),
        terms_version=None if row["terms_version"] is None else int(row["terms_version"]),
        gp_carry=Decimal(carry) if carry else Decimal(0),
        shares=tuple(
            DistributionShare(str(lp), str(name), Decimal(amt), None if c is None else Decimal(c))
            for lp, name, amt, c in shares
        ),
        explanation=lines,
    )
