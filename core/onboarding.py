"""The first run of a data folder: a local organization, this device enrolled with a
server, or the demo organization — and telling whether the folder already holds one.

Keys and the server session go to the keyring, never into the store (DESIGN §4).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from core.commands.workspace import Workspace
from core.demo.seed import build_demo
from core.errors import DealOSError
from core.ids import new_id
from core.keys import KeyStore
from core.ops.signing import DeviceKey
from core.store.local import DB_FILENAME
from core.store.local_schema import op_log
from core.sync.replica import READER_META
from core.sync.status import SERVER_URL_META, session_secret_name

if TYPE_CHECKING:
    from core.sync.attach import AttachReport
    from core.sync.client import SyncClient
    from core.sync.desktop_sign_in_messages import DesktopSignInStarted
    from core.sync.engine import SyncReport
    from core.sync.messages import SessionGranted

# The sync client and engine (httpx, tenacity, pybreaker) are imported where a function
# talks to a server: the desktop's window imports this module at start and never syncs
# in its own process.


__all__ = [
    "SignInCancelled",
    "attach_to_server",
    "create_local_org",
    "enroll_device",
    "has_organization",
    "join_as_reader",
    "join_by_email_approval",
    "load_demo",
]


def has_organization(data_dir: Path) -> bool:
    return (data_dir / DB_FILENAME).exists()


def _fresh(data_dir: Path) -> None:
    if has_organization(data_dir):
        raise DealOSError(f"{data_dir} already holds an organization; choose an empty folder")


def create_local_org(
    data_dir: Path,
    *,
    org_name: str,
    email: str,
    display_name: str,
    base_currency: str = "USD",
    device_name: str = "this workstation",
) -> Workspace:
    """A new organization on this machine, offline; its founder is GP and admin."""
    _fresh(data_dir)
    return Workspace.init(
        data_dir,
        org_name=org_name.strip(),
        email=email.strip(),
        display_name=display_name.strip(),
        base_currency=base_currency,
        device_name=device_name,
    )


def load_demo(data_dir: Path, *, seed: int = 7) -> Workspace:
    """Harbor Peak Capital, built through signed ops, then opened."""
    _fresh(data_dir)
    build_demo(data_dir, seed=seed)
    return Workspace.open(data_dir)


def enroll_device(
    data_dir: Path,
    *,
    server: str,
    email: str,
    password: str,
    device_name: str,
    keys: KeyStore | None = None,
    snapshots: bool = True,
    code: str | None = None,
) -> tuple[Workspace, SyncReport]:
    """Sign in, register a new device key, and bring the organization here: from the
    server's signed snapshot (history kept to verify later) unless ``snapshots`` is off
    or the server offers none, else by replaying every op.

    With ``code`` (a staff invitation's emailed sign-in code), ``password`` is the one the
    invited person chooses: the server sets it and signs them in with it."""
    _fresh(data_dir)
    keys = keys or KeyStore()
    from core.sync.client import SyncClient
    from core.sync.engine import SyncEngine

    client = SyncClient(server)
    try:
        session = (
            _accept_invitation(client, email, code, password)
            if code
            else client.login(email, password)
        )
        key = DeviceKey.generate()
        device_id = client.register_device(
            key, device_name, org_id=session.org_id, user_id=session.user_id
        )
        ws = Workspace.join(
            data_dir,
            org_id=session.org_id,
            user_id=session.user_id,
            device_id=device_id,
            key=key,
            keys=keys,
        )
        keys.save_secret(session_secret_name(device_id), session.session_token)
        with ws.store.transaction() as conn:
            ws.store.set_meta(conn, SERVER_URL_META, client.base_url)
        report = SyncEngine(ws, client, snapshots=snapshots).run_once()
    finally:
        client.close()
    return ws, report


def _accept_invitation(client: SyncClient, email: str, code: str, password: str) -> SessionGranted:
    from core.sync.errors import SyncError

    try:
        return client.accept_invitation(email, code.strip(), password)
    except SyncError as exc:
        if exc.code == "invalid_or_expired_code":
            raise DealOSError(
                f"the invitation code was not accepted for {email}: it is wrong, already "
                "used or expired"
            ) from None
        if exc.field == "password":
            raise DealOSError("choose a password of at least 12 characters") from None
        raise


def join_as_reader(
    data_dir: Path,
    *,
    server: str,
    token: str,
    keys: KeyStore | None = None,
) -> tuple[Workspace, SyncReport]:
    """An LP's read-only replica, signed in with the token of a magic link.

    The LP enrolls no key with the server (it authors nothing); a key of this machine's
    own still signs the local audit chain. The replica holds the server-signed, redacted
    ops the LP may see, and nothing else.
    """
    from core.sync.client import SyncClient

    _fresh(data_dir)
    client = SyncClient(server)
    try:
        session = client.consume_magic_link(token.strip())
        return _reader_replica(data_dir, client, session, keys or KeyStore())
    finally:
        client.close()


def _reader_replica(
    data_dir: Path, client: SyncClient, session: SessionGranted, keys: KeyStore
) -> tuple[Workspace, SyncReport]:
    from core.sync.engine import SyncEngine

    # A local-only device: never registered, so nothing it signs is accepted anywhere.
    device_id = new_id()
    ws = Workspace.join(
        data_dir,
        org_id=session.org_id,
        user_id=session.user_id,
        device_id=device_id,
        key=DeviceKey.generate(),
        keys=keys,
    )
    keys.save_secret(session_secret_name(device_id), session.session_token)
    with ws.store.transaction() as conn:
        ws.store.set_meta(conn, SERVER_URL_META, client.base_url)
        ws.store.set_meta(conn, READER_META, ",".join(session.roles))
    return ws, SyncEngine(ws, client).run_once()


class SignInCancelled(DealOSError):
    """The person stopped waiting for the emailed approval; nothing was made."""


def _device_label(name: str) -> str:
    """The computer's name as the server accepts it: letters, digits, spaces, . _ - ' ( )."""
    kept = " ".join(re.sub(r"[^\w .'’()-]", " ", name).split())[:100].strip()
    return kept or "a computer"


def join_by_email_approval(
    data_dir: Path,
    *,
    server: str,
    email: str,
    device_name: str,
    keys: KeyStore | None = None,
    on_requested: Callable[[DesktopSignInStarted], None] | None = None,
    cancelled: threading.Event | None = None,
) -> tuple[Workspace, SyncReport]:
    """An LP's read-only replica, signed in by approving this computer from an email: no
    token is copied by hand.

    The server emails ``email`` (if it is an investor's) a link whose page approves the
    request; ``on_requested`` hears the request's check code and expiry (to show them);
    this waits, polling at the server's interval, until the approval, the request's end or
    ``cancelled`` is set (:class:`SignInCancelled`), then makes the replica exactly as
    :func:`join_as_reader` does with a link's token.
    """
    from core.sync.client import SyncClient
    from core.sync.errors import SyncError

    _fresh(data_dir)
    stop = cancelled or threading.Event()
    client = SyncClient(server)
    try:
        started = client.request_desktop_sign_in(email.strip(), _device_label(device_name))
        if on_requested is not None:
            on_requested(started)
        ended = DealOSError(
            f"the sign-in request for {email.strip()} ended without an approval: it was "
            "turned down, or the 15 minutes it lasts ran out; ask again"
        )
        deadline = dt.datetime.fromisoformat(started.expires_at)
        session = None
        while session is None:
            if stop.wait(started.interval):
                raise SignInCancelled("signing in was cancelled; nothing was changed")
            try:
                session = client.poll_desktop_sign_in(started.request_id, started.poll_secret)
            except SyncError as exc:
                if exc.code == "invalid_or_expired_token":
                    raise ended from None
                raise
            if session is None and dt.datetime.now(dt.UTC) > deadline + dt.timedelta(minutes=1):
                raise ended
        return _reader_replica(data_dir, client, session, keys or KeyStore())
    finally:
        client.close()


def attach_to_server(ws: Workspace, *, server: str, code: str, password: str) -> AttachReport:
    """Bring an organization started offline (``dealos init``, ``dealos demo``) onto an
    empty server org, with its whole history, every device's ops.

    Every op of the local log is checked first against its device's key; its genesis
    becomes server op 1 with the same ids; the server's service account (the org's
    key-signing admin) is added by two ops this device signs; then everything after the
    genesis goes to the server in the order it was made, which applies all of it or nothing
    (:mod:`core.sync.attach`). Nothing is retyped, no id changes. Run again with the same
    code, it takes up an attach that was cut short.
    """
    with ws.store.transaction() as conn:
        if ws.store.meta(conn, SERVER_URL_META):
            raise DealOSError("this organization is already attached to a server")
        first = conn.execute(
            select(op_log.c.op_id, op_log.c.kind, op_log.c.envelope)
            .order_by(op_log.c.local_seq)
            .limit(1)
        ).first()
    if first is None or first[1] != "org.create":
        raise DealOSError("only an organization created here (dealos init) can be attached")
    from core.sync.attach import (
        AttachReport,
        attach_genesis,
        check_log,
        confirm_history,
        send_history,
    )
    from core.sync.client import SyncClient
    from core.sync.engine import SyncEngine

    check_log(ws)
    genesis = json.loads(first[2])
    client = SyncClient(server)
    try:
        attach_genesis(ws, client, genesis, code=code, password=password)
        sent = send_history(ws, client)
        if not sent.already:
            confirm_history(ws, sent)
        with ws.store.transaction() as conn:
            ws.store.set_meta(conn, SERVER_URL_META, client.base_url)
        report = SyncEngine(ws, client).run_once()
    finally:
        client.close()
    return AttachReport(
        org_id=ws.org_id,
        history=len(sent.op_ids),
        devices=sent.devices,
        sync=report,
        pending=_unconfirmed(ws),
        conflicts=report.conflicts,
    )


def _unconfirmed(ws: Workspace) -> int:
    """Ops still waiting for the server, any device's (the outbox holds only ours)."""
    with ws.store.transaction() as conn:
        return int(
            conn.execute(
                select(func.count()).select_from(op_log).where(op_log.c.status == "pending")
            ).scalar_one()
        )
