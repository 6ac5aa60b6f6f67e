"""``dealos`` run on the ``workspace`` fixture's store, as a person runs it: a process of
its own, reading the keyring file the fixture set up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

__all__ = ["dealos_on"]


def dealos_on(keyring: Path, *args: str) -> subprocess.CompletedProcess[str]:
    data_dir = keyring.parent / "data"  # the workspace fixture keeps its store there
    return subprocess.run(
        [sys.executable, "-m", "core.cli.main", *args, "--data-dir", str(data_dir)],
        env={**os.environ, "DEALOS_KEYRING_FILE": str(keyring)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
