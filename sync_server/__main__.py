"""``python -m sync_server serve …``: the server's commands without the rest of the CLI."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.cli.main import default_data_dir
from core.errors import DealOSError
from sync_server.cli import register

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sync_server")
    parser.add_argument("--data-dir", type=Path, default=None)
    register(parser.add_subparsers(dest="command", metavar="COMMAND", required=True))
    args = parser.parse_args(argv)
    if getattr(args, "data_dir", None) is None:
        args.data_dir = default_data_dir()
    try:
        code: int = args.handler(args)
    except DealOSError as exc:
        print(f"dealos: {exc}", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    raise SystemExit(main())
