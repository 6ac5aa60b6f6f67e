"""``dealos notices status``: how the emails of issued notices went, from the server.

Issuing a capital call or a distribution on an organization attached to a server has the
server email each LP in it; this prints, per notice, each LP and address with what became
of its email (sent when, waiting to try again, failed and why). Without ``--call`` or
``--distribution`` it lists every notice, newest first.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from core.commands.workspace import Workspace
from core.sync.notice_status import NoticeRef, delivery_lines, fetch_deliveries

__all__ = ["register"]

SubParsers = argparse._SubParsersAction


def register(sub: SubParsers[argparse.ArgumentParser]) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir", type=Path, default=argparse.SUPPRESS, help="folder of the local store"
    )
    notices = sub.add_parser("notices", help="notices emailed to LPs").add_subparsers(
        dest="notices_command", metavar="ACTION", required=True
    )
    p = notices.add_parser(
        "status", parents=[common], help="how each issued notice's emails went, per LP"
    )
    which = p.add_mutually_exclusive_group()
    which.add_argument("--call", metavar="ID", help="only this capital call's emails")
    which.add_argument("--distribution", metavar="ID", help="only this distribution's emails")
    p.set_defaults(handler=_status)


def _status(args: Any) -> int:
    notice = None
    if args.call:
        notice = NoticeRef("capital_call", args.call)
    elif args.distribution:
        notice = NoticeRef("distribution", args.distribution)
    ws = Workspace.open(args.data_dir)
    try:
        deliveries = fetch_deliveries(ws, notice)
    finally:
        ws.close()
    lines = delivery_lines(deliveries)
    if not lines:
        what = {"capital_call": "capital call", "distribution": "distribution"}
        subject = f"this {what[notice.kind]}" if notice else "any notice"
        lines = [
            f"no emails for {subject}: notices are emailed when they are issued, "
            "to each LP with a share in them"
        ]
    print("\n".join(lines))
    return 0
