"""An administrator's forms: invite a person with roles, change a person's roles, and let
counsel, a lender or an LP user see a deal, a fund or an LP position. Each refuses on the
form naming the field and submits the typed commands of its kind."""

from __future__ import annotations

from typing import Any, ClassVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QCompleter, QLineEdit, QRadioButton, QWidget

from core.domain.roles import EXTERNAL_ROLES, Role
from core.ops.field_words import Words
from core.views.fund_admin import fund_records, lp_records
from core.views.people_admin import UserRecord, user_records
from core.views.pipeline import DealFilter, DealSort, count_deals, fetch_deals
from desktop.background import BackgroundOp
from desktop.forms import FieldProblem, SetupDialog, hint_label, text_typed
from desktop.operations.people import change_roles, grant_entitlement, invite_user
from desktop.session import DesktopSession

__all__ = ["ROLE_WORDS", "GrantDialog", "InviteDialog", "RolesDialog", "roles_text"]

# Each role as a person reads it, with what it lets its holder do (DESIGN §4).
ROLE_WORDS: dict[Role, tuple[str, str]] = {
    Role.GP: ("GP", "runs deals, approves at IC, issues calls and distributions"),
    Role.GP_ANALYST: ("GP analyst", "edits deals, drafts calls and distributions"),
    Role.ADMIN: ("Admin", "manages people, roles, devices and access"),
    Role.AUDITOR: ("Auditor", "reads everything and the audit log; changes nothing"),
    Role.REGULATOR: ("Regulator", "reads everything and the audit log; changes nothing"),
    Role.COUNSEL: ("Counsel", "signs off legal gates on the deals it is given"),
    Role.LENDER: ("Lender", "reads the deals it is given"),
    Role.LP: ("LP", "reads its own positions, calls, distributions and notices"),
}


def roles_text(roles: frozenset[Role]) -> str:
    return ", ".join(ROLE_WORDS[r][0] for r in ROLE_WORDS if r in roles) or "no role"


def _role_boxes(form: Any, held: frozenset[Role] = frozenset()) -> dict[Role, QCheckBox]:
    boxes: dict[Role, QCheckBox] = {}
    for role, (label, what) in ROLE_WORDS.items():
        box = QCheckBox(f"{label} — {what}")
        box.setObjectName(f"role_{role.value}")
        box.setChecked(role in held)
        form.addRow("Roles" if not boxes else "", box)
        boxes[role] = box
    return boxes


class InviteDialog(SetupDialog):
    words: ClassVar[Words] = {
        "payload.email": "Email",
        "payload.display_name": "Name",
        "payload.roles": "Roles",
        "payload.roles.*": "Roles",
    }

    def __init__(self, session: DesktopSession, parent: QWidget) -> None:
        super().__init__(
            session,
            parent,
            title="Invite a person",
            action="Invite",
            name="inviteDialog",
            intro="The person is added to the organization at once; they sign in through "
            "the sync server once the organization is attached to one.",
        )
        self.setMinimumWidth(560)
        self.email = QLineEdit()
        self.email.setObjectName("inviteEmail")
        self.email.setPlaceholderText("e.g. morgan@lee-legal.example")
        self.name = QLineEdit()
        self.name.setObjectName("inviteName")
        self.name.setPlaceholderText("e.g. Morgan Lee")
        self.form.addRow("Email", self.email)
        self.form.addRow("Name", self.name)
        self.roles = _role_boxes(self.form)

    def operation(self) -> BackgroundOp[Any]:
        email = text_typed(self.email.text(), "Email", self.email)
        name = text_typed(self.name.text(), "Name", self.name)
        roles = [r.value for r, box in self.roles.items() if box.isChecked()]
        if not roles:
            raise FieldProblem("Roles", "tick at least one", self.roles[Role.GP])
        return invite_user(
            parent=self, session=self.session, email=email, display_name=name, roles=roles
        )


class RolesDialog(SetupDialog):
    words: ClassVar[Words] = {
        "entity_id": "The person",
        "base_version": "The person",
        "payload.role": "Roles",
    }

    def __init__(self, session: DesktopSession, parent: QWidget, user: UserRecord) -> None:
        super().__init__(
            session,
            parent,
            title=f"Roles of {user.display_name}",
            action="Save roles",
            name="rolesDialog",
            intro=f"{user.display_name} <{user.email}> holds {roles_text(user.roles)}. The "
            "changes are recorded together, or none of them.",
        )
        self.setMinimumWidth(560)
        self.user = user
        self.roles = _role_boxes(self.form, user.roles)

    def operation(self) -> BackgroundOp[Any]:
        ticked = {r for r, box in self.roles.items() if box.isChecked()}
        grant = [r.value for r in ROLE_WORDS if r in ticked - self.user.roles]
        revoke = [r.value for r in ROLE_WORDS if r in self.user.roles - ticked]
        if not grant and not revoke:
            raise FieldProblem("Roles", "nothing changed")
        return change_roles(
            parent=self,
            session=self.session,
            user_id=self.user.user_id,
            base_version=self.user.version,
            grant=grant,
            revoke=revoke,
        )


class GrantDialog(SetupDialog):
    words: ClassVar[Words] = {
        "payload.user_id": "Person",
        "payload.scope_type": "Sees",
        "payload.scope_id": "Sees",
    }

    def __init__(
        self, session: DesktopSession, parent: QWidget, user: UserRecord | None = None
    ) -> None:
        super().__init__(
            session,
            parent,
            title="Grant access",
            action="Grant access",
            name="grantDialog",
            intro="Counsel, lenders and LP users see only what they are given: a deal, a "
            "fund, or — for an LP user — an LP's position. Staff read the whole organization.",
        )
        self.setMinimumWidth(560)
        self.person = QComboBox()
        self.person.setObjectName("grantPerson")
        for u in user_records(session.ws):
            if u.roles & EXTERNAL_ROLES:
                self.person.addItem(f"{u.display_name} ({roles_text(u.roles)})", u.user_id)
        if user is not None:
            self.person.setCurrentIndex(max(self.person.findData(user.user_id), 0))
        self.deal = QRadioButton("A deal")
        self.deal.setObjectName("grantDealScope")
        self.fund = QRadioButton("A fund")
        self.fund.setObjectName("grantFundScope")
        self.lp = QRadioButton("An LP's position (LP users)")
        self.lp.setObjectName("grantLpScope")
        self.deal.setChecked(True)
        self.target = QComboBox()
        self.target.setObjectName("grantTarget")
        self.target.setEditable(True)
        self.target.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        completer = self.target.completer()
        if completer is not None:
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.form.addRow("Person", self.person)
        if self.person.count() == 0:
            self.form.addRow(
                "",
                hint_label("No counsel, lender or LP user yet: invite one first.", "grantNoPerson"),
            )
        self.form.addRow("Sees", self.deal)
        self.form.addRow("", self.fund)
        self.form.addRow("", self.lp)
        self.form.addRow("Which", self.target)
        for button in (self.deal, self.fund, self.lp):
            button.toggled.connect(self._fill)
        self._fill()

    def scope_type(self) -> str:
        return "fund" if self.fund.isChecked() else "lp" if self.lp.isChecked() else "deal"

    def _fill(self, *_: object) -> None:
        self.target.clear()
        kind = self.scope_type()
        if kind == "fund":
            items = [(f.name, f.fund_id) for f in fund_records(self.session.ws)]
        elif kind == "lp":
            items = [(lp.name, lp.lp_id) for lp in lp_records(self.session.ws)]
        else:
            ws, viewer = self.session.ws, self.session.viewer
            total = count_deals(ws, viewer, DealFilter())
            found = fetch_deals(ws, viewer, DealFilter(), DealSort(), offset=0, limit=total)
            items = sorted((d.name, d.deal_id) for d in found)
        for name, entity_id in items:
            self.target.addItem(name, entity_id)

    def operation(self) -> BackgroundOp[Any]:
        user_id = self.person.currentData()
        if user_id is None:
            raise FieldProblem("Person", "invite a counsel, lender or LP user first")
        typed = self.target.currentText().strip()
        index = self.target.findText(typed, Qt.MatchFlag.MatchExactly)
        if index < 0:
            what = {"deal": "deal", "fund": "fund", "lp": "LP"}[self.scope_type()]
            raise FieldProblem(
                "Which",
                f"no {what} named “{typed}”" if typed else f"choose a {what}",
                self.target,
            )
        return grant_entitlement(
            parent=self,
            session=self.session,
            user_id=str(user_id),
            scope_type=self.scope_type(),
            scope_id=str(self.target.itemData(index)),
        )
