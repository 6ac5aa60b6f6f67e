"""Commands over the local store: init, demo, digest, rebuild, audit, ops, deals; the
registration of every other core command group."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from core.cli import (
    fund_commands,
    investor_commands,
    money_commands,
    people_commands,
    report_commands,
    sync_commands,
)
from core.commands.workspace import Workspace
from core.demo.seed import build_demo
from core.money import money_text
from core.views import queries

__all__ = ["register"]

SubParsers = argparse._SubParsersAction


def _common() -> argparse.ArgumentParser:
    # `--data-dir` is accepted after the subcommand too: `dealos digest --data-dir X`.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir", type=Path, default=argparse.SUPPRESS, help="folder of the local store"
    )
    return common


def register(sub: SubParsers[argparse.ArgumentParser]) -> None:
    common = [_common()]
    p = sub.add_parser("init", parents=common, help="create a new local organization, offline")
    p.add_argument("--org", required=True, help="organization name")
    p.add_argument("--user", required=True, metavar="EMAIL", help="your email (GP and admin)")
    p.add_argument("--name", help="your display name (default: from the email)")
    p.add_argument("--currency", default="USD", help="base currency (ISO 4217)")
    p.set_defaults(handler=_init)

    p = sub.add_parser("demo", parents=common, help="create a realistic demo organization")
    p.add_argument("--seed", type=int, default=7)
    p.set_defaults(handler=_demo)

    p = sub.add_parser("digest", parents=common, help="print the state digest")
    p.set_defaults(handler=_digest)

    p = sub.add_parser("rebuild", parents=common, help="replay the op log into fresh projections")
    p.set_defaults(handler=_rebuild)

    audit = sub.add_parser("audit", help="the audit log").add_subparsers(
        dest="audit_command", metavar="ACTION", required=True
    )
    p = audit.add_parser(
        "verify", parents=common, help="check the hash chain; exit 1 at the first bad entry"
    )
    p.set_defaults(handler=_audit_verify)

    ops = sub.add_parser("ops", help="the op log").add_subparsers(
        dest="ops_command", metavar="ACTION", required=True
    )
    p = ops.add_parser("list", parents=common, help="ops, newest first")
    p.add_argument("--kind", help="only this kind, e.g. capital_call.issue")
    p.add_argument("--limit", type=_positive, default=50)
    p.set_defaults(handler=_ops_list)

    deal = sub.add_parser("deal", help="deals").add_subparsers(
        dest="deal_command", metavar="ACTION", required=True
    )
    p = deal.add_parser("list", parents=common, help="one line per deal")
    p.add_argument("--stage", help="only deals in this stage")
    p.set_defaults(handler=_deal_list)

    sync_commands.register(sub, common)
    report_commands.register(sub, common)
    money_commands.register(sub, common)
    for setup in (fund_commands, investor_commands, people_commands):
        setup.register(sub, common)


def _positive(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _open(args: Any) -> Workspace:
    return Workspace.open(args.data_dir)


def _init(args: Any) -> int:
    name = args.name or args.user.split("@")[0].replace(".", " ").title()
    ws = Workspace.init(
        args.data_dir,
        org_name=args.org,
        email=args.user,
        display_name=name,
        base_currency=args.currency,
    )
    print(f"created {args.org!r} in {args.data_dir}")
    print(f"org {ws.org_id}  user {ws.user_id}  device {ws.device_id}")
    ws.close()
    return 0


def _demo(args: Any) -> int:
    summary = build_demo(args.data_dir, seed=args.seed)
    print(
        f"demo organization Harbor Peak Capital created in {summary.data_dir}: "
        f"{summary.deals} deals, {summary.lps} LPs, {summary.calls} capital calls, "
        f"{summary.distributions} distributions, {summary.ops} ops"
    )
    return 0


def _digest(args: Any) -> int:
    ws = _open(args)
    print(ws.digest())
    ws.close()
    return 0


def _rebuild(args: Any) -> int:
    ws = _open(args)
    before = ws.digest()
    after = ws.rebuild()
    ws.close()
    print(after)
    if after != before:
        print(f"dealos: rebuild changed the digest (was {before})", flush=True)
        return 1
    return 0


def _audit_verify(args: Any) -> int:
    ws = _open(args)
    verdict = ws.verify_audit()
    ws.close()
    print(verdict.summary())
    return 0 if verdict.ok else 1


def _ops_list(args: Any) -> int:
    ws = _open(args)
    for op in queries.list_ops(ws, kind=args.kind, limit=args.limit):
        seq = f"#{op.server_seq}" if op.server_seq is not None else "local"
        base = "new" if op.base_version is None else f"v{op.base_version}"
        print(
            f"{op.issued_at}  {op.kind:<22} {op.entity_id}  {base:<5} {op.status:<9} "
            f"{seq:<7} actor {op.actor_id}  device {op.device_id}  op {op.op_id}"
        )
    ws.close()
    return 0


def _deal_list(args: Any) -> int:
    ws = _open(args)
    for d in queries.list_deals(ws, stage=args.stage):
        price = (
            money_text(d.asking_price, d.currency, symbol=False)
            if d.asking_price is not None
            else "-"
        )
        print(
            f"{d.deal_id}  {d.stage:<12} {d.name:<34} {d.property_type or '-':<13} "
            f"{d.sponsor or '-':<26} {price}"
        )
    ws.close()
    return 0
