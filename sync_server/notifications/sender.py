"""The sender: delivers the outbox's emails, at most once each.

SMTP cannot be made exactly-once: between the mail server taking the message (its 250
after the data) and our record of it, a crash leaves us unable to know whether it
arrived. This sender errs on the side of **not sending twice** — an investor who gets one
capital call twice may wire twice — and says so where it cannot be sure:

1. *Claim* (its own committed transaction): a queued row due now becomes ``sending`` with
   a fresh attempt id, one more attempt, and a lease; ``FOR UPDATE SKIP LOCKED``, so two
   server processes never claim one row.
2. Greet the mail server, give it the sender and the recipient.
3. *Hand over* (a committed transaction): ``handed_over_at`` is set — only if the row
   still carries our attempt id. If another process recovered the row meanwhile, the
   message is called off (RSET) and nothing is sent.
4. Send the message. 250: the row is ``sent`` with ``sent_at``. A refusal the server
   states (4xx, or a 5xx that is final) or a failure before step 3: nothing arrived; a 4xx
   or a connection failure is tried again after a wait that doubles each attempt
   (``next_attempt_at``, the durable form of the backoff), up to the most attempts, then
   ``failed``; a 5xx is ``failed`` at once. The connection breaking during step 4:
   ``failed``, "it may have arrived", never resent.

A row found ``sending`` once its lease has run out belongs to a server that stopped (or
stalled) mid-send. Not handed over: the message certainly did not leave, and the row is
queued again. Handed over: it may have arrived, so it is ``failed`` with that reason and
not resent; if its sender was only slow and still records a 250, it becomes ``sent``.
So each (notice, LP, address) gets at most one message; the bound is that a crash
during the hand-over itself may cost one message, shown to the GP as failed.

Logs name rows by id and say what happened; never an address, a name or an amount.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Final

from aiohttp import web
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError

from core.ids import new_id
from sync_server.app_context import DB, MAILER, SETTINGS
from sync_server.database import tenant_tx
from sync_server.mail import Conversation, Mailer, MailMaybeSent, MailNotSent, compose
from sync_server.notifications.invitations import INVITATION, invitation_letter
from sync_server.notifications.letters import Letter, letter_for, read_share
from sync_server.request_log import logger
from sync_server.settings import Settings

__all__ = ["MAYBE_DELIVERED", "NoticeSender", "notice_sender"]

MAYBE_DELIVERED: Final = (
    "a server stopped while handing this message to the mail server; it may have "
    "arrived, so it is not sent again"
)
REQUEUED: Final = "a server stopped before handing this message over; it is sent again"
PORTAL_PATH: Final = "/portal"  # the portal's overview (sync_server/portal)


@dataclass(frozen=True, slots=True)
class Claimed:
    org_id: str
    outbox_id: str
    attempt_id: str
    kind: str
    notice_id: str  # the notice's id, or the invited user's
    lp_id: str | None  # None for an invitation
    recipient: str
    attempts: int


_CLAIM: Final = """
UPDATE notice_outbox o SET status = 'sending', attempt_id = :attempt,
    attempts = o.attempts + 1, handed_over_at = NULL,
    lease_until = now() + make_interval(secs => :lease)
WHERE o.org_id = :org AND o.outbox_id = (
    SELECT q.outbox_id FROM notice_outbox q
    WHERE q.org_id = :org AND q.status = 'queued' AND q.next_attempt_at <= now()
    ORDER BY q.next_attempt_at, q.outbox_id
    LIMIT 1 FOR UPDATE SKIP LOCKED
)
RETURNING o.outbox_id, o.notice_kind, o.notice_id, o.lp_id, o.recipient, o.attempts
"""
_REQUEUE_STALE: Final = """
UPDATE notice_outbox SET
    status = CASE WHEN attempts >= :most THEN 'failed' ELSE 'queued' END,
    attempt_id = NULL, lease_until = NULL, next_attempt_at = now(), last_error = :why
WHERE org_id = :org AND status = 'sending' AND lease_until < now()
  AND handed_over_at IS NULL
RETURNING outbox_id
"""
_FAIL_STALE: Final = """
UPDATE notice_outbox SET status = 'failed', lease_until = NULL, last_error = :why
WHERE org_id = :org AND status = 'sending' AND lease_until < now()
  AND handed_over_at IS NOT NULL
RETURNING outbox_id
"""
_HAND_OVER: Final = """
UPDATE notice_outbox SET handed_over_at = now()
WHERE org_id = :org AND outbox_id = :id AND attempt_id = :attempt AND status = 'sending'
"""
_SENT: Final = """
UPDATE notice_outbox SET status = 'sent', sent_at = now(), lease_until = NULL,
    last_error = NULL
WHERE org_id = :org AND outbox_id = :id AND attempt_id = :attempt
"""
_RETRY: Final = """
UPDATE notice_outbox SET status = :status, last_error = :why, attempt_id = NULL,
    lease_until = NULL, handed_over_at = NULL,
    next_attempt_at = now() + make_interval(secs => :wait)
WHERE org_id = :org AND outbox_id = :id AND attempt_id = :attempt AND status = 'sending'
"""
_FAILED: Final = """
UPDATE notice_outbox SET status = 'failed', last_error = :why, lease_until = NULL
WHERE org_id = :org AND outbox_id = :id AND attempt_id = :attempt
"""


class NoticeSender:
    """One round at a time: every organization with mail due, every message due in it."""

    def __init__(self, engine: Engine, mailer: Mailer, settings: Settings) -> None:
        self._engine = engine
        self._mailer = mailer
        self._s = settings

    def backoff(self, attempts: int) -> float:
        """Seconds before the next try after ``attempts`` tries: doubling, capped."""
        s = self._s
        return float(
            min(s.notice_retry_seconds * 2 ** max(0, attempts - 1), s.notice_retry_max_seconds)
        )

    def run_round(self, stopping: Callable[[], bool] = lambda: False) -> int:
        """Send what is due now; returns how many messages were tried."""
        with self._engine.begin() as conn:
            orgs = [r[0] for r in conn.execute(text("SELECT org_id FROM dealos_notice_orgs_due()"))]
        tried = 0
        with self._mailer.conversation() as talk:
            for org_id in orgs:
                self._recover(org_id)
                while not stopping():
                    claimed = self._claim(org_id)
                    if claimed is None:
                        break
                    self._send(talk, *claimed)
                    tried += 1
        return tried

    def _recover(self, org_id: str) -> None:
        with tenant_tx(self._engine, org_id) as conn:
            keys = {"org": org_id, "most": self._s.notice_max_attempts}
            requeued = conn.execute(text(_REQUEUE_STALE), {**keys, "why": REQUEUED}).all()
            failed = conn.execute(text(_FAIL_STALE), {**keys, "why": MAYBE_DELIVERED}).all()
        for (outbox_id,) in requeued:
            logger().warning(
                "notice.recovered", org_id=org_id, outbox_id=outbox_id, sent_again=True
            )
        for (outbox_id,) in failed:
            logger().warning(
                "notice.recovered", org_id=org_id, outbox_id=outbox_id, sent_again=False
            )

    def _claim(self, org_id: str) -> tuple[Claimed, Any] | None:
        """The next due row, claimed, with its message; None when none is due."""
        attempt = new_id()
        with tenant_tx(self._engine, org_id) as conn:
            row = conn.execute(
                text(_CLAIM),
                {"org": org_id, "attempt": attempt, "lease": self._s.notice_lease_seconds},
            ).first()
            if row is None:
                return None
            claimed = Claimed(org_id, row[0], attempt, row[1], row[2], row[3], row[4], row[5])
            letter = self._letter(conn, claimed)
            if isinstance(letter, str):
                self._update(conn, _FAILED, claimed, why=letter)
                return claimed, None
        message = compose(
            self._s.mail_from,
            claimed.recipient,
            letter.subject,
            letter.body,
            message_id=claimed.outbox_id,
        )
        return claimed, message

    def _letter(self, conn: Connection, claimed: Claimed) -> Letter | str:
        """The claimed row's email, or why it cannot be sent."""
        if claimed.kind == INVITATION:
            return invitation_letter(
                conn,
                claimed.org_id,
                claimed.outbox_id,
                claimed.notice_id,
                self._s.link_base,
                self._s.invitation_code_ttl_seconds,
            )
        assert claimed.lp_id is not None
        share = read_share(conn, claimed.org_id, claimed.kind, claimed.notice_id, claimed.lp_id)
        if share is None:
            return "the notice's records are gone"
        return letter_for(share, self._s.link_base + PORTAL_PATH)

    def _update(self, conn: Connection, sql: str, c: Claimed, **values: Any) -> bool:
        keys = {"org": c.org_id, "id": c.outbox_id, "attempt": c.attempt_id}
        return bool(conn.execute(text(sql), {**keys, **values}).rowcount)

    def _commit(self, sql: str, c: Claimed, **values: Any) -> bool:
        with tenant_tx(self._engine, c.org_id) as conn:
            return self._update(conn, sql, c, **values)

    def _send(self, talk: Conversation, claimed: Claimed, message: Any) -> None:
        if message is None:
            return
        log = logger().bind(org_id=claimed.org_id, outbox_id=claimed.outbox_id)
        try:
            delivered = talk.deliver(message, lambda: self._commit(_HAND_OVER, claimed))
        except MailMaybeSent as exc:
            self._commit(_FAILED, claimed, why=exc.reason)
            log.error("notice.maybe_sent", attempts=claimed.attempts, reason=exc.reason)
            return
        except MailNotSent as exc:
            self._not_sent(claimed, exc, log)
            return
        if not delivered:
            log.warning("notice.called_off", reason="another server recovered the message")
        elif self._commit(_SENT, claimed):
            log.info("notice.sent", notice_id=claimed.notice_id, attempts=claimed.attempts)
        else:
            log.error("notice.sent_unrecorded", attempts=claimed.attempts)

    def _not_sent(self, claimed: Claimed, exc: MailNotSent, log: Any) -> None:
        last = claimed.attempts >= self._s.notice_max_attempts
        if exc.permanent or last:
            why = (
                exc.reason
                if exc.permanent
                else (f"given up after {claimed.attempts} attempts: {exc.reason}")
            )
            self._commit(_FAILED, claimed, why=why)
            log.error("notice.failed", attempts=claimed.attempts, reason=why)
            return
        wait = self.backoff(claimed.attempts)
        self._commit(_RETRY, claimed, status="queued", why=exc.reason, wait=wait)
        log.warning("notice.retry", attempts=claimed.attempts, wait_seconds=wait, reason=exc.reason)


async def notice_sender(app: web.Application) -> AsyncIterator[None]:
    """The sender as a task of the app (``cleanup_ctx``): it starts with the server, looks
    for mail due every ``notice_poll_seconds``, and stops with it, finishing the message
    in hand. Its SMTP and database work run on a thread of its own, so neither the event
    loop nor the request handlers' database threads wait on a mail server."""
    settings = app[SETTINGS]
    if settings.notice_poll_seconds <= 0:
        yield
        return
    sender = NoticeSender(app[DB].engine, app[MAILER], settings)
    stop = threading.Event()
    wake = asyncio.Event()
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dealos-notices")

    async def loop() -> None:
        running = asyncio.get_running_loop()
        while not stop.is_set():
            try:
                await running.run_in_executor(executor, sender.run_round, stop.is_set)
            except SQLAlchemyError as exc:
                # The database is down or the role lost a right: try again next time.
                logger().warning("notices.round_failed", error=type(exc).__name__)
            except Exception as exc:  # the loop outlives any one round
                logger().error("notices.round_failed", error=type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), settings.notice_poll_seconds)

    task = asyncio.create_task(loop())
    yield
    stop.set()
    wake.set()
    await asyncio.wait([task], timeout=settings.smtp_timeout_seconds * 4)
    task.cancel()
    executor.shutdown(wait=False)
