"""``dealos desktop``: registered with the ``dealos`` command through the
``dealos.commands`` entry point, so core never imports the desktop. Qt loads only when
the command runs, never for ``dealos --help``."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["build_parser", "main", "register"]

SCREENS = (
    "pipeline",
    "board",
    "overview",
    "deal",
    "funds",
    "investors",
    "capital",
    "call-wizard",
    "people",
    "audit",
    "conflicts",
)


def _add_arguments(p: argparse.ArgumentParser, *, data_dir_default: Any) -> None:
    p.add_argument(
        "--data-dir", type=Path, default=data_dir_default, help="folder of the local store"
    )
    p.add_argument(
        "--demo",
        action="store_true",
        help="build the demo organization first when the folder holds none",
    )
    p.add_argument(
        "--screenshot", type=Path, metavar="FILE", help="save the window as a PNG and exit"
    )
    p.add_argument(
        "--screen",
        choices=SCREENS,
        default="pipeline",
        help="which screen --screenshot renders (default: pipeline)",
    )
    p.add_argument("--size", default="1440x900", metavar="WxH", help="window size for --screenshot")
    p.add_argument(
        "--sync-interval",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="how often the background job syncs with the server (default 60)",
    )


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("desktop", help="open the Deal OS desktop window")
    _add_arguments(p, data_dir_default=argparse.SUPPRESS)
    p.set_defaults(handler=_run)


def _run(args: Any) -> int:
    from desktop.application import run_desktop

    return run_desktop(
        data_dir=Path(args.data_dir),
        demo=bool(args.demo),
        screenshot=args.screenshot,
        screen=str(args.screen),
        size=str(args.size),
        sync_interval=float(args.sync_interval),
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m desktop", description="The Deal OS desktop.")
    _add_arguments(parser, data_dir_default=None)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m desktop``: the same flags as ``dealos desktop``."""
    from core.cli.main import default_data_dir

    args = build_parser().parse_args(argv)
    if args.data_dir is None:
        args.data_dir = default_data_dir()
    return _run(args)
