"""The same screens, role-aware. At Pinecrest, the auditor sees everything read-only;
counsel sees only the deal it is entitled to, and no investors or capital pages."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pytestqt.qtbot import QtBot
from scenes import add_member, local_org, small_fund, switch_identity

from core.commands.workspace import Workspace
from core.ids import new_id
from core.ops.changes import Area
from desktop.capital.page import CapitalPage
from desktop.main_window import MainWindow


def _two_deals(ws: Workspace) -> tuple[str, str]:
    ids = new_id(), new_id()
    for deal_id, name in zip(ids, ("Cedar Shops", "Beacon Tower"), strict=True):
        ws.submit_wire(
            "deal.create",
            entity_id=deal_id,
            payload={"name": name, "currency": "USD", "fields": {"sponsor": {"value": "Ironwood"}}},
        )
    return ids


def test_auditor_gets_the_same_screens_read_only(
    qtbot: QtBot, tmp_path: Path, keyring_file: Path, open_window: Callable[[Path], MainWindow]
) -> None:
    ws = local_org(tmp_path / "data")
    _two_deals(ws)
    small_fund(ws)
    user_id, device_id = add_member(
        ws, email="riley@ledgerline.example", name="Riley Hart", roles=["auditor"]
    )
    switch_identity(ws, user_id=user_id, device_id=device_id)
    ws.close()
    window = open_window(tmp_path / "data")
    assert "Riley Hart · auditor · read-only" in window.identity.text()
    shell = window.shell
    assert shell is not None
    assert shell.pipeline.model.rowCount() == 2
    assert not shell.pipeline.new_deal_button.isEnabled()
    assert "you are signed in as auditor" in shell.pipeline.new_deal_button.toolTip()
    assert shell.pipeline.new_deal() is None
    labels = [shell.nav.item(i).text() for i in range(shell.nav.count())]
    assert labels == [
        "Overview",
        "Pipeline",
        "Funds",
        "Investors",
        "Capital calls",
        "People",
        "Audit log",
        "Conflicts",
    ]
    capital = window.show_page("capital")
    assert isinstance(capital, CapitalPage)
    assert not capital.new_call_button.isEnabled()
    assert capital.new_call() is None
    shell.open_deal(shell.pipeline.model.deal_at(0).deal_id)  # type: ignore[union-attr]
    deal_page = shell.pages["deal"]
    assert not deal_page.move_button.isEnabled()  # type: ignore[attr-defined]


def test_counsel_sees_only_entitled_deals(
    qtbot: QtBot, tmp_path: Path, keyring_file: Path, open_window: Callable[[Path], MainWindow]
) -> None:
    ws = local_org(tmp_path / "data")
    cedar, _beacon = _two_deals(ws)
    user_id, device_id = add_member(
        ws, email="morgan@lee-legal.example", name="Morgan Lee", roles=["counsel"]
    )
    ws.submit_wire(
        "entitlement.grant",
        entity_id=new_id(),
        payload={"user_id": user_id, "scope_type": "deal", "scope_id": cedar},
    )
    switch_identity(ws, user_id=user_id, device_id=device_id)
    ws.close()
    window = open_window(tmp_path / "data")
    shell = window.shell
    assert shell is not None
    model = shell.pipeline.model
    assert model.rowCount() == 1
    assert model.deal_at(0).name == "Cedar Shops"  # type: ignore[union-attr]
    labels = [shell.nav.item(i).text() for i in range(shell.nav.count())]
    assert "Investors" not in labels
    assert "Capital calls" not in labels
    assert "Audit log" not in labels
    assert "Funds" not in labels
    assert "People" not in labels
    shell.open_deal(cedar)
    page = shell.pages["deal"]
    assert page.signoff_button.isVisible()  # type: ignore[attr-defined]
    assert not page.signoff_button.isEnabled()  # type: ignore[attr-defined]
    assert "once a deal is approved" in page.signoff_button.toolTip()  # type: ignore[attr-defined]


def test_a_role_change_arriving_by_sync_takes_effect_without_reopening(
    qtbot: QtBot, tmp_path: Path, keyring_file: Path, open_window: Callable[[Path], MainWindow]
) -> None:
    from core.domain.roles import Role
    from desktop.bridge import OpChanges

    ws = local_org(tmp_path / "data")
    ws.close()
    window = open_window(tmp_path / "data")
    session = window.session
    assert session is not None
    assert Role.GP in session.viewer.roles
    # An admin elsewhere took Dana's GP role away; the op arrives with a sync round.
    with session.ws.store.transaction() as conn:
        version = conn.exec_driver_sql(
            "SELECT version FROM entities WHERE entity_id = ?", (session.ws.user_id,)
        ).scalar_one()
    session.ws.submit_wire(
        "role.revoke",
        entity_id=session.ws.user_id,
        base_version=int(version),
        payload={"role": "gp"},
    )
    session.bridge.post_changes(OpChanges(areas=frozenset({Area.PEOPLE}), source="sync"))
    qtbot.waitUntil(lambda: Role.GP not in session.viewer.roles, timeout=5_000)
    assert Role.ADMIN in session.viewer.roles
