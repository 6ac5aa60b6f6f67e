"""How a notice's emails went, fetched from the server and said in words.

Issuing a capital call or a distribution on an organization attached to a server has the
server email each LP in it (docs/SYNC_SERVER.md, "Notices by email"). The command line
(``dealos notices status``) and the desktop's deliveries dialog ask the server through
:meth:`core.sync.client.SyncClient.notice_deliveries` and show the answer with the words
here. An organization kept only on this machine has no server to send mail: it is told so.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Final

from core.commands.workspace import Workspace
from core.errors import DealOSError
from core.reports.presentation import long_date
from core.sync.errors import SyncError
from core.sync.notice_messages import NoticeDeliveries, NoticeDelivery
from core.sync.status import server_url, session_secret_name

__all__ = [
    "NOT_ATTACHED",
    "NoServerAttached",
    "NoticeRef",
    "delivery_lines",
    "fetch_deliveries",
    "moment_text",
    "status_text",
    "summary_text",
]

NOT_ATTACHED: Final = "no server attached: notices are emailed once this organization is attached"
_NOTICE_WORDS: Final = {"capital_call": "capital call", "distribution": "distribution"}


class NoServerAttached(DealOSError):
    """This organization lives on this machine only: no server emails its notices."""


@dataclass(frozen=True, slots=True)
class NoticeRef:
    """Which notice to ask about: ``kind`` is ``capital_call`` or ``distribution``."""

    kind: str
    notice_id: str


def fetch_deliveries(ws: Workspace, notice: NoticeRef | None = None) -> NoticeDeliveries:
    """The server's record of the emails of ``notice`` (or of every notice)."""
    url = server_url(ws)
    if not url:
        raise NoServerAttached(NOT_ATTACHED)
    # Imported here: the desktop's window reads this module without loading httpx.
    from core.sync.client import SyncClient

    token = ws.keys.secret(session_secret_name(ws.device_id))
    client = SyncClient(url, token=token, timeout=15.0, attempts=2)
    try:
        if notice is None:
            return client.notice_deliveries()
        if notice.kind == "capital_call":
            return client.notice_deliveries(call_id=notice.notice_id)
        return client.notice_deliveries(distribution_id=notice.notice_id)
    except SyncError as exc:
        raise DealOSError(f"the server says: {exc.message}") from None
    finally:
        client.close()


def moment_text(stamp: str | None) -> str:
    """``1 March 2026, 10:02 UTC`` for a server time; an em dash for none."""
    if not stamp:
        return "—"
    moment = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(dt.UTC)
    return f"{long_date(moment.date())}, {moment:%H:%M} UTC"


def status_text(d: NoticeDelivery) -> str:
    """What became of one email, as a GP says it."""
    if d.status == "sent":
        return f"sent {moment_text(d.sent_at)}"
    if d.status == "queued" and d.attempts:
        return f"waiting to try again at {moment_text(d.next_attempt_at)}"
    if d.status == "queued":
        return "waiting to be sent"
    if d.status == "sending":
        return "being sent"
    return "failed"


def _attempts(n: int) -> str:
    return "1 attempt" if n == 1 else f"{n} attempts"


def summary_text(deliveries: NoticeDeliveries) -> str:
    """``3 emails: 2 sent, 1 failed``."""
    rows = deliveries.deliveries
    counts = Counter(d.status for d in rows)
    parts = [f"{counts[s]} {s}" for s in ("sent", "queued", "sending", "failed") if counts[s]]
    noun = "email" if len(rows) == 1 else "emails"
    return f"{len(rows)} {noun}: {', '.join(parts)}" if rows else "no emails"


def delivery_lines(deliveries: NoticeDeliveries) -> list[str]:
    """Each notice's emails in words, one line per LP and address, notices newest first."""
    lines: list[str] = []
    seen: list[str] = []
    by_notice: dict[str, list[NoticeDelivery]] = {}
    for d in deliveries.deliveries:
        if d.notice_id not in by_notice:
            seen.append(d.notice_id)
        by_notice.setdefault(d.notice_id, []).append(d)
    for notice_id in seen:
        rows = by_notice[notice_id]
        first = rows[0]
        words = _NOTICE_WORDS[first.notice]
        lines.append(
            f"{first.fund_name} — {words} notice, queued {moment_text(first.queued_at)}: "
            f"{summary_text(NoticeDeliveries(deliveries=rows))}"
        )
        for d in rows:
            who = f"{d.lp_name} <{d.recipient}>" if d.recipient else f"{d.lp_name} (no address)"
            tries = f" after {_attempts(d.attempts)}" if d.attempts else ""
            line = f"  {who}: {status_text(d)}{tries}"
            if d.last_error and d.status != "sent":
                line += f" — {d.last_error}"
            lines.append(line)
    return lines
