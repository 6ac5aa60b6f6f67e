"""Invitations by email, through the notice outbox: queued with the op that invites,
written when sent.

**Queued.** When a push accepts ``user.invite``, :func:`queue_invitations` writes one
outbox row of kind ``invitation`` for the invited user, in the push's own transaction, as
notices are queued: a refused op queues nothing, a push that rolls back takes the row with
it, a duplicate push accepts nothing, and a unique key allows one invitation per user.
When an organization started offline attaches its history, :func:`queue_attached_invitations`
does the same for every user its log invited, but the founder who is attaching: those
people were added on a laptop, for the day the organization would have a server. The
server's own service account is never invited, nor anyone deactivated meanwhile.

**Written when sent** (:func:`invitation_letter`, called by the sender as it claims the
row), from the user's roles as they are then:

- staff (GP, GP analyst, admin, auditor, regulator) get a one-time sign-in code
  (:mod:`sync_server.invitations`), made now, its hash stored on the row, valid 7 days,
  and what to run: ``dealos enroll --server URL --email E --code CODE``, or the desktop's
  "Sign in to a server" with the code;
- LPs are pointed to the investor portal, ``<public URL>/portal``, which signs them in by
  an emailed link, or to the desktop's investor sign-in; counsel and lenders to
  ``dealos lp-signin`` or the desktop's sign-in by emailed link. No code: the link is the
  credential.

The email names the organization that invites and nothing else of anyone; the person's
own name and address are the only personal data in it. Logs name rows by id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import Connection

from core.domain.roles import Role
from core.ids import new_id
from core.ops.envelope import Envelope
from core.reports.presentation import long_date
from core.sync.messages import AcceptedOp, PushResult
from core.views.viewer import ROLE_LABELS
from sync_server.invitations import new_code, signs_in_by_code
from sync_server.magic_links import signs_in_by_link
from sync_server.notifications.letters import Letter
from sync_server.request_log import logger

__all__ = [
    "INVITATION",
    "invitation_letter",
    "invited_users",
    "queue_attached_invitations",
    "queue_invitations",
]

INVITATION: Final = "invitation"  # the outbox's notice_kind
_INVITE_KIND: Final = "user.invite"

_INSERT: Final = """
INSERT INTO notice_outbox (
    org_id, outbox_id, notice_kind, notice_id, op_id, lp_id, recipient, status, attempts,
    next_attempt_at, last_error, queued_at
)
SELECT u.org_id, %(outbox_id)s, 'invitation', u.user_id, %(op_id)s, NULL, u.email, 'queued',
       0, now(), NULL, now()
FROM users u
WHERE u.org_id = %(org)s AND u.user_id = %(user)s AND u.active AND u.email <> ''
  AND NOT EXISTS (
      SELECT 1 FROM service_accounts s WHERE s.org_id = u.org_id AND s.user_id = u.user_id
  )
ON CONFLICT DO NOTHING
"""
_INVITED: Final = (
    "SELECT op_id, entity_id FROM op_log WHERE org_id = %s AND kind = 'user.invite' "
    "ORDER BY server_seq"
)


def invited_users(parsed: Iterable[object], results: Sequence[PushResult]) -> list[tuple[str, str]]:
    """``(user id, op id)`` of each ``user.invite`` this push accepted."""
    accepted = {r.op_id for r in results if isinstance(r, AcceptedOp) and r.status == "accepted"}
    found: dict[str, tuple[str, str]] = {}
    for envelope in parsed:
        if (
            isinstance(envelope, Envelope)
            and envelope.kind == _INVITE_KIND
            and envelope.op_id in accepted
        ):
            found.setdefault(envelope.op_id, (envelope.entity_id, envelope.op_id))
    return list(found.values())


def _cursor(conn: Connection) -> Any:
    # Pushes run in psycopg's pipeline mode: only the driver's own cursor sees rows there.
    return conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]


def queue_invitations(conn: Connection, org_id: str, invited: list[tuple[str, str]]) -> int:
    """Queue an invitation for each ``(user id, op id)`` in ``conn``'s transaction (after
    the op's rows are written); returns how many rows it asked for."""
    if not invited:
        return 0
    rows = [
        {"org": org_id, "outbox_id": new_id(), "user": user_id, "op_id": op_id}
        for user_id, op_id in invited
    ]
    _cursor(conn).executemany(_INSERT, rows)
    logger().info("invitations.queued", org_id=org_id, invitations=len(rows))
    return len(rows)


def queue_attached_invitations(conn: Connection, org_id: str, founder_id: str) -> int:
    """Queue an invitation for every user the attached history invited, but the founder."""
    cur = _cursor(conn)
    cur.execute(_INVITED, (org_id,))
    invited = [(user_id, op_id) for op_id, user_id in cur.fetchall() if user_id != founder_id]
    return queue_invitations(conn, org_id, invited)


@dataclass(frozen=True, slots=True)
class Invitee:
    org_name: str
    display_name: str
    email: str
    roles: list[str]


def _roles_text(roles: list[str]) -> str:
    words = [ROLE_LABELS[Role(r)] for r in sorted(roles)]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def invitation_letter(
    conn: Connection, org_id: str, outbox_id: str, user_id: str, server_url: str, code_ttl: int
) -> Letter | str:
    """The invitation for ``user_id`` as the user stands now, or why none can be sent.

    A staff invitation's code is made here and its hash stored on the outbox row, in the
    claim's transaction: the code the message carries is the only one that works."""
    cur = _cursor(conn)
    cur.execute(
        "SELECT u.email, u.display_name, u.active, o.name FROM users u "
        "JOIN organizations o ON o.org_id = u.org_id "
        "WHERE u.org_id = %s AND u.user_id = %s",
        (org_id, user_id),
    )
    row = cur.fetchone()
    if row is None or not row[2]:
        return "the person was deactivated before the invitation was sent"
    cur.execute(
        "SELECT role FROM memberships WHERE org_id = %s AND user_id = %s ORDER BY role",
        (org_id, user_id),
    )
    who = Invitee(row[3], row[1], row[0], [r[0] for r in cur.fetchall()])
    if signs_in_by_code(who.roles):
        code, digest = new_code()
        expires = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=code_ttl)
        cur.execute(
            "UPDATE notice_outbox SET code_hash = %s, code_expires_at = %s, code_used_at = NULL "
            "WHERE org_id = %s AND outbox_id = %s",
            (digest, expires, org_id, outbox_id),
        )
        return staff_letter(who, server_url, code, expires.date())
    if signs_in_by_link(who.roles):
        return reader_letter(who, server_url)
    return "the person holds no role, so there is nothing to sign in to"


_IGNORE: Final = "If you did not expect this invitation, ignore this email."


def staff_letter(who: Invitee, server_url: str, code: str, expires: dt.date) -> Letter:
    body = (
        f"Dear {who.display_name},\n\n"
        f"{who.org_name} has invited you to Deal OS as {_roles_text(who.roles)}.\n\n"
        f"Your sign-in code works once, until {long_date(expires)}:\n\n"
        f"    {code}\n\n"
        "To start, run on your computer:\n\n"
        f"    dealos enroll --server {server_url} --email {who.email} --code {code}\n\n"
        "and choose a password of at least 12 characters when asked. Or open the Deal OS\n"
        'desktop app, choose "Sign in to a server", and enter the server address\n'
        f"{server_url}, your email, the password you choose and this code as the invitation "
        "code.\n\n"
        "Keep the code to yourself: whoever holds it can set your password once.\n"
        f"{_IGNORE}\n\n"
        f"{who.org_name}\n"
    )
    return Letter(f"{who.org_name} invites you to Deal OS", body)


def reader_letter(who: Invitee, server_url: str) -> Letter:
    if Role.LP.value in who.roles:
        how = (
            "You can follow your investments in the investor portal:\n\n"
            f"    {server_url}/portal\n\n"
            "Enter this email address there and we email you a link that signs you in; each\n"
            "link works once, for 15 minutes. In the Deal OS desktop app, the investor\n"
            "sign-in does the same."
        )
    else:
        how = (
            "You see the deals you are given access to in the Deal OS desktop app. Sign in\n"
            "with this email address: we email you a link that signs you in, each link\n"
            "once, for 15 minutes. From a terminal:\n\n"
            f"    dealos lp-signin --server {server_url} --email {who.email}"
        )
    body = (
        f"Dear {who.display_name},\n\n"
        f"{who.org_name} has invited you to Deal OS as {_roles_text(who.roles)}.\n\n"
        f"{how}\n\n"
        "No password is needed, and we never ask you for one by email.\n"
        f"{_IGNORE}\n\n"
        f"{who.org_name}\n"
    )
    return Letter(f"{who.org_name} invites you to Deal OS", body)
