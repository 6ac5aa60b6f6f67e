"""The demo organization, built once per test module, and what the tests read it with.

Harbor Peak Capital (core.demo.seed): Fund I with 110 LPs, Fund II with 40 (30 LPs
hold both), six issued calls on Fund I (the last two partly paid), a seventh still a draft,
and three issued distributions (income in 2025-06 and 2025-12, an exit in 2026-05).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from core.commands.reading import close_reading
from core.commands.workspace import Workspace
from core.demo.seed import build_demo
from core.keys import KEYRING_FILE_ENV


@dataclass
class DemoOrg:
    ws: Workspace
    root: Path
    keyring: Path

    @property
    def data_dir(self) -> Path:
        return self.root / "org"

    def sql(self, query: str, *params: object) -> list[tuple[object, ...]]:
        """Read the SQLite file directly: an independent check on the report code."""
        with sqlite3.connect(self.data_dir / "dealos.db") as conn:
            return list(conn.execute(query, params))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoOrg]:
    root = tmp_path_factory.mktemp("reports")
    keyring = root / "keyring.json"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(KEYRING_FILE_ENV, str(keyring))
        build_demo(root / "org")
        ws = Workspace.open(root / "org")
        yield DemoOrg(ws, root, keyring)
        close_reading(ws)
        ws.close()
