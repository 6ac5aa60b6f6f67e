"""Helpers the desktop scenarios share: waiting for ops, reading dialogs, small orgs."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from core.commands.workspace import Workspace
from core.ids import new_id
from core.keys import KeyStore
from core.ops.signing import DeviceKey
from desktop.background import BackgroundOp
from desktop.confirmation import Confirmation

__all__ = [
    "add_member",
    "close_notices",
    "entity_version",
    "local_org",
    "notices",
    "proceed",
    "refuse_as_server",
    "small_fund",
    "switch_identity",
    "wait_ops",
]


def wait_ops(qtbot: QtBot, timeout: int = 10_000) -> None:
    """Until every background op has answered on the GUI thread, including the reloads
    that their answers set off."""
    for _ in range(4):
        QApplication.processEvents()
        qtbot.waitUntil(lambda: BackgroundOp.in_flight() == 0, timeout=timeout)
    QApplication.processEvents()


def notices() -> list[QMessageBox]:
    return [
        w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()
    ]


def proceed(qtbot: QtBot, box: Confirmation | None, text: str) -> None:
    """The confirmation asks exactly ``text``; Cancel is its default; go ahead."""
    assert box is not None
    assert box.isVisible()
    assert box.text() == text, box.text()
    assert box.defaultButton() is not box.proceed
    qtbot.mouseClick(box.proceed, Qt.MouseButton.LeftButton)


def close_notices() -> None:
    for box in notices():
        box.close()
    QApplication.processEvents()


def local_org(data_dir: Path) -> Workspace:
    """Pinecrest Partners: a new local org whose founder Dana is GP and admin."""
    return Workspace.init(
        data_dir,
        org_name="Pinecrest Partners",
        email="dana@pinecrest.example",
        display_name="Dana Reyes",
    )


def add_member(ws: Workspace, *, email: str, name: str, roles: list[str]) -> tuple[str, str]:
    """Invite a user and enroll a device for them whose key is in this machine's keyring."""
    user_id, device_id, key = new_id(), new_id(), DeviceKey.generate()
    ws.submit_wire(
        "user.invite",
        entity_id=user_id,
        payload={"email": email, "display_name": name, "roles": roles},
    )
    ws.submit_wire(
        "device.enroll",
        entity_id=device_id,
        payload={"user_id": user_id, "public_key": key.public_key, "name": f"{name}'s laptop"},
    )
    KeyStore().save_device_key(device_id, key)
    return user_id, device_id


def switch_identity(ws: Workspace, *, user_id: str, device_id: str) -> None:
    """Make this data folder the named user's device, as enrolling it there would."""
    with ws.store.transaction() as conn:
        ws.store.set_meta(conn, "user_id", user_id)
        ws.store.set_meta(conn, "device_id", device_id)
        ws.store.set_meta(conn, "device_seq", "0")


def small_fund(ws: Workspace) -> str:
    """Fund I with three LPs committed 1M, 2M and 3M (USD)."""
    fund_id = new_id()
    ws.submit_wire(
        "fund.create",
        entity_id=fund_id,
        payload={"name": "Pinecrest Fund I", "currency": "USD", "vintage_year": 2025},
    )
    for n, amount in enumerate((Decimal(1_000_000), Decimal(2_000_000), Decimal(3_000_000))):
        lp_id = new_id()
        ws.submit_wire(
            "lp.create",
            entity_id=lp_id,
            payload={"name": f"LP {'ABC'[n]} Holdings", "lp_type": "institution"},
        )
        ws.submit_wire(
            "commitment.create",
            entity_id=new_id(),
            payload={
                "fund_id": fund_id,
                "lp_id": lp_id,
                "amount": format(amount.quantize(Decimal("0.01")), "f"),
                "currency": "USD",
                "committed_on": "2025-01-15",
            },
        )
    return fund_id


def refuse_as_server(ws: Workspace, op_id: str, *, code: str, message: str) -> None:
    """What a sync round does when the server rejects one of our ops: out of the replay,
    into the inbox, projection rebuilt without it."""
    from core.sync.messages import ErrorDetail
    from core.sync.replica import Replica

    error = ErrorDetail(code=code, message=message, field=None, details={})
    with ws.store.transaction() as conn:
        Replica(ws).reject(conn, op_id, error)
    ws.rebuild()


def entity_version(ws: Workspace, entity_id: str) -> int:
    """The entity's current version: what an op changing it names as its base."""
    from sqlalchemy import select

    from core.store.schema import entities

    with ws.store.transaction() as conn:
        version = conn.execute(
            select(entities.c.version).where(
                entities.c.org_id == ws.org_id, entities.c.entity_id == entity_id
            )
        ).scalar_one()
    return int(version)
