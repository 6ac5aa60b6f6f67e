"""``python -m desktop [--data-dir DIR] …``: the same as ``dealos desktop``."""

from __future__ import annotations

import sys

from desktop.command import main

__all__: list[str] = []

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
