"""The people page: every user with roles, what each counsel, lender and LP user may see,
and every enrolled device. An administrator invites people, changes roles, grants and
withdraws access and revokes devices; others see the buttons disabled with the reason.
The records come from :mod:`core.views.people_admin`."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelection
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.commands import OpResult
from core.domain.roles import Action
from core.ops.changes import Area
from core.views.people_admin import (
    DeviceRecord,
    EntitlementRecord,
    UserRecord,
    device_records,
    entitlement_records,
    user_records,
)
from desktop.background import BackgroundOp
from desktop.bridge import OpChanges
from desktop.confirmation import Confirmation, confirm
from desktop.error_dialogs import show_error
from desktop.forms import SetupDialog
from desktop.operations.people import revoke_device, revoke_entitlement
from desktop.people.dialogs import GrantDialog, InviteDialog, RolesDialog, roles_text
from desktop.records_model import Column, RecordsModel
from desktop.session import DesktopSession

__all__ = ["PeoplePage", "scope_text"]

_MUTED = "#6b7785"


def scope_text(e: EntitlementRecord) -> str:
    """``deal Cedar Shops``, ``fund Pinecrest Fund I``, ``the position of LP Ash Pension``."""
    if e.scope_type == "lp":
        return f"the position of LP {e.scope_name}"
    return f"{e.scope_type} {e.scope_name}"


USER_COLUMNS: list[Column[UserRecord]] = [
    Column("Name", lambda u: u.display_name),
    Column("Email", lambda u: u.email),
    Column("Roles", lambda u: roles_text(u.roles)),
    Column(
        "Status",
        lambda u: "active" if u.active else "inactive",
        color=lambda u: None if u.active else _MUTED,
    ),
]
ENTITLEMENT_COLUMNS: list[Column[EntitlementRecord]] = [
    Column("Person", lambda e: e.user_name),
    Column("Sees", lambda e: scope_text(e)[:1].upper() + scope_text(e)[1:]),
    Column(
        "Status",
        lambda e: "active" if e.active else "withdrawn",
        color=lambda e: None if e.active else _MUTED,
    ),
]


def _table(name: str, model: RecordsModel[Any], stretch: int) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setAlternatingRowColors(True)
    view.setShowGrid(False)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(26)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setDefaultSectionSize(230)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return view


def _button(text: str, name: str, slot: object) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    button.clicked.connect(slot)
    return button


class PeoplePage(QWidget):
    def __init__(self, session: DesktopSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("peoplePage")
        self.session = session
        self.dialog: SetupDialog | None = None
        self.confirmation: Confirmation | None = None
        self.users: RecordsModel[UserRecord] = RecordsModel(USER_COLUMNS)
        self.entitlements: RecordsModel[EntitlementRecord] = RecordsModel(ENTITLEMENT_COLUMNS)
        this_device = session.ws.device_id
        self.devices: RecordsModel[DeviceRecord] = RecordsModel(
            [
                Column("Person", lambda d: d.user_name),
                Column(
                    "Device",
                    lambda d: d.name + (" (this device)" if d.device_id == this_device else ""),
                ),
                Column(
                    "Status",
                    lambda d: "active" if d.active else "revoked",
                    color=lambda d: None if d.active else "#c0504d",
                ),
            ]
        )
        self.users_view = _table("usersTable", self.users, stretch=2)
        self.entitlements_view = _table("entitlementsTable", self.entitlements, stretch=1)
        self.devices_view = _table("devicesTable", self.devices, stretch=1)
        self.invite_button = _button("Invite…", "inviteButton", self.invite)
        self.roles_button = _button("Change roles…", "rolesButton", self.change_roles)
        self.grant_button = _button("Grant access…", "grantButton", self.grant)
        self.withdraw_button = _button("Withdraw access…", "withdrawButton", self.withdraw)
        self.revoke_device_button = _button(
            "Revoke device…", "revokeDeviceButton", self.revoke_selected_device
        )
        bar = QHBoxLayout()
        bar.addWidget(QLabel("<h2 style='margin:0'>People</h2>"))
        bar.addStretch(1)
        bar.addWidget(self.invite_button)
        bar.addWidget(self.roles_button)
        access = QWidget()
        access_box = QVBoxLayout(access)
        access_bar = QHBoxLayout()
        access_bar.addWidget(
            QLabel(
                f"<span style='color:{_MUTED}'>What each counsel, lender and LP user may see; "
                "staff read the whole organization.</span>"
            )
        )
        access_bar.addStretch(1)
        access_bar.addWidget(self.grant_button)
        access_bar.addWidget(self.withdraw_button)
        access_box.addLayout(access_bar)
        access_box.addWidget(self.entitlements_view)
        devices = QWidget()
        devices_box = QVBoxLayout(devices)
        devices_bar = QHBoxLayout()
        devices_bar.addWidget(
            QLabel(
                f"<span style='color:{_MUTED}'>Each device signs its user's changes with its "
                "own key.</span>"
            )
        )
        devices_bar.addStretch(1)
        devices_bar.addWidget(self.revoke_device_button)
        devices_box.addLayout(devices_bar)
        devices_box.addWidget(self.devices_view)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("peopleTabs")
        self.tabs.addTab(access, "Access")
        self.tabs.addTab(devices, "Devices")
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.users_view, 3)
        layout.addWidget(self.tabs, 2)
        self.users_view.selectionModel().selectionChanged.connect(self._gate)
        self.entitlements_view.selectionModel().selectionChanged.connect(self._gate)
        self.devices_view.selectionModel().selectionChanged.connect(self._gate)
        session.bridge.operation_did_execute.connect(self.on_changes)
        self.reload()

    def reload(self) -> None:
        ws = self.session.ws
        self._refill(self.users_view, self.users, user_records(ws), "user_id")
        self._refill(
            self.entitlements_view, self.entitlements, entitlement_records(ws), "entitlement_id"
        )
        self._refill(self.devices_view, self.devices, device_records(ws), "device_id")
        self._gate()

    def _refill(
        self, view: QTableView, model: RecordsModel[Any], records: list[Any], key: str
    ) -> None:
        """New records, the selected one kept selected where it still is."""
        rows = view.selectionModel().selectedRows()
        keep = getattr(model.record(rows[0].row()), key, None) if rows else None
        model.set_records(records)
        found = [i for i, r in enumerate(records) if getattr(r, key) == keep]
        if found or records:
            view.selectRow(found[0] if found else 0)

    def _selected(self, view: QTableView, model: RecordsModel[Any]) -> Any:
        rows = view.selectionModel().selectedRows()
        return model.record(rows[0].row()) if rows else None

    def selected_user(self) -> UserRecord | None:
        return self._selected(self.users_view, self.users)  # type: ignore[no-any-return]

    def selected_entitlement(self) -> EntitlementRecord | None:
        return self._selected(self.entitlements_view, self.entitlements)  # type: ignore[no-any-return]

    def selected_device(self) -> DeviceRecord | None:
        return self._selected(self.devices_view, self.devices)  # type: ignore[no-any-return]

    def select_user(self, user_id: str) -> None:
        for row, user in enumerate(self.users.records):
            if user.user_id == user_id:
                self.users_view.selectRow(row)

    def _gate(self, *_: QItemSelection) -> None:
        """Enable what an administrator may do on the selection; say why not otherwise."""
        why = self.session.viewer.why_not(Action.ADMINISTER, "manage people and access")
        user, ent, device = (
            self.selected_user(),
            self.selected_entitlement(),
            self.selected_device(),
        )
        device_why = why
        if why is None:
            if device is None:
                device_why = "Select a device first."
            elif not device.active:
                device_why = "This device is already revoked."
            elif device.device_id == self.session.ws.device_id:
                device_why = "This is the device you are using: revoke it from another device."
        ent_why = why
        if why is None:
            if ent is None:
                ent_why = "Select an access first."
            elif not ent.active:
                ent_why = "This access is already withdrawn."
        for button, reason, tip in (
            (self.invite_button, why, "Add a person with roles"),
            (
                self.roles_button,
                why or (None if user else "Select a person first."),
                "Grant or revoke the selected person's roles",
            ),
            (self.grant_button, why, "Let a counsel, lender or LP user see a deal, fund or LP"),
            (self.withdraw_button, ent_why, "Withdraw the selected access"),
            (self.revoke_device_button, device_why, "Revoke the selected device"),
        ):
            button.setEnabled(reason is None)
            button.setToolTip(reason or tip)

    def _open(self, dialog: SetupDialog) -> SetupDialog:
        self.dialog = dialog
        dialog.open()
        return dialog

    def invite(self) -> SetupDialog | None:
        if not self.invite_button.isEnabled():
            return None
        dialog = self._open(InviteDialog(self.session, self))
        dialog.submitted.connect(self._invited)
        return dialog

    def _invited(self, result: object) -> None:
        if isinstance(result, OpResult):
            self.reload()
            self.select_user(result.entity_id)

    def change_roles(self) -> SetupDialog | None:
        user = self.selected_user()
        if user is None or not self.roles_button.isEnabled():
            return None
        return self._open(RolesDialog(self.session, self, user))

    def grant(self) -> SetupDialog | None:
        if not self.grant_button.isEnabled():
            return None
        return self._open(GrantDialog(self.session, self, self.selected_user()))

    def withdraw(self) -> Confirmation | None:
        ent = self.selected_entitlement()
        if ent is None or not self.withdraw_button.isEnabled():
            return None
        self.confirmation = confirm(
            self,
            title="Withdraw access",
            text=f"Withdraw {ent.user_name}'s access to {scope_text(ent)}?",
            detail=f"{ent.user_name} will no longer see it, here or from the server; "
            "what they already read is not taken back.",
            action="Withdraw access",
            on_confirm=lambda: self._run(
                revoke_entitlement(
                    parent=self,
                    session=self.session,
                    entitlement_id=ent.entitlement_id,
                    base_version=ent.version,
                )
            ),
        )
        return self.confirmation

    def revoke_selected_device(self) -> Confirmation | None:
        device = self.selected_device()
        if device is None or not self.revoke_device_button.isEnabled():
            return None
        self.confirmation = confirm(
            self,
            title="Revoke a device",
            text=f"Revoke “{device.name}” ({device.user_name})?",
            detail=f"Every change it signs from now on is refused, here and by the server, "
            f"and its sessions with the server end. The key cannot be enrolled again: "
            f"{device.user_name} enrolls a new device to go on working. This cannot be "
            "undone.",
            action="Revoke device",
            on_confirm=lambda: self._run(
                revoke_device(
                    parent=self,
                    session=self.session,
                    device_id=device.device_id,
                    base_version=device.version,
                )
            ),
        )
        return self.confirmation

    def _run(self, op: BackgroundOp[OpResult]) -> None:
        op.failure(self._failed).run_in_background()

    def _failed(self, exc: BaseException) -> None:
        show_error(self, exc)

    def on_changes(self, changes: OpChanges) -> None:
        if changes.touches(Area.PEOPLE, Area.DEALS, Area.FUNDS, Area.INVESTORS):
            self.reload()
