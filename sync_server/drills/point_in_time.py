"""pgBackRest's base backup, WAL archive and point-in-time restore, where it is installed
(the Debian package ``pgbackrest``; the drill never installs it)."""

from __future__ import annotations

import shutil
from pathlib import Path

from sync_server.drills.checklist import Checklist

__all__ = ["pitr_step"]

STEP = "point-in-time restore (pgBackRest)"


def pitr_step(checks: Checklist, work: Path) -> None:
    if shutil.which("pgbackrest") is None:
        checks.record(STEP, "skip", "pgBackRest is not installed (Debian: apt install pgbackrest)")
        return
    checks.record(STEP, "skip", "not run")
