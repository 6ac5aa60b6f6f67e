"""The mix of changes a seed draws from: each move, its weight, and the roles that may make
it (core.domain.roles' matrix, as the op kinds need: an analyst drafts, a GP decides and
issues, the admin administers). A step picks a staff device, then one of the moves its
person's roles allow, by weight.

Its figures come from the run's "ops by kind" line (docs/RELIABILITY.md): every kind a
member's device signs shows up in a CI run, the money moves most often, as a fund's daily
work does, and the administrator's rarely.
"""

from __future__ import annotations

from collections.abc import Callable

from sim_moves import (
    Ctx,
    Proposal,
    call_approve,
    call_create,
    call_delete,
    call_issue,
    call_payment,
    call_revise,
    commitment_create,
    commitment_transfer,
    deal_create,
    deal_transition,
    deal_update,
    distribution_approve,
    distribution_create,
    distribution_delete,
    distribution_issue,
    distribution_revise,
    document_add,
    four_eyes,
    fund_close,
    fund_create,
    fund_nav,
    fund_terms,
    fund_update,
    ic_vote,
    lp_create,
    lp_update,
)
from sim_moves_admin import (
    counsel_grant,
    counsel_revoke,
    device_revoke,
    role_grant,
    role_revoke,
    user_invite,
)

__all__ = ["MOVES", "REVIEWS"]

Move = Callable[[Ctx], Proposal | None]


def _first(*moves: Move) -> Move:
    """The first of ``moves`` that applies: a GP approves a colleague's draft, else records
    a payment on what is called, else issues what is drafted, else drafts — as money moves
    through a fund, whatever the device holds yet;
    a GP records a commitment, else adds the investor who will make it."""

    def move(c: Ctx) -> Proposal | None:
        return next((p for m in moves if (p := m(c)) is not None), None)

    move.__name__ = moves[0].__name__
    return move


_STAFF = frozenset({"gp", "gp_analyst"})
_GP = frozenset({"gp"})
_ADMIN = frozenset({"admin"})

# (move, weight, roles that may make it)
MOVES: list[tuple[Move, int, frozenset[str]]] = [
    (deal_create, 4, _STAFF),
    (deal_update, 4, _STAFF),
    (deal_transition, 5, _STAFF),
    (_first(ic_vote, deal_transition), 3, _GP),  # a vote at IC, else the deal moves on
    (document_add, 3, _STAFF),
    (lp_create, 2, _STAFF),
    (lp_update, 2, _STAFF),
    (_first(commitment_create, lp_create), 3, _GP),  # a new investor, then its commitment
    (commitment_transfer, 2, _GP),
    (fund_create, 1, _GP),
    (fund_terms, 1, _GP),
    (fund_update, 1, _GP),
    (fund_nav, 2, _GP),
    (four_eyes, 1, _ADMIN),
    (fund_close, 1, _GP),
    (call_create, 3, _STAFF),
    (call_revise, 2, _STAFF),
    (call_delete, 1, _STAFF),
    (call_approve, 4, _GP),
    (_first(call_issue, call_create), 8, _GP),
    (_first(call_approve, call_payment, call_issue, call_create), 12, _GP),
    (distribution_create, 3, _STAFF),
    (distribution_revise, 2, _STAFF),
    (_first(distribution_approve, distribution_create), 2, _GP),
    (_first(distribution_issue, distribution_create), 6, _GP),
    (distribution_delete, 1, _STAFF),
    (counsel_grant, 2, _ADMIN),
    (_first(counsel_revoke, counsel_grant), 1, _ADMIN),
    (user_invite, 1, _ADMIN),
    (_first(role_grant, user_invite), 2, _ADMIN),
    (_first(role_revoke, role_grant, user_invite), 2, _ADMIN),
    (device_revoke, 1, _ADMIN),
]

# What a GP decides once the app has synced (sim_run.py's review step): a colleague's draft
# approved, or a vote at IC, whichever the device now holds.
REVIEWS: list[tuple[Move, int, frozenset[str]]] = [
    (_first(call_approve, distribution_approve, ic_vote), 2, _GP),
    (_first(distribution_approve, call_approve, ic_vote), 1, _GP),
    (_first(ic_vote, call_approve, distribution_approve), 1, _GP),
]
