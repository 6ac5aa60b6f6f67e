"""Who is looking: the user of this workspace, their roles, and what they may see and do.

The desktop greys out what a role may not do and hides what it may not see; the reducers
still decide every change. External roles (counsel, lender, LP) read only what their
entitlements name (DESIGN §4); everyone else reads the whole organization.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from sqlalchemy import select

from core.commands.reading import reading
from core.commands.workspace import Workspace
from core.domain.roles import EXTERNAL_ROLES, PERMISSIONS, Action, Role, allowed
from core.store.schema import devices, entitlements, memberships, organizations, users

__all__ = ["MUTATING_ACTIONS", "ROLE_LABELS", "Person", "Viewer", "current_viewer", "list_people"]

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
    # None: the whole organization. Otherwise only these (external roles).
    entitled_deals: frozenset[str] | None
    entitled_funds: frozenset[str] | None
    entitled_lps: frozenset[str] | None

    def can(self, action: Action) -> bool:
        return allowed(self.roles, action)

    @property
    def read_only(self) -> bool:
        return not any(self.can(a) for a in MUTATING_ACTIONS)

    @property
    def external(self) -> bool:
        return self.entitled_deals is not None

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
        return f"Only a {who} may {doing}; you are signed in as {self.role_names}."


def current_viewer(ws: Workspace) -> Viewer:
    with reading(ws) as conn:
        org = conn.execute(
            select(organizations.c.name, organizations.c.base_currency).where(
                organizations.c.org_id == ws.org_id
            )
        ).first()
        user = conn.execute(
            select(users.c.display_name, users.c.email).where(
                users.c.org_id == ws.org_id, users.c.user_id == ws.user_id
            )
        ).first()
        roles = frozenset(
            Role(r)
            for (r,) in conn.execute(
                select(memberships.c.role).where(
                    memberships.c.org_id == ws.org_id, memberships.c.user_id == ws.user_id
                )
            )
        )
        device = conn.execute(
            select(devices.c.name).where(
                devices.c.org_id == ws.org_id, devices.c.device_id == ws.device_id
            )
        ).scalar()
        grants = conn.execute(
            select(entitlements.c.scope_type, entitlements.c.scope_id).where(
                entitlements.c.org_id == ws.org_id,
                entitlements.c.user_id == ws.user_id,
                entitlements.c.active.is_(True),
            )
        ).all()
    external = bool(roles) and not allowed(roles, Action.READ_ORG) and bool(roles & EXTERNAL_ROLES)

    def scoped(kind: str) -> frozenset[str] | None:
        return frozenset(s for t, s in grants if t == kind) if external else None

    return Viewer(
        user_id=ws.user_id,
        display_name=user.display_name if user else "(not yet synced)",
        email=user.email if user else "",
        roles=roles,
        org_id=ws.org_id,
        org_name=org.name if org else "(not yet synced)",
        base_currency=org.base_currency if org else "USD",
        device_id=ws.device_id,
        device_name=device or "this device",
        entitled_deals=scoped("deal"),
        entitled_funds=scoped("fund"),
        entitled_lps=scoped("lp"),
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
