"""Outgoing mail (magic links): SMTP, or .eml files in a drop folder on a laptop or in CI.

Both deliver a real RFC 5322 message; the drop folder is what ``dealos serve`` uses when
no SMTP server is configured, so an operator can open the link by hand.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from core.ids import new_id
from sync_server.settings import Settings

__all__ = ["DropFolderMailer", "Mailer", "SmtpMailer", "mailer_for"]


class Mailer(Protocol):
    def send(self, to: str, subject: str, body: str) -> None: ...


def _message(sender: str, to: str, subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    msg.set_content(body)
    return msg


class SmtpMailer:
    def __init__(self, settings: Settings) -> None:
        self._s = settings

    def send(self, to: str, subject: str, body: str) -> None:
        s = self._s
        assert s.smtp_host is not None
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=20) as smtp:
            if s.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if s.smtp_user and s.smtp_password:
                smtp.login(s.smtp_user, s.smtp_password)
            smtp.send_message(_message(s.mail_from, to, subject, body))


class DropFolderMailer:
    def __init__(self, folder: Path, sender: str) -> None:
        self.folder = folder
        self._sender = sender

    def send(self, to: str, subject: str, body: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = self.folder / f"{new_id()}.eml"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(bytes(_message(self._sender, to, subject, body)))


def mailer_for(settings: Settings) -> Mailer:
    if settings.smtp_host:
        return SmtpMailer(settings)
    folder = settings.mail_drop_dir or settings.secret_file.parent / "outbox-mail"
    return DropFolderMailer(folder, settings.mail_from)
