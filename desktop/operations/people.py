"""People ops (an administrator's): invite a user with roles, grant or revoke a role,
grant or withdraw an entitlement, revoke a device. Each submits the command of its kind;
the kind comes from the command's class."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QWidget

from core.commands import OpResult
from core.commands.workspace import Step
from core.ops.payloads.access import (
    DeviceRevokePayload,
    EntitlementGrantPayload,
    EntitlementRevokePayload,
    RoleGrantPayload,
    RoleRevokePayload,
    UserInvitePayload,
)
from desktop.background import BackgroundOp
from desktop.operations.submission import submit_in_background
from desktop.session import DesktopSession

__all__ = [
    "change_roles",
    "grant_entitlement",
    "grant_role",
    "invite_user",
    "revoke_device",
    "revoke_entitlement",
    "revoke_role",
]


def invite_user(
    *,
    parent: QWidget,
    session: DesktopSession,
    email: str,
    display_name: str,
    roles: Sequence[str],
) -> BackgroundOp[OpResult]:
    return submit_in_background(
        parent=parent,
        session=session,
        label=f"Inviting {display_name}…",
        command=lambda: UserInvitePayload(
            email=email, display_name=display_name, roles=list(roles)
        ),
    )


def grant_role(
    *, parent: QWidget, session: DesktopSession, user_id: str, base_version: int, role: str
) -> BackgroundOp[OpResult]:
    return submit_in_background(
        parent=parent,
        session=session,
        label="Granting the role…",
        command=lambda: RoleGrantPayload(role=role),
        entity_id=user_id,
        base_version=base_version,
    )


def revoke_role(
    *, parent: QWidget, session: DesktopSession, user_id: str, base_version: int, role: str
) -> BackgroundOp[OpResult]:
    return submit_in_background(
        parent=parent,
        session=session,
        label="Revoking the role…",
        command=lambda: RoleRevokePayload(role=role),
        entity_id=user_id,
        base_version=base_version,
    )


def change_roles(
    *,
    parent: QWidget,
    session: DesktopSession,
    user_id: str,
    base_version: int,
    grant: Sequence[str] = (),
    revoke: Sequence[str] = (),
) -> BackgroundOp[list[OpResult]]:
    """Grant and revoke roles of one user in one transaction: all of them or none."""

    def task() -> list[OpResult]:
        commands: list[RoleGrantPayload | RoleRevokePayload] = [
            RoleGrantPayload(role=r) for r in grant
        ]
        commands += [RoleRevokePayload(role=r) for r in revoke]
        steps = [
            Step(command, user_id, base_version=base_version + n)
            for n, command in enumerate(commands)
        ]
        return session.ws.submit_all(steps)

    return BackgroundOp(
        parent=parent, label="Changing the roles…", bridge=session.bridge, task=task
    )


def grant_entitlement(
    *, parent: QWidget, session: DesktopSession, user_id: str, scope_type: str, scope_id: str
) -> BackgroundOp[OpResult]:
    return submit_in_background(
        parent=parent,
        session=session,
        label="Granting access…",
        command=lambda: EntitlementGrantPayload(
            user_id=user_id, scope_type=scope_type, scope_id=scope_id
        ),
    )


def revoke_entitlement(
    *,
    parent: QWidget,
    session: DesktopSession,
    entitlement_id: str,
    base_version: int,
    reason: str = "",
) -> BackgroundOp[OpResult]:
    return submit_in_background(
        parent=parent,
        session=session,
        label="Withdrawing access…",
        command=lambda: EntitlementRevokePayload(reason=reason),
        entity_id=entitlement_id,
        base_version=base_version,
    )


def revoke_device(
    *,
    parent: QWidget,
    session: DesktopSession,
    device_id: str,
    base_version: int,
    reason: str = "",
) -> BackgroundOp[OpResult]:
    return submit_in_background(
        parent=parent,
        session=session,
        label="Revoking the device…",
        command=lambda: DeviceRevokePayload(reason=reason),
        entity_id=device_id,
        base_version=base_version,
    )
