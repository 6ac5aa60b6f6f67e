"""``dealos``: the command line of Deal OS.

Core commands live here. The desktop and the sync server add theirs (``dealos desktop``,
``dealos serve``) through the ``dealos.commands`` entry-point group, so core never imports
them. Every command takes ``--data-dir`` (default: the platform's user data folder, or
``DEALOS_DATA_DIR``). Failures print one readable line and exit non-zero; never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import entry_points
from pathlib import Path

from platformdirs import user_data_dir
from pydantic import ValidationError

from core.cli import document_commands, notice_commands, org_commands, replicate_commands
from core.errors import DealOSError
from core.ops.payloads.base import payload_refusal

__all__ = ["build_parser", "main"]


def default_data_dir() -> Path:
    return Path(os.environ.get("DEALOS_DATA_DIR") or user_data_dir("dealos"))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dealos", description="Deal OS — a local-first deal operating system."
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="folder of the local store (default: %(default)s → platform data folder)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    org_commands.register(sub)
    notice_commands.register(sub)
    replicate_commands.register(sub)
    document_commands.register(sub)
    for ep in entry_points(group="dealos.commands"):
        register: Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None]
        register = ep.load()
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "data_dir", None) is None:
        args.data_dir = default_data_dir()
    try:
        code: int = args.handler(args)
    except DealOSError as exc:
        print(f"dealos: {exc}", file=sys.stderr)
        return 1
    except ValidationError as exc:
        # A command built from what was typed: refused as the reducers refuse it.
        print(f"dealos: {payload_refusal(exc, exc.title)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `dealos deal list | head`: the reader left; exit quietly as other tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    return code


if __name__ == "__main__":
    raise SystemExit(main())
