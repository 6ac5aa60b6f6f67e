"""Commands that talk to a sync server: enroll this machine, sync, and the conflicts inbox."""

from __future__ import annotations

import argparse
import getpass
import socket
import sys
from typing import Any

from core.commands.workspace import Workspace
from core.errors import DealOSError
from core.onboarding import (
    SignInCancelled,
    attach_to_server,
    enroll_device,
    join_as_reader,
    join_by_email_approval,
)
from core.sync import conflicts as inbox
from core.sync.bootstrap import history_unverified, verify_history
from core.sync.client import SyncClient
from core.sync.desktop_sign_in_messages import DesktopSignInStarted
from core.sync.engine import SyncEngine
from core.sync.status import SERVER_URL_META, session_secret_name

__all__ = ["register"]

SubParsers = argparse._SubParsersAction


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
    p.add_argument(
        "--code",
        metavar="CODE",
        help="the sign-in code of your invitation email: sets the password you choose",
    )
    p.add_argument("--device-name", default=socket.gethostname())
    p.add_argument(
        "--no-snapshot",
        action="store_true",
        help="replay every op instead of loading the server's signed snapshot",
    )
    p.add_argument(
        "--verify-history",
        action="store_true",
        help="after loading a snapshot, replay its history now and compare",
    )
    p.set_defaults(handler=_enroll)

    p = sub.add_parser(
        "verify-history",
        parents=common,
        help="replay the whole op log, every signature checked, and compare with the state",
    )
    p.set_defaults(handler=_verify_history)

    p = sub.add_parser(
        "lp-signin",
        parents=common,
        help="an LP's read-only replica: approve this computer from the emailed link",
    )
    p.add_argument("--server", required=True, metavar="URL")
    p.add_argument("--email", required=True)
    p.add_argument(
        "--device-name",
        default=socket.gethostname(),
        help="this computer's name, as the email and the approval page show it",
    )
    p.add_argument(
        "--token-stdin",
        action="store_true",
        help="for scripts: mail a sign-in link and read its token from standard input "
        "instead of waiting for the approval",
    )
    p.set_defaults(handler=_lp_signin)

    p = sub.add_parser(
        "attach",
        parents=common,
        help="bring this offline organization onto a server, with its whole history",
    )
    p.add_argument("--server", required=True, metavar="URL")
    p.add_argument("--code", required=True, help="the one-time code from the server operator")
    p.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the new server password from standard input",
    )
    p.set_defaults(handler=_attach)

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


def _new_password(args: Any) -> str:
    """The password an invited person chooses: from standard input, or typed twice."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    chosen = getpass.getpass(f"choose a password for {args.email} (12 characters or more): ")
    if getpass.getpass("the same password again: ") != chosen:
        raise DealOSError("the two passwords differ; nothing was changed")
    return chosen


def _enroll(args: Any) -> int:
    ws, report = enroll_device(
        args.data_dir,
        server=args.server,
        email=args.email,
        password=_new_password(args) if args.code else _password(args),
        device_name=args.device_name,
        snapshots=not args.no_snapshot,
        code=args.code,
    )
    if args.code:
        print(f"invitation accepted: {args.email} now signs in with the password chosen")
    print(f"enrolled device {ws.device_id} for {args.email} in org {ws.org_id}")
    print(report.summary())
    code = 0
    if report.snapshot is not None:
        if args.verify_history:
            code = _report_history(ws)
        else:
            print("the history is kept but not yet replayed: run `dealos verify-history`")
    ws.close()
    return code


def _verify_history(args: Any) -> int:
    ws = Workspace.open(args.data_dir)
    try:
        return _report_history(ws)
    finally:
        ws.close()


def _report_history(ws: Workspace) -> int:
    verdict = verify_history(ws)
    if verdict.ok:
        print(f"history verified: {verdict.ops} ops replay to {verdict.replayed_digest}")
        return 0
    print(
        f"dealos: the state loaded from the server ({verdict.loaded_digest}) is not what its "
        f"{verdict.ops} signed ops give ({verdict.replayed_digest}); the replayed state is kept",
        flush=True,
    )
    return 1


def _attach(args: Any) -> int:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("choose your server password (12 characters or more): ")
    ws = Workspace.open(args.data_dir)
    try:
        report = attach_to_server(ws, server=args.server, code=args.code, password=password)
        print(f"attached org {ws.org_id} to {args.server}; {report.summary()}")
    finally:
        ws.close()
    return 0


def _lp_signin(args: Any) -> int:
    if args.token_stdin:
        client = SyncClient(args.server)
        try:
            client.request_magic_link(args.email)
        finally:
            client.close()
        token = sys.stdin.readline().strip()
        ws, report = join_as_reader(args.data_dir, server=args.server, token=token)
    else:

        def waiting(started: DesktopSignInStarted) -> None:
            print(
                f"a sign-in link is on its way to {args.email}; open it and press Approve "
                f"(this computer's check code: {started.check_code}) — waiting…",
                flush=True,
            )

        try:
            ws, report = join_by_email_approval(
                args.data_dir,
                server=args.server,
                email=args.email,
                device_name=args.device_name,
                on_requested=waiting,
            )
        except KeyboardInterrupt:
            raise SignInCancelled("signing in was cancelled; nothing was changed") from None
    print(f"signed in as LP reader of org {ws.org_id}; {report.summary()}")
    ws.close()
    return 0


def _client_for(ws: Workspace, server: str | None) -> SyncClient:
    with ws.store.transaction() as conn:
        url = server or ws.store.meta(conn, SERVER_URL_META)
    if not url:
        raise DealOSError("this folder has no server yet: pass --server URL or run dealos enroll")
    token = ws.keys.secret(session_secret_name(ws.device_id))
    return SyncClient(url, token=token)


def _sync(args: Any) -> int:
    ws = Workspace.open(args.data_dir)
    client = _client_for(ws, args.server)
    try:
        report = SyncEngine(ws, client).run_once()
        unverified = history_unverified(ws)
    finally:
        client.close()
        ws.close()
    print(report.summary())
    if report.conflicts:
        print(f"{len(report.conflicts)} open conflict(s): dealos conflicts list")
    if unverified:
        print("the state came from the server's snapshot: check it with dealos verify-history")
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
