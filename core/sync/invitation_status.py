"""How invitation emails went, fetched from the server and said in words.

Inviting someone into an organization attached to a server has the server email them how
to sign in (docs/SYNC_SERVER.md, "Invitations by email"); ``dealos user invitations``
asks the server through :meth:`core.sync.client.SyncClient.invitations` and prints the
answer with the words here. An organization kept only on this machine is told its people
are invited by email once it is attached.
"""

from __future__ import annotations

from typing import Final

from core.commands.workspace import Workspace
from core.errors import DealOSError
from core.sync.errors import SyncError
from core.sync.invitation_messages import InvitationDeliveries, InvitationDelivery
from core.sync.notice_status import NoServerAttached, moment_text
from core.sync.status import server_url, session_secret_name

__all__ = ["NOT_ATTACHED", "fetch_invitations", "invitation_lines"]

NOT_ATTACHED: Final = (
    "no server attached: the people invited here are emailed their invitations once this "
    "organization is attached"
)


def fetch_invitations(ws: Workspace) -> InvitationDeliveries:
    """The server's record of every invitation email of the organization."""
    url = server_url(ws)
    if not url:
        raise NoServerAttached(NOT_ATTACHED)
    from core.sync.client import SyncClient

    token = ws.keys.secret(session_secret_name(ws.device_id))
    client = SyncClient(url, token=token, timeout=15.0, attempts=2)
    try:
        return client.invitations()
    except SyncError as exc:
        raise DealOSError(f"the server says: {exc.message}") from None
    finally:
        client.close()


def _status(d: InvitationDelivery) -> str:
    if d.accepted_at:
        return (
            f"sent {moment_text(d.sent_at)}; the sign-in code was used {moment_text(d.accepted_at)}"
        )
    if d.status == "sent":
        return f"sent {moment_text(d.sent_at)}"
    if d.status == "queued" and d.attempts:
        return f"waiting to try again at {moment_text(d.next_attempt_at)}"
    if d.status == "queued":
        return "waiting to be sent"
    if d.status == "sending":
        return "being sent"
    return f"failed — {d.last_error}" if d.last_error else "failed"


def invitation_lines(invitations: InvitationDeliveries) -> list[str]:
    """One line per invited person, newest invitation first."""
    return [
        f"{d.display_name} <{d.recipient}>: {_status(d)} (invited {moment_text(d.queued_at)})"
        for d in invitations.invitations
    ]
