"""Commands that talk to a sync server: enroll this machine, sync, and the conflicts inbox."""

from __future__ import annotations

import argparse
import getpass
import socket
import sys
from pathlib import Path
from typing import Any

from core.errors import DealOSError
from core.keys import KeyStore
from core.ops.signing import DeviceKey
from core.services.workspace import Workspace
from core.store.local import DB_FILENAME
from core.sync import conflicts as inbox
from core.sync.client import SyncClient
from core.sync.engine import SyncEngine

__all__ = ["register"]

SubParsers = argparse._SubParsersAction
SERVER_URL = "server_url"


def _session_name(device_id: str) -> str:
    return f"session:{device_id}"


def register(
    sub: SubParsers[argparse.ArgumentParser], common: list[argparse.ArgumentParser]
) -> None:
    p = sub.add_parser(
        "enroll",
        parents=common,
        help="sign in to a server and make this machine a device of your org",
    )
    p.add_argument("--server", required=True, metavar="URL")
    p.add_argument("--email", required=True)
    p.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input instead of a prompt",
    )
    p.add_argument("--device-name", default=socket.gethostname())
    p.set_defaults(handler=_enroll)

    p = sub.add_parser("sync", parents=common, help="one push/pull round with the server")
    p.add_argument("--server", metavar="URL", help="default: the server this folder enrolled with")
    p.set_defaults(handler=_sync)

    c = sub.add_parser("conflicts", help="ops the server refused").add_subparsers(
        dest="conflicts_command", metavar="ACTION", required=True
    )
    p = c.add_parser("list", parents=common, help="open conflicts beside the server's value")
    p.set_defaults(handler=_conflicts_list)
    p = c.add_parser("reapply", parents=common, help="make the change again on the current version")
    p.add_argument("op_id")
    p.set_defaults(handler=_conflicts_reapply)
    p = c.add_parser("discard", parents=common, help="give the change up, with a note")
    p.add_argument("op_id")
    p.add_argument("--note", required=True)
    p.set_defaults(handler=_conflicts_discard)


def _password(args: Any) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    return getpass.getpass(f"password for {args.email}: ")


def _enroll(args: Any) -> int:
    data_dir: Path = args.data_dir
    if (data_dir / DB_FILENAME).exists():
        raise DealOSError(f"{data_dir} already holds an organization; enroll into a new folder")
    keys = KeyStore()
    client = SyncClient(args.server)
    try:
        session = client.login(args.email, _password(args))
        key = DeviceKey.generate()
        device_id = client.register_device(key.public_key, args.device_name)
        ws = Workspace.join(
            data_dir,
            org_id=session.org_id,
            user_id=session.user_id,
            device_id=device_id,
            key=key,
            keys=keys,
        )
        keys.save_secret(_session_name(device_id), session.token)
        with ws.store.transaction() as conn:
            ws.store.set_meta(conn, SERVER_URL, client.base_url)
        report = SyncEngine(ws, client).run_once()
        ws.close()
    finally:
        client.close()
    print(f"enrolled device {device_id} for {args.email} in org {session.org_id}")
    print(report.summary())
    return 0


def _client_for(ws: Workspace, server: str | None) -> SyncClient:
    with ws.store.transaction() as conn:
        url = server or ws.store.meta(conn, SERVER_URL)
    if not url:
        raise DealOSError("this folder has no server yet: pass --server URL or run dealos enroll")
    token = ws.keys.secret(_session_name(ws.device_id))
    return SyncClient(url, token=token)


def _sync(args: Any) -> int:
    ws = Workspace.open(args.data_dir)
    client = _client_for(ws, args.server)
    try:
        report = SyncEngine(ws, client).run_once()
    finally:
        client.close()
        ws.close()
    print(report.summary())
    if report.conflicts:
        print(f"{len(report.conflicts)} open conflict(s): dealos conflicts list")
    return 0


def _conflicts_list(args: Any) -> int:
    ws = Workspace.open(args.data_dir)
    for c in inbox.list_conflicts(ws):
        current = c.server_value or {}
        print(f"{c.op_id}  {c.kind:<22} {c.entity_id}  {c.code}: {c.message}")
        print(f"    yours: base v{c.base_version} {c.payload}")
        print(f"    server: v{current.get('version')} {current.get('row')}")
    ws.close()
    return 0


def _conflicts_reapply(args: Any) -> int:
    ws = Workspace.open(args.data_dir)
    result = inbox.reapply(ws, args.op_id)
    ws.close()
    print(f"re-applied as op {result.op_id} (version {result.version}); sync to send it")
    return 0


def _conflicts_discard(args: Any) -> int:
    ws = Workspace.open(args.data_dir)
    inbox.discard(ws, args.op_id, note=args.note)
    ws.close()
    print(f"discarded {args.op_id}")
    return 0
