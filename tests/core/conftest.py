"""Fixtures of the domain suite: an organization in memory, and one in a real SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fixtures_org import OrgBuilder

from core.commands.workspace import Workspace
from core.keys import KEYRING_FILE_ENV


@pytest.fixture
def org() -> OrgBuilder:
    """Harbor Point Capital, in memory: its founder Maria holds gp and admin."""
    return OrgBuilder.in_memory()


@pytest.fixture
def keyring_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "keyring.json"
    monkeypatch.setenv(KEYRING_FILE_ENV, str(path))
    return path


@pytest.fixture
def workspace(tmp_path: Path, keyring_file: Path) -> Iterator[Workspace]:
    """Harbor Point Capital in a real SQLite store (WAL) with the device key in a file."""
    ws = Workspace.init(
        tmp_path / "data",
        org_name="Harbor Point Capital",
        email="maria@harborpoint.example",
        display_name="Maria Founder",
    )
    yield ws
    ws.close()


@pytest.fixture
def ws_org(workspace: Workspace) -> OrgBuilder:
    return OrgBuilder.on_workspace(workspace)
