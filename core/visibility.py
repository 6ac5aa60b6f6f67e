"""Which deals, funds, LP positions and documents a viewer may see: the one definition.

The sync server redacts the pull feed with it (:mod:`core.redaction`, op by op), the
reducers refuse to confirm what it hides, and every read model filters its rows with it
(:mod:`core.views`, as SQL). Staff who read the whole organization see everything. The
external roles see what their active entitlements name, and nothing else (DESIGN §4):

- counsel and lenders: each deal granted to them, every deal of a fund granted to them,
  those deals' documents and approvals, a granted fund's own documents, and the granted
  funds themselves;
- an LP user: the LP positions granted to it (the LP, its contacts, commitments,
  allocations and payments) and the funds those LPs are committed to — never another LP —
  and those funds' documents the GP shared with the LPs (audience "lps"); never a deal's
  document, nor a fund document kept internal.

A grant shows only what fits the role holding it: deal and fund grants open deals to
counsel and lenders only, an LP grant opens a position to an LP user only. A user with no
role sees nothing (deny by default).

Each rule of :class:`Scope` has two readings kept side by side, a test of one entity (for
an op) and a SQL predicate (for a query), so that the two cannot drift apart unnoticed;
``tests/core/test_visibility.py`` checks that the read models and the redacted feed list
the same deals, funds and LPs for every external role.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import ColumnElement, and_, false, or_

from core.domain.roles import Action, Role, allowed
from core.store.projection import Projection

__all__ = [
    "DEAL_READERS",
    "LP_AUDIENCE",
    "Entitlements",
    "Scope",
    "Viewer",
    "entitlements_of",
    "scope_of",
]

# External roles that read deals: the ones a deal or fund grant is for.
DEAL_READERS: Final = frozenset({Role.COUNSEL, Role.LENDER})
_NONE: Final[frozenset[str]] = frozenset()
# A document's audience (core.ops.payloads.deals.Audience) that opens it to its fund's LPs.
LP_AUDIENCE: Final = "lps"


@dataclass(frozen=True, slots=True)
class Entitlements:
    """A user's active grants, as ids."""

    deals: frozenset[str]
    funds: frozenset[str]
    lps: frozenset[str]


def entitlements_of(store: Projection, user_id: str) -> Entitlements:
    """``user_id``'s active grants in ``store``'s organization."""
    grants = store.rows("entitlements", {"user_id": user_id, "active": True})

    def scoped(kind: str) -> frozenset[str]:
        return frozenset(g["scope_id"] for g in grants if g["scope_type"] == kind)

    return Entitlements(scoped("deal"), scoped("fund"), scoped("lp"))


@dataclass(frozen=True, slots=True)
class Scope:
    """What one viewer may see. ``whole_org``: everything, and the id sets are empty;
    otherwise exactly what :attr:`deals`, :attr:`funds` and :attr:`lps` open.

    ``deals`` and ``funds`` are a deal reader's grants (a fund grant opens the fund and
    every deal in it); ``lps`` are an LP user's own positions.
    """

    whole_org: bool
    deals: frozenset[str] = _NONE
    funds: frozenset[str] = _NONE
    lps: frozenset[str] = _NONE

    # -- deals and their documents --------------------------------------------------------

    def admits_deal(self, deal_id: str, fund_id: str | None) -> bool:
        """Whether the deal ``deal_id`` of fund ``fund_id`` is seen. :meth:`deal_clause`
        is the same rule in SQL."""
        return self.whole_org or deal_id in self.deals or fund_id in self.funds

    def deal_clause(
        self, deal_id: ColumnElement[Any], fund_id: ColumnElement[Any]
    ) -> ColumnElement[bool] | None:
        """:meth:`admits_deal` over a deal's id and fund columns; None: no filter."""
        if self.whole_org:
            return None
        clauses: list[ColumnElement[bool]] = []
        if self.deals:
            clauses.append(deal_id.in_(sorted(self.deals)))
        if self.funds:
            clauses.append(fund_id.in_(sorted(self.funds)))
        return or_(*clauses) if clauses else false()

    def sees_deal(self, store: Projection, deal_id: object) -> bool:
        """Whether the deal ``deal_id`` (as an op names it: maybe not a string) is seen,
        its fund read from ``store`` when the deal is not granted itself."""
        if not isinstance(deal_id, str):
            return False
        if self.whole_org or deal_id in self.deals:
            return True
        deal = store.get("deals", {"deal_id": deal_id})
        return deal is not None and self.admits_deal(deal_id, deal["fund_id"])

    def sees_document(
        self, store: Projection, deal_id: object, fund_id: object, audience: object
    ) -> bool:
        """A document is seen with its deal, or with its fund by a deal reader the fund is
        granted to; a fund's document shared with its LPs (``audience`` "lps") is seen by
        the users of the LPs committed to that fund too. :meth:`document_clause` is the
        same rule in SQL."""
        if self.whole_org or self.sees_deal(store, deal_id) or fund_id in self.funds:
            return True
        return audience == LP_AUDIENCE and deal_id is None and self.invests_in(store, fund_id)

    def document_clause(
        self,
        store: Projection,
        *,
        deal_id: ColumnElement[Any],
        fund_id: ColumnElement[Any],
        audience: ColumnElement[Any],
        deal_fund_id: ColumnElement[Any],
    ) -> ColumnElement[bool] | None:
        """:meth:`sees_document` over a document's columns and its deal's fund column (an
        outer join of the deal); None: no filter."""
        if self.whole_org:
            return None
        clauses: list[ColumnElement[bool]] = []
        if self.deals:
            clauses.append(deal_id.in_(sorted(self.deals)))
        if self.funds:
            clauses.append(deal_fund_id.in_(sorted(self.funds)))
            clauses.append(fund_id.in_(sorted(self.funds)))
        invested = self._invested(store)
        if invested:
            clauses.append(
                and_(audience == LP_AUDIENCE, deal_id.is_(None), fund_id.in_(sorted(invested)))
            )
        return or_(*clauses) if clauses else false()

    # -- LP positions -----------------------------------------------------------------------

    def sees_lp(self, lp_id: object) -> bool:
        """Whether LP ``lp_id``'s position (record, contacts, commitments, allocations,
        payments) is seen. :meth:`lp_clause` is the same rule in SQL."""
        return self.whole_org or lp_id in self.lps

    def lp_clause(self, lp_id: ColumnElement[Any]) -> ColumnElement[bool] | None:
        """:meth:`sees_lp` over an LP id column; None: no filter."""
        if self.whole_org:
            return None
        return lp_id.in_(sorted(self.lps)) if self.lps else false()

    # -- funds ------------------------------------------------------------------------------

    def invests_in(self, store: Projection, fund_id: object) -> bool:
        """Whether one of the viewer's own LPs holds a commitment to ``fund_id``: what
        shows an LP user the fund, its terms and NAV marks."""
        if not isinstance(fund_id, str):
            return False
        return any(store.rows("commitments", {"fund_id": fund_id, "lp_id": lp}) for lp in self.lps)

    def sees_fund(self, store: Projection, fund_id: object) -> bool:
        """A fund is seen by a deal reader it is granted to, and by its own LPs' users."""
        return self.whole_org or fund_id in self.funds or self.invests_in(store, fund_id)

    def fund_ids(self, store: Projection) -> frozenset[str] | None:
        """Every fund :meth:`sees_fund` admits; None: all of them."""
        if self.whole_org:
            return None
        return self.funds | self._invested(store)

    def _invested(self, store: Projection) -> frozenset[str]:
        """The funds the viewer's own LPs hold a commitment to."""
        return frozenset(
            c["fund_id"] for lp in self.lps for c in store.rows("commitments", {"lp_id": lp})
        )


def scope_of(roles: Iterable[Role], ents: Entitlements) -> Scope:
    """What a user holding ``roles`` and granted ``ents`` may see."""
    held = frozenset(roles)
    if allowed(held, Action.READ_ORG):
        return Scope(whole_org=True)
    reads_deals = bool(held & DEAL_READERS)
    return Scope(
        whole_org=False,
        deals=ents.deals if reads_deals else _NONE,
        funds=ents.funds if reads_deals else _NONE,
        lps=ents.lps if Role.LP in held else _NONE,
    )


@dataclass(frozen=True, slots=True)
class Viewer:
    """A user and the roles they hold, as the server and the reducers know them."""

    user_id: str
    roles: frozenset[Role]

    @property
    def reads_everything(self) -> bool:
        """Staff: every op as signed, no redaction."""
        return allowed(self.roles, Action.READ_ORG)

    def scope(self, ents: Entitlements) -> Scope:
        """What the viewer may see, granted ``ents``."""
        return scope_of(self.roles, ents)
