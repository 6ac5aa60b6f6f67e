"""An organization started with ``dealos init`` in an empty folder, and ``dealos`` run on
it as a person runs it: a process of its own over the real SQLite file and a keyring file.

``ok`` runs a command that must succeed and returns its lines; ``refused`` runs one that
must be refused (exit 1, one line, no traceback), checks that the op log did not grow,
and returns what it said on stderr.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["SetupOrg", "start_org"]


@dataclass
class SetupOrg:
    data: Path
    keyring: Path

    def dealos(self, *args: str | Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "core.cli.main", *map(str, args)],
            env={
                **os.environ,
                "DEALOS_KEYRING_FILE": str(self.keyring),
                "DEALOS_DATA_DIR": str(self.data),
            },
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def ok(self, *args: str | Path) -> list[str]:
        proc = self.dealos(*args)
        assert proc.returncode == 0, f"dealos {args} failed: {proc.stderr}"
        assert "Traceback" not in proc.stderr
        return proc.stdout.splitlines()

    def refused(self, *args: str | Path) -> str:
        before = self.ops()
        proc = self.dealos(*args)
        assert proc.returncode == 1, f"dealos {args} was not refused: {proc.stdout}"
        assert "Traceback" not in proc.stderr
        assert self.ops() == before, f"dealos {args} wrote while refusing"
        return proc.stderr.strip()

    def ops(self) -> int:
        """How many ops the organization's log holds."""
        con = sqlite3.connect(self.data / "dealos.db")
        try:
            return int(con.execute("SELECT count(*) FROM op_log").fetchone()[0])
        finally:
            con.close()

    def rows(self, sql: str) -> list[tuple[object, ...]]:
        con = sqlite3.connect(self.data / "dealos.db")
        try:
            return list(con.execute(sql).fetchall())
        finally:
            con.close()


def start_org(root: Path) -> SetupOrg:
    """Acme Capital, just created by its founder Gail Park (GP and admin), nothing else."""
    org = SetupOrg(root / "acme", root / "keyring.json")
    org.ok("init", "--org", "Acme Capital", "--user", "gail@acme.example", "--name", "Gail Park")
    return org
