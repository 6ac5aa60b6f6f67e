"""The administrator's changes, one op each, on what the admin's device holds: a person
invited, a role granted to or revoked from someone the run invited, a deal opened to
counsel or closed to counsel again, and a spare device revoked.

Whom they touch is chosen so the run goes on: a role changes only on a person the run
itself invited (never on the GPs, the analyst, counsel or an LP officer whose devices
take part: a role change ends the person's sessions, and with them the device's part in
the run), and the device revoked is only one of the spare devices the world enrolled at
set-up and never signs with (sim_world.py).
"""

from __future__ import annotations

from sim_moves import Ctx, Proposal, pick, rows_of
from sqlalchemy import select

from core.ids import new_id
from core.store.schema import metadata

__all__ = [
    "counsel_grant",
    "counsel_revoke",
    "device_revoke",
    "role_grant",
    "role_revoke",
    "user_invite",
]

# What a person invited in the run may hold; admin is left out, so the one admin a
# simulated organization has stays its only one.
ROLES = ("gp", "gp_analyst", "auditor", "lender", "counsel", "lp")
PEOPLE = ("Rosa Lindqvist", "Omar Haddad", "Kenji Sato", "Lena Novak", "Tom Reyes")


def _memberships(c: Ctx) -> dict[str, set[str]]:
    t = metadata.tables["memberships"]
    held: dict[str, set[str]] = {}
    with c.ws.store.engine.connect() as conn:
        for user, role in conn.execute(select(t.c.user_id, t.c.role)):
            held.setdefault(str(user), set()).add(str(role))
    return held


def user_invite(c: Ctx) -> Proposal | None:
    """A new person: an analyst hired, an auditor for the year-end, a lender's officer, a
    second counsel, an LP's contact."""
    name = c.rng.choice(PEOPLE)
    first = name.split()[0].lower()
    payload = {
        "email": f"{first}.{c.step}.{c.rng.randrange(10**6)}@newcomer.example",
        "display_name": name,
        "roles": c.rng.sample(ROLES, 2 if c.rng.random() < 0.3 else 1),
    }
    return Proposal("user.invite", new_id(), payload, makes="user")


def role_grant(c: Ctx) -> Proposal | None:
    held = _memberships(c)
    user = pick(c.rng, c.made.of("user"), rows_of(c.ws, "users"), lambda r: True)
    if user is None:
        return None
    missing = [r for r in ROLES if r not in held.get(user, set())]
    return Proposal("role.grant", user, {"role": c.rng.choice(missing)}) if missing else None


def role_revoke(c: Ctx) -> Proposal | None:
    """A role taken back from an invited person who holds more than one: each keeps one."""
    held = _memberships(c)
    users = rows_of(c.ws, "users")
    user = pick(c.rng, c.made.of("user"), users, lambda r: len(held.get(r["user_id"], ())) > 1)
    if user is None:
        return None
    return Proposal("role.revoke", user, {"role": c.rng.choice(sorted(held[user]))})


def counsel_grant(c: Ctx) -> Proposal | None:
    """The admin opens one more deal to counsel (one not open to counsel now)."""
    if c.counsel is None:
        return None
    grants = rows_of(c.ws, "entitlements", user_id=c.counsel, active=True)
    opened = {r["scope_id"] for r in grants.values() if r["scope_type"] == "deal"}
    deals = rows_of(c.ws, "deals")
    deal = pick(c.rng, c.made.of("deal"), deals, lambda r: r["deal_id"] not in opened)
    if deal is None:
        return None
    payload = {"user_id": c.counsel, "scope_type": "deal", "scope_id": deal}
    return Proposal("entitlement.grant", new_id(), payload, makes="grant")


def counsel_revoke(c: Ctx) -> Proposal | None:
    """The admin closes a deal to counsel again: the matter is over, or went to another
    firm. Counsel's replica must then hold nothing of that deal (sim_checks.py)."""
    held = rows_of(c.ws, "entitlements", active=True)
    grant = pick(c.rng, c.made.of("grant"), held, lambda r: r["user_id"] == c.counsel)
    if grant is None:
        return None
    return Proposal("entitlement.revoke", grant, {"reason": f"matter closed at step {c.step}"})


def device_revoke(c: Ctx) -> Proposal | None:
    """A spare device reported lost; never a device that takes part in the run."""
    devices = rows_of(c.ws, "devices", status="active")
    spare = next((d for d in c.spare if d in devices), None)
    if spare is None:
        return None
    return Proposal("device.revoke", spare, {"reason": "reported lost"})
