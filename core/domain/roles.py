"""Roles and the permission matrix of DESIGN §4, as data. Deny by default.

The matrix is one frozen mapping from :class:`Action` to the roles allowed to perform it;
which action an operation needs is decided in :mod:`core.ops.kinds`. Tests assert every
cell of this table against the table in DESIGN.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Final

__all__ = ["EXTERNAL_ROLES", "PERMISSIONS", "Action", "Role", "allowed", "parse_role"]


class Role(StrEnum):
    GP = "gp"
    GP_ANALYST = "gp_analyst"
    ADMIN = "admin"
    COUNSEL = "counsel"
    LENDER = "lender"
    LP = "lp"
    AUDITOR = "auditor"
    REGULATOR = "regulator"


class Action(StrEnum):
    EDIT_DEAL = "edit_deal"  # create/edit deal, add documents
    ADVANCE_TO_IC = "advance_to_ic"  # move a deal up to IC review
    DECIDE_DEAL = "decide_deal"  # IC approval, close, exit, kill
    LEGAL_SIGNOFF = "legal_signoff"  # legal sign-off (gate to close)
    DRAFT_FINANCIAL = "draft_financial"  # draft capital call / distribution
    ISSUE_FINANCIAL = "issue_financial"  # issue call / distribution, record payment
    ADMINISTER = "administer"  # users, roles, devices, entitlements
    READ_ORG = "read_org"  # read the whole organization
    READ_ENTITLED = "read_entitled"  # read entitled deals / own positions only
    READ_AUDIT = "read_audit"  # read and verify the audit log


_R = Role
PERMISSIONS: Final[dict[Action, frozenset[Role]]] = {
    Action.EDIT_DEAL: frozenset({_R.GP, _R.GP_ANALYST}),
    Action.ADVANCE_TO_IC: frozenset({_R.GP, _R.GP_ANALYST}),
    Action.DECIDE_DEAL: frozenset({_R.GP}),
    Action.LEGAL_SIGNOFF: frozenset({_R.COUNSEL}),
    Action.DRAFT_FINANCIAL: frozenset({_R.GP, _R.GP_ANALYST}),
    Action.ISSUE_FINANCIAL: frozenset({_R.GP}),
    Action.ADMINISTER: frozenset({_R.ADMIN}),
    Action.READ_ORG: frozenset({_R.GP, _R.GP_ANALYST, _R.ADMIN, _R.AUDITOR, _R.REGULATOR}),
    Action.READ_ENTITLED: frozenset({_R.COUNSEL, _R.LENDER, _R.LP}),
    Action.READ_AUDIT: frozenset({_R.GP, _R.ADMIN, _R.AUDITOR, _R.REGULATOR}),
}

# Roles whose reads are limited to their entitlements and who receive redacted ops.
EXTERNAL_ROLES: Final = frozenset({Role.COUNSEL, Role.LENDER, Role.LP})


def allowed(roles: Iterable[Role], action: Action) -> bool:
    """True when any of ``roles`` may perform ``action``."""
    permitted = PERMISSIONS[action]
    return any(role in permitted for role in roles)


def parse_role(raw: str) -> Role:
    try:
        return Role(raw)
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise ValueError(f"unknown role {raw!r}; roles are {names}") from None
