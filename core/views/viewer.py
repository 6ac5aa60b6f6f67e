"""Who is looking: the user of this workspace, their roles, and what they may see and do.

The desktop greys out what a role may not do and hides what it may not see; the reducers
still decide every change. What a viewer may see is its :class:`core.visibility.Scope`:
external roles (counsel, lender, LP) read only what their entitlements name (DESIGN §4),
staff the whole organization — the same definition that redacts what the server sends.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from sqlalchemy import select

from core.commands.reading import reading
from core.commands.workspace import Workspace
from core.domain.roles import PERMISSIONS, Action, Role, allowed
from core.store.schema import devices, funds, memberships, organizations, users
from core.store.sql_projection import SqlProjection
from core.visibility import Scope, entitlements_of, scope_of

__all__ = [
    "MUTATING_ACTIONS",
    "ROLE_LABELS",
    "FundRef",
    "Person",
    "Viewer",
    "current_viewer",
    "list_people",
    "viewer_of",
    "visible_funds",
]

MUTATING_ACTIONS: Final = frozenset(
    {
        Action.EDIT_DEAL,
        Action.ADVANCE_TO_IC,
        Action.DECIDE_DEAL,
        Action.LEGAL_SIGNOFF,
        Action.DRAFT_FINANCIAL,
        Action.ISSUE_FINANCIAL,
        Action.ADMINISTER,
    }
)

ROLE_LABELS: Final[dict[Role, str]] = {
    Role.GP: "GP",
    Role.GP_ANALYST: "GP analyst",
    Role.ADMIN: "admin",
    Role.COUNSEL: "counsel",
    Role.LENDER: "lender",
    Role.LP: "LP",
    Role.AUDITOR: "auditor",
    Role.REGULATOR: "regulator",
}


@dataclass(frozen=True, slots=True)
class Viewer:
    user_id: str
    display_name: str
    email: str
    roles: frozenset[Role]
    org_id: str
    org_name: str
    base_currency: str
    device_id: str
    device_name: str
    scope: Scope  # what the viewer may see

    def can(self, action: Action) -> bool:
        return allowed(self.roles, action)

    @property
    def read_only(self) -> bool:
        return not any(self.can(a) for a in MUTATING_ACTIONS)

    @property
    def external(self) -> bool:
        """True when the viewer sees only what its entitlements name."""
        return not self.scope.whole_org

    @property
    def entitled_lps(self) -> frozenset[str] | None:
        """The LP positions the viewer sees; None: every one."""
        return None if self.scope.whole_org else self.scope.lps

    @property
    def role_names(self) -> str:
        if not self.roles:
            return "no role yet"
        return ", ".join(ROLE_LABELS[r] for r in sorted(self.roles))

    def why_not(self, action: Action, doing: str) -> str | None:
        """None when the viewer may do ``action``; else a sentence saying who may."""
        if self.can(action):
            return None
        who = " or ".join(ROLE_LABELS[r] for r in sorted(PERMISSIONS[action]))
        article = "an" if who[:1] in "aeiou" or who.startswith("LP") else "a"
        return f"Only {article} {who} may {doing}; you are signed in as {self.role_names}."


def current_viewer(ws: Workspace) -> Viewer:
    """The user this workspace is signed in as."""
    return viewer_of(ws, ws.user_id)


def viewer_of(ws: Workspace, user_id: str) -> Viewer:
    """``user_id`` as this workspace's device would show them the organization, from the
    roles and entitlements it holds (what :func:`current_viewer` is once they sign in)."""
    with reading(ws) as conn:
        org = conn.execute(
            select(organizations.c.name, organizations.c.base_currency).where(
                organizations.c.org_id == ws.org_id
            )
        ).first()
        user = conn.execute(
            select(users.c.display_name, users.c.email).where(
                users.c.org_id == ws.org_id, users.c.user_id == user_id
            )
        ).first()
        roles = frozenset(
            Role(r)
            for (r,) in conn.execute(
                select(memberships.c.role).where(
                    memberships.c.org_id == ws.org_id, memberships.c.user_id == user_id
                )
            )
        )
        device = conn.execute(
            select(devices.c.name).where(
                devices.c.org_id == ws.org_id, devices.c.device_id == ws.device_id
            )
        ).scalar()
        ents = entitlements_of(SqlProjection(conn, ws.org_id), user_id)
    return Viewer(
        user_id=user_id,
        display_name=user.display_name if user else "(not yet synced)",
        email=user.email if user else "",
        roles=roles,
        org_id=ws.org_id,
        org_name=org.name if org else "(not yet synced)",
        base_currency=org.base_currency if org else "USD",
        device_id=ws.device_id,
        device_name=device or "this device",
        scope=scope_of(roles, ents),
    )


@dataclass(frozen=True, slots=True)
class Person:
    user_id: str
    display_name: str
    email: str
    roles: frozenset[Role]


def list_people(ws: Workspace) -> list[Person]:
    """Active users of the organization with their roles, by name."""
    with reading(ws) as conn:
        people = conn.execute(
            select(users.c.user_id, users.c.display_name, users.c.email)
            .where(users.c.org_id == ws.org_id, users.c.active.is_(True))
            .order_by(users.c.display_name)
        ).all()
        held: dict[str, set[Role]] = {}
        for user_id, role in conn.execute(
            select(memberships.c.user_id, memberships.c.role).where(
                memberships.c.org_id == ws.org_id
            )
        ):
            held.setdefault(user_id, set()).add(Role(role))
    return [Person(u, n, e, frozenset(held.get(u, set()))) for u, n, e in people]


@dataclass(frozen=True, slots=True)
class FundRef:
    fund_id: str
    name: str
    currency: str


def visible_funds(ws: Workspace, viewer: Viewer) -> list[FundRef]:
    """The funds ``viewer`` may see, by name: every fund for staff; the granted funds for
    counsel and lenders; the funds its own LPs are committed to for an LP user."""
    stmt = select(funds.c.fund_id, funds.c.name, funds.c.currency).where(
        funds.c.org_id == ws.org_id
    )
    with reading(ws) as conn:
        ids = viewer.scope.fund_ids(SqlProjection(conn, ws.org_id))
        if ids is not None:
            stmt = stmt.where(funds.c.fund_id.in_(sorted(ids)))
        rows = conn.execute(stmt.order_by(funds.c.name, funds.c.fund_id)).all()
    return [FundRef(f, n, c) for f, n, c in rows]
