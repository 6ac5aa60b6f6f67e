"""Outgoing mail: SMTP, or .eml files in a drop folder on a laptop or in CI.

Both deliver a real RFC 5322 message; the drop folder is what ``dealos serve`` uses when
no SMTP server is configured, so an operator can open the message by hand.

Two ways to send. ``send`` is fire-and-forget (magic links: a lost one is asked for
again). A :meth:`Mailer.conversation` delivers notices one by one over one connection
and tells exactly how far each got, because the outbox must never send a message twice
(:mod:`sync_server.notifications.sender`): ``before_handover`` runs after the mail server
took the recipient and before the message itself is sent, and may call the message off;
:class:`MailNotSent` means the server certainly did not take the message (it said so, or
it was never given it), :class:`MailMaybeSent` that the connection broke while the
message was being handed over, so it may have arrived. Reasons are in words, with any
address masked: they are stored and shown to the GP, and logged.
"""

from __future__ import annotations

import contextlib
import os
import smtplib
import socket
import ssl
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import parseaddr
from pathlib import Path
from typing import Protocol

from core.errors import DealOSError
from core.ids import new_id
from sync_server.request_log import scrub
from sync_server.settings import Settings

__all__ = [
    "Conversation",
    "DropFolderMailer",
    "MailMaybeSent",
    "MailNotSent",
    "Mailer",
    "SmtpMailer",
    "compose",
    "mailer_for",
]


class MailNotSent(DealOSError):
    """The message certainly did not reach the mail server; ``permanent`` when the server
    refused it for good (5xx), so sending it again would be refused again."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class MailMaybeSent(DealOSError):
    """The connection broke while the message was handed over: it may have arrived."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Conversation(Protocol):
    def deliver(self, message: EmailMessage, before_handover: Callable[[], bool]) -> bool: ...


class Mailer(Protocol):
    def send(self, to: str, subject: str, body: str) -> None: ...

    def conversation(self) -> contextlib.AbstractContextManager[Conversation]: ...


def compose(
    sender: str, to: str, subject: str, body: str, *, message_id: str | None = None
) -> EmailMessage:
    """A plain-text message; ``message_id`` (e.g. the outbox row's id) makes the
    Message-ID stable, so a mail client that somehow got it twice shows it once."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    if message_id is not None:
        domain = parseaddr(sender)[1].rpartition("@")[2] or "dealos.invalid"
        msg["Message-ID"] = f"<{message_id}@{domain}>"
    msg.set_content(body)
    return msg


def _words(text: str) -> str:
    """A mail server's text as a reason to keep: addresses masked, one line, short."""
    cleaned = " ".join(str(scrub(text)).split())
    return cleaned[:200]


def _reply(code: int, text: bytes | str) -> str:
    said = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"the mail server answered {code}: {_words(said)}".rstrip(": ")


def _not_sent(code: int, text: bytes | str) -> MailNotSent:
    return MailNotSent(_reply(code, text), permanent=500 <= code < 600)


def _unreachable(exc: BaseException) -> MailNotSent:
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return MailNotSent(
            f"the mail server refused the sign-in ({exc.smtp_code}): check "
            "DEALOS_SMTP_USER and DEALOS_SMTP_PASSWORD"
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        return MailNotSent(_reply(exc.smtp_code, exc.smtp_error))
    if isinstance(exc, ConnectionRefusedError):
        return MailNotSent("the mail server refused the connection")
    if isinstance(exc, TimeoutError | socket.timeout):
        return MailNotSent("the mail server did not answer in time")
    if isinstance(exc, ssl.SSLError):
        return MailNotSent(f"the secure connection to the mail server failed ({exc.reason})")
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return MailNotSent("the mail server closed the connection")
    if isinstance(exc, smtplib.SMTPException):
        return MailNotSent(f"the mail server could not be used: {_words(str(exc))}")
    if isinstance(exc, OSError):
        return MailNotSent(
            f"the mail server could not be reached ({_words(exc.strerror or str(exc))})"
        )
    raise exc


class SmtpMailer:
    def __init__(self, settings: Settings) -> None:
        self._s = settings

    def _connect(self) -> smtplib.SMTP:
        """A signed-in connection: implicit TLS, STARTTLS or plain, as configured."""
        s = self._s
        assert s.smtp_host is not None
        smtp: smtplib.SMTP
        if s.smtp_implicit_tls:
            smtp = smtplib.SMTP_SSL(
                s.smtp_host,
                s.smtp_port,
                timeout=s.smtp_timeout_seconds,
                context=ssl.create_default_context(),
            )
        else:
            smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds)
        try:
            smtp.ehlo()
            if s.smtp_starttls and not s.smtp_implicit_tls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if s.smtp_user and s.smtp_password:
                smtp.login(s.smtp_user, s.smtp_password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, to: str, subject: str, body: str) -> None:
        with self._connect() as smtp:
            smtp.send_message(compose(self._s.mail_from, to, subject, body))

    @contextlib.contextmanager
    def conversation(self) -> Iterator[Conversation]:
        talk = _SmtpConversation(self)
        try:
            yield talk
        finally:
            talk.close()


class _SmtpConversation:
    """One connection, opened at the first message and again after a failure."""

    def __init__(self, mailer: SmtpMailer) -> None:
        self._mailer = mailer
        self._smtp: smtplib.SMTP | None = None

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.quit()
            self._smtp.close()
            self._smtp = None

    def _ready(self) -> smtplib.SMTP:
        """The open connection, checked with a NOOP if it waited (servers close idle
        ones), or a new one."""
        if self._smtp is not None:
            try:
                if self._smtp.noop()[0] == 250:
                    return self._smtp
            except (smtplib.SMTPException, OSError):
                pass
            self.close()
        self._smtp = self._mailer._connect()
        return self._smtp

    def deliver(self, message: EmailMessage, before_handover: Callable[[], bool]) -> bool:
        try:
            return self._deliver(message, before_handover)
        except (MailNotSent, MailMaybeSent):
            self.close()
            raise

    def _deliver(self, message: EmailMessage, before_handover: Callable[[], bool]) -> bool:
        sender = parseaddr(str(message["From"]))[1]
        to = parseaddr(str(message["To"]))[1]
        try:
            smtp = self._ready()
            code, text = smtp.mail(sender)
            if code != 250:
                raise _not_sent(code, text)
            code, text = smtp.rcpt(to)
            if code not in (250, 251):
                smtp.rset()
                raise _not_sent(code, text)
            if not before_handover():
                smtp.rset()
                return False
        except (MailNotSent, MailMaybeSent):
            raise
        except (smtplib.SMTPException, OSError) as exc:
            raise _unreachable(exc) from None
        try:
            code, text = smtp.data(message.as_bytes(policy=SMTP_POLICY))
        except smtplib.SMTPResponseException as exc:
            # The server answered DATA itself with a refusal: it holds nothing.
            raise _not_sent(exc.smtp_code, exc.smtp_error) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise MailMaybeSent(
                "the connection to the mail server broke while the message was being "
                f"handed over ({_words(type(exc).__name__)}); it may have arrived"
            ) from None
        if code != 250:
            raise _not_sent(code, text)
        return True


class DropFolderMailer:
    def __init__(self, folder: Path, sender: str) -> None:
        self.folder = folder
        self._sender = sender

    def _write(self, message: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = self.folder / f"{new_id()}.eml"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(bytes(message))

    def send(self, to: str, subject: str, body: str) -> None:
        self._write(compose(self._sender, to, subject, body))

    @contextlib.contextmanager
    def conversation(self) -> Iterator[Conversation]:
        yield self

    def deliver(self, message: EmailMessage, before_handover: Callable[[], bool]) -> bool:
        if not before_handover():
            return False
        try:
            self._write(message)
        except OSError as exc:
            raise MailMaybeSent(
                f"the message could not be written to the mail folder ({exc.strerror})"
            ) from None
        return True


def mailer_for(settings: Settings) -> Mailer:
    if settings.smtp_host:
        return SmtpMailer(settings)
    folder = settings.mail_drop_dir or settings.secret_file.parent / "outbox-mail"
    return DropFolderMailer(folder, settings.mail_from)
