"""Invitations as people meet them, with the real ``dealos`` command and the real server on
a socket, its mail going to an SMTP server (aiosmtpd).

Ada starts Acme Capital on her laptop and invites Alex (GP analyst) and Priya (an LP)
before there is any server: nobody is emailed. She attaches it; Alex and Priya get their
invitations then, Ada none. Once attached she invites Sam, a second analyst: one email
with a code. Sam runs ``dealos enroll --code`` with a password of his choosing and signs
ops from his new device; the same code again is refused in words. ``dealos user
invitations`` shows Ada how each went.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from live_server import LiveServer, free_port, settings_for
from smtp_inbox import Inbox

from core.ids import new_id
from core.keys import KEYRING_FILE_ENV
from sync_server.bootstrap import invite_org
from sync_server.database import owner_engine

ADA_PASSWORD = "acme founder passphrase"
SAM_PASSWORD = "sam's own long passphrase"


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    box = Inbox(free_port())
    box.start()
    yield box
    box.stop()


@pytest.fixture
def server(pg_database: Any, tmp_path: Path, inbox: Inbox) -> Iterator[LiveServer]:
    port = free_port()
    settings = settings_for(pg_database, tmp_path / "server", port).with_(
        smtp_host="127.0.0.1",
        smtp_port=inbox.port,
        smtp_starttls=False,
        smtp_timeout_seconds=5.0,
        notice_poll_seconds=0.1,
    )
    live = LiveServer(settings, port)
    live.start()
    yield live
    live.close()


def _body(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


def _one_mail(inbox: Inbox, address: str) -> str:
    deadline = time.monotonic() + 15
    while not inbox.to(address) and time.monotonic() < deadline:
        time.sleep(0.05)
    [message] = inbox.to(address)
    return _body(message)


def test_people_invited_offline_are_emailed_at_attach_and_a_code_enrolls_an_analyst(
    server: LiveServer, inbox: Inbox, tmp_path: Path
) -> None:
    env = {**os.environ, KEYRING_FILE_ENV: str(tmp_path / "keyring.json")}

    def dealos(*args: str | Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "core.cli.main", *map(str, args)],
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )

    def ok(*args: str | Path, stdin: str = "") -> str:
        done = dealos(*args, stdin=stdin)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    tag = new_id()[-10:]
    ada, alex, priya, sam = (f"{n}+{tag}@acme.example" for n in ("ada", "alex", "priya", "sam"))
    laptop, desk = tmp_path / "laptop", tmp_path / "sam-desk"
    ok("init", "--org", "Acme Capital", "--user", ada, "--name", "Ada GP", "--data-dir", laptop)
    ok("user", "invite", "--email", alex, "--name", "Alex Chen", "--role", "gp_analyst",
       "--data-dir", laptop)  # fmt: skip
    ok("user", "invite", "--email", priya, "--name", "Priya Shah", "--role", "lp",
       "--data-dir", laptop)  # fmt: skip
    offline = dealos("user", "invitations", "--data-dir", laptop)
    assert offline.returncode == 1
    assert offline.stderr.strip() == (
        "dealos: no server attached: the people invited here are emailed their invitations "
        "once this organization is attached"
    )

    engine = owner_engine(server.settings.database_url)
    try:
        attach_code = invite_org(engine, admin_email=ada, ttl_seconds=600)
    finally:
        engine.dispose()
    ok("attach", "--server", server.url, "--code", attach_code, "--password-stdin",
       "--data-dir", laptop, stdin=ADA_PASSWORD + "\n")  # fmt: skip

    alex_mail = _one_mail(inbox, alex)
    assert "Acme Capital has invited you to Deal OS as GP analyst." in alex_mail
    assert f"dealos enroll --server {server.url} --email {alex} --code " in alex_mail
    priya_mail = _one_mail(inbox, priya)
    assert f"{server.url}/portal" in priya_mail
    assert "code" not in priya_mail.lower()
    assert inbox.to(ada) == []
    assert len(inbox.messages) == 2  # nobody else: not the server's own account

    # Attached, Ada invites Sam: one email, with a code.
    ok("user", "invite", "--email", sam, "--name", "Sam Okafor", "--role", "gp_analyst",
       "--data-dir", laptop)  # fmt: skip
    ok("sync", "--data-dir", laptop)
    sam_mail = _one_mail(inbox, sam)
    found = re.search(r"--code (\S+)\n", sam_mail)
    assert found is not None, sam_mail
    code = found.group(1)
    assert "Dear Sam Okafor," in sam_mail
    for other in (ada, alex, priya, "Ada GP", "Alex Chen", "Priya Shah"):
        assert other not in sam_mail

    enrolled = ok("enroll", "--server", server.url, "--email", sam, "--code", code,
                  "--password-stdin", "--device-name", "sam laptop", "--data-dir", desk,
                  stdin=SAM_PASSWORD + "\n")  # fmt: skip
    assert f"invitation accepted: {sam} now signs in with the password chosen" in enrolled
    assert "enrolled device " in enrolled
    lp_id = ok("lp", "add", "--name", "Harbor Teachers", "--type", "institution",
               "--data-dir", desk).splitlines()[0]  # fmt: skip
    assert ok("sync", "--data-dir", desk).startswith(
        "pushed 1 (accepted 1, duplicate 0, rejected 0)"
    )
    ok("sync", "--data-dir", laptop)
    assert "Harbor Teachers" in ok("lp", "list", "--data-dir", laptop)
    assert lp_id

    # The same code again: refused in words, and nothing of it written.
    again = dealos("enroll", "--server", server.url, "--email", sam, "--code", code,
                   "--password-stdin", "--data-dir", tmp_path / "again",
                   stdin="another long passphrase\n")  # fmt: skip
    assert again.returncode == 1
    assert again.stderr.strip() == (
        f"dealos: the invitation code was not accepted for {sam}: it is wrong, already used "
        "or expired"
    )
    assert not (tmp_path / "again").exists() or not any((tmp_path / "again").iterdir())
    # Sam's password is the one he chose.
    ok("enroll", "--server", server.url, "--email", sam, "--password-stdin",
       "--data-dir", tmp_path / "sam-second", stdin=SAM_PASSWORD + "\n")  # fmt: skip

    lines = ok("user", "invitations", "--data-dir", laptop).splitlines()
    assert len(lines) == 3
    [sam_line] = [line for line in lines if line.startswith("Sam Okafor")]
    assert sam_line.startswith(f"Sam Okafor <{sam}>: sent ")
    assert "; the sign-in code was used " in sam_line
    [priya_line] = [line for line in lines if line.startswith("Priya Shah")]
    assert "code" not in priya_line
    assert ": sent " in priya_line
    assert len(inbox.messages) == 3
