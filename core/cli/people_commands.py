"""``dealos user`` and ``dealos entitlement``: invite people with roles, grant and revoke
roles, and let counsel, lenders and LPs see the deals, funds and LP positions they are
entitled to (DESIGN §4: an administrator's work).

``user invite``, ``user role`` and the entitlement changes print the record's id alone on
the first line, then what they did. An invited user exists in the organization's records
at once; they sign in through the sync server once the organization is attached to one.
"""

from __future__ import annotations

import argparse
from typing import Any

from core.cli.refusals import Refused, Words, actions_of, opened, submit
from core.commands.workspace import Workspace
from core.domain.roles import Role
from core.ops.payloads.access import (
    DeviceRevokePayload,
    EntitlementGrantPayload,
    EntitlementRevokePayload,
    RoleGrantPayload,
    RoleRevokePayload,
    UserInvitePayload,
)
from core.sync.invitation_status import fetch_invitations, invitation_lines
from core.views.people_admin import (
    UserRecord,
    device_records,
    entitlement_records,
    scope_name,
    user_record,
    user_records,
)

__all__ = ["register"]

SubParsers = argparse._SubParsersAction

ROLES = ("gp", "gp_analyst", "counsel", "lender", "lp", "auditor", "admin", "regulator")
_ROLE_WORDS = {
    "gp": "GP",
    "gp_analyst": "GP analyst",
    "admin": "admin",
    "counsel": "counsel",
    "lender": "lender",
    "lp": "LP",
    "auditor": "auditor",
    "regulator": "regulator",
}
_USER: Words = {"entity_id": "--user", "base_version": "the user", "payload.role": "the role"}


def register(
    sub: SubParsers[argparse.ArgumentParser], common: list[argparse.ArgumentParser]
) -> None:
    user = sub.add_parser("user", help="people of the organization and their roles")
    actions = actions_of(user, "user_command")
    p = actions.add_parser("invite", parents=common, help="add a person with roles; prints id")
    p.add_argument("--email", required=True)
    p.add_argument("--name", required=True, help="display name")
    p.add_argument(
        "--role",
        required=True,
        action="append",
        choices=ROLES,
        help="repeat for several roles",
    )
    p.set_defaults(handler=_invite)

    p = actions.add_parser("role", parents=common, help="grant or revoke one role")
    p.add_argument("--user", required=True, metavar="USER_ID")
    change = p.add_mutually_exclusive_group(required=True)
    change.add_argument("--grant", choices=ROLES, metavar="ROLE")
    change.add_argument("--revoke", choices=ROLES, metavar="ROLE")
    p.set_defaults(handler=_role)

    p = actions.add_parser("list", parents=common, help="one line per user with roles")
    p.set_defaults(handler=_users)
    p = actions.add_parser(
        "invitations", parents=common, help="how each invitation email went, from the server"
    )
    p.set_defaults(handler=_invitations)

    ent = sub.add_parser("entitlement", help="what an external user may see")
    actions = actions_of(ent, "entitlement_command")
    p = actions.add_parser("grant", parents=common, help="let a user see a deal, fund or LP")
    p.add_argument("--user", required=True, metavar="USER_ID")
    scope = p.add_mutually_exclusive_group(required=True)
    scope.add_argument("--deal", metavar="DEAL_ID")
    scope.add_argument("--fund", metavar="FUND_ID")
    scope.add_argument("--lp", metavar="LP_ID", help="the LP position an LP user sees")
    p.set_defaults(handler=_grant)

    p = actions.add_parser("revoke", parents=common, help="withdraw an entitlement")
    p.add_argument("--entitlement", required=True, metavar="ENTITLEMENT_ID")
    p.add_argument("--reason", default="")
    p.set_defaults(handler=_revoke)

    p = actions.add_parser("list", parents=common, help="one line per entitlement")
    p.set_defaults(handler=_entitlements)

    device = sub.add_parser("device", help="the devices that sign the organization's ops")
    actions = actions_of(device, "device_command")
    p = actions.add_parser("list", parents=common, help="one line per device, active first")
    p.set_defaults(handler=_devices)
    p = actions.add_parser("revoke", parents=common, help="its later ops are refused")
    p.add_argument("--device", required=True, metavar="DEVICE_ID")
    p.add_argument("--reason", default="", help="e.g. 'laptop lost on 2026-12-01'")
    p.set_defaults(handler=_revoke_device)


def _roles(roles: frozenset[Role] | list[str]) -> str:
    names = sorted(r.value if isinstance(r, Role) else r for r in roles)
    return ", ".join(_ROLE_WORDS[n] for n in names) or "no role"


def _user_of(ws: Workspace, user_id: str) -> UserRecord:
    found = user_record(ws, user_id)
    if found is None:
        raise Refused(f"--user: no user {user_id} in this organization (dealos user list)")
    return found


def _invite(args: Any) -> int:
    words: Words = {
        "payload.email": "the email (--email)",
        "payload.display_name": "the name (--name)",
        "payload.roles": "the roles (--role)",
    }
    with opened(args) as ws:
        result = submit(
            ws,
            lambda: UserInvitePayload(email=args.email, display_name=args.name, roles=args.role),
            words,
        )
        user = _user_of(ws, result.entity_id)
    print(user.user_id)
    print(f"invited {user.display_name} <{user.email}> as {_roles(user.roles)}")
    return 0


def _role(args: Any) -> int:
    with opened(args) as ws:
        user = _user_of(ws, args.user)
        if args.grant is not None:
            role = args.grant
            make: Any = lambda: RoleGrantPayload(role=role)  # noqa: E731
        else:
            role = args.revoke
            make = lambda: RoleRevokePayload(role=role)  # noqa: E731
        words = {**_USER, "payload.role": f"the role ({'--grant' if args.grant else '--revoke'})"}
        submit(ws, make, words, entity_id=user.user_id, base_version=user.version)
        after = _user_of(ws, user.user_id)
    done = "granted" if args.grant else "revoked"
    print(after.user_id)
    print(
        f"{done} {_ROLE_WORDS[role]} {'to' if args.grant else 'from'} {after.display_name}; "
        f"roles now: {_roles(after.roles)}"
    )
    return 0


def _users(args: Any) -> int:
    with opened(args) as ws:
        found = user_records(ws)
    width = max((len(u.display_name) for u in found), default=0)
    for u in found:
        state = "" if u.active else "  (inactive)"
        print(f"{u.user_id}  {u.display_name:<{width}}  {u.email}  {_roles(u.roles)}{state}")
    return 0


def _invitations(args: Any) -> int:
    with opened(args) as ws:
        lines = invitation_lines(fetch_invitations(ws))
    print("\n".join(lines or ["no invitations: people invited here are emailed how to sign in"]))
    return 0


_SCOPE_WORDS = {"deal": "deal", "fund": "fund", "lp": "the position of LP"}


def _scope(ws: Workspace, args: Any) -> tuple[str, str, str]:
    """(scope type, id, name) of what the grant names; a refusal names the option."""
    scope_type = "fund" if args.fund else "lp" if args.lp else "deal"
    scope_id = args.fund or args.lp or args.deal
    name = scope_name(ws, scope_type, scope_id)
    if name is None:
        what = "LP" if scope_type == "lp" else scope_type
        raise Refused(
            f"--{scope_type}: no {what} {scope_id} in this organization (dealos {scope_type} list)"
        )
    return scope_type, scope_id, f"{_SCOPE_WORDS[scope_type]} {name}"


def _grant(args: Any) -> int:
    with opened(args) as ws:
        user = _user_of(ws, args.user)
        scope_type, scope_id, named = _scope(ws, args)
        option = {"fund": "--fund", "lp": "--lp", "deal": "--deal"}[scope_type]
        words: Words = {
            "payload.user_id": f"--user ({user.display_name}, {_roles(user.roles)})",
            "payload.scope_type": option,
            "payload.scope_id": option,
        }
        result = submit(
            ws,
            lambda: EntitlementGrantPayload(
                user_id=user.user_id, scope_type=scope_type, scope_id=scope_id
            ),
            words,
        )
    print(result.entity_id)
    print(f"{user.display_name} ({_roles(user.roles)}) may now see {named}")
    return 0


def _revoke(args: Any) -> int:
    words: Words = {
        "entity_id": "--entitlement",
        "base_version": "the entitlement",
        "payload.reason": "the reason (--reason)",
    }
    with opened(args) as ws:
        held = next(
            (e for e in entitlement_records(ws) if e.entitlement_id == args.entitlement), None
        )
        if held is None:
            raise Refused(
                f"--entitlement: no entitlement {args.entitlement} in this organization "
                "(dealos entitlement list)"
            )
        submit(
            ws,
            lambda: EntitlementRevokePayload(reason=args.reason),
            words,
            entity_id=held.entitlement_id,
            base_version=held.version,
        )
    print(held.entitlement_id)
    print(f"{held.user_name} may no longer see {_SCOPE_WORDS[held.scope_type]} {held.scope_name}")
    return 0


def _entitlements(args: Any) -> int:
    with opened(args) as ws:
        found = entitlement_records(ws)
    for e in found:
        state = "active" if e.active else "revoked"
        print(
            f"{e.entitlement_id}  {state:<7}  {e.user_name}  sees "
            f"{_SCOPE_WORDS[e.scope_type]} {e.scope_name} ({e.scope_id})"
        )
    return 0


def _devices(args: Any) -> int:
    with opened(args) as ws:
        found = device_records(ws)
        own = ws.device_id
    for d in found:
        state = "active" if d.active else "revoked"
        here = "  (this device)" if d.device_id == own else ""
        print(f"{d.device_id}  {state:<7}  {d.user_name}  {d.name}{here}")
    return 0


def _revoke_device(args: Any) -> int:
    words: Words = {
        "entity_id": "--device",
        "base_version": "the device",
        "payload.reason": "the reason (--reason)",
    }
    with opened(args) as ws:
        held = next((d for d in device_records(ws) if d.device_id == args.device), None)
        if held is None:
            raise Refused(
                f"--device: no device {args.device} in this organization (dealos device list)"
            )
        if held.device_id == ws.device_id:
            raise Refused(
                "--device: that is this device, which signs this command: revoke it from "
                "another device"
            )
        if not held.active:
            raise Refused(f"--device: {held.user_name}'s {held.name} is already revoked")
        submit(
            ws,
            lambda: DeviceRevokePayload(reason=args.reason),
            words,
            entity_id=held.device_id,
            base_version=held.version,
        )
    print(held.device_id)
    print(
        f"revoked {held.user_name}'s device {held.name}: every op it signs from now on is "
        "refused; its sessions end once the server hears of it"
    )
    return 0
