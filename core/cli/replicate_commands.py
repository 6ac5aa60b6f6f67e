"""``dealos replicate start | run | stop | status`` and ``dealos restore``: desktop snapshots.

``start --to DIR|URL`` records the setting and launches replication in the background;
``run`` replicates in the foreground (what ``start`` launches, and what a service manager
runs); ``stop`` ends it and turns the setting off; ``status`` says how far behind the
replica is. ``restore --from DIR|URL --to DIR [--timestamp T]`` brings a store back into
an empty folder and prints a table of the checks it passed (docs/OPERATIONS.md).
"""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import Any

from core.errors import DealOSError
from core.operations.litestream import ReplicaTarget
from core.operations.replication import (
    replication_setting,
    replication_status,
    set_replication,
    start_replication,
    stop_replication,
)
from core.operations.restore import restore_store
from core.operations.supervisor import supervise

__all__ = ["register"]

SubParsers = argparse._SubParsersAction


def register(sub: SubParsers[argparse.ArgumentParser]) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir", type=Path, default=argparse.SUPPRESS, help="folder of the local store"
    )
    replicate = sub.add_parser(
        "replicate", help="copy the local store continuously to a folder or a bucket"
    ).add_subparsers(dest="replicate_command", metavar="ACTION", required=True)
    p = replicate.add_parser(
        "start", parents=[common], help="turn replication on and run it in the background"
    )
    p.add_argument("--to", required=True, metavar="DIR|URL", help="replica folder or s3:// URL")
    p.set_defaults(handler=_start)
    p = replicate.add_parser("run", parents=[common], help="replicate in the foreground")
    p.add_argument("--to", metavar="DIR|URL", help="replica (default: the recorded one)")
    p.set_defaults(handler=_run)
    p = replicate.add_parser("stop", parents=[common], help="stop and turn replication off")
    p.set_defaults(handler=_stop)
    p = replicate.add_parser("status", parents=[common], help="how far behind the replica is")
    p.set_defaults(handler=_status)

    p = sub.add_parser(
        "restore", help="bring a store back from its replica into an empty folder, and check it"
    )
    p.add_argument("--from", dest="source", required=True, metavar="DIR|URL")
    p.add_argument("--to", dest="target", required=True, type=Path, metavar="DIR")
    p.add_argument(
        "--timestamp",
        type=_moment,
        metavar="T",
        help="the store as it was then, e.g. 2026-12-06T14:05:00Z (default: the newest copy)",
    )
    p.add_argument(
        "--no-replay",
        action="store_true",
        help="skip the replay of the op log that proves the digest (minutes on a large store)",
    )
    p.set_defaults(handler=_restore)


def _moment(raw: str) -> datetime:
    try:
        moment = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{raw!r} is not a date and time such as 2026-12-06T14:05:00Z"
        ) from None
    return moment if moment.tzinfo else moment.astimezone()  # a bare time is this machine's


def _start(args: Any) -> int:
    target = ReplicaTarget.parse(args.to)
    pid = start_replication(args.data_dir, target)
    print(f"replicating {args.data_dir} to {target.raw} (process {pid})")
    print("`dealos replicate status` shows how far behind the replica is")
    return 0


def _run(args: Any) -> int:
    if args.to:
        target = ReplicaTarget.parse(args.to)
        set_replication(args.data_dir, target)
    else:
        on, recorded = replication_setting(args.data_dir)
        if recorded is None:
            raise DealOSError("no replica chosen: run `dealos replicate run --to DIR|URL`")
        target = recorded
        if not on:
            set_replication(args.data_dir, target)
    print(f"replicating {args.data_dir} to {target.raw}; Ctrl+C stops", flush=True)
    return supervise(args.data_dir, target)


def _stop(args: Any) -> int:
    pid = stop_replication(args.data_dir)
    if pid is None:
        print("replication was not running; it is off")
    else:
        print(f"replication stopped (process {pid}); it is off")
    return 0


def _status(args: Any) -> int:
    print("\n".join(replication_status(args.data_dir).lines()))
    return 0


def _restore(args: Any) -> int:
    source = ReplicaTarget.parse(args.source)
    report = restore_store(source, args.target, timestamp=args.timestamp, replay=not args.no_replay)
    print(report.table())
    if not report.ok:
        print(
            f"dealos: the store restored in {report.target} failed a check above: do not "
            "use it; try an earlier --timestamp or another replica"
        )
        return 1
    unpushed = (
        f"{report.unpushed} of them made here and not yet on the server"
        if report.unpushed
        else "none waiting to be sent"
    )
    print(f"restored {report.ops} ops ({unpushed}); last change here at {report.last_change}")
    print(
        f"next: `dealos sync --data-dir {report.target}` before any change — it pulls back "
        "what this device sent after the snapshot (docs/OPERATIONS.md, Lost laptop)"
    )
    return 0
