"""``dealos`` as a person runs it: a process of its own, its output read back."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

__all__ = ["dealos"]


def dealos(
    *args: Any, env: dict[str, str], stdin: str = "", timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "core.cli.main", *map(str, args)],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
