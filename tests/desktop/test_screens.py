"""A picture of every main screen of Harbor Peak Capital, saved under test-artifacts/ for
people to look at: pipeline, board, deal, funds, investors, call wizard, people, audit,
conflicts, overview. Each must render non-trivially."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from scenes import refuse_as_server

from core.commands.workspace import Workspace
from desktop.main_window import MainWindow
from desktop.screenshots import capture_screen

SCREENS = (
    "pipeline",
    "board",
    "deal",
    "funds",
    "investors",
    "capital",
    "call-wizard",
    "people",
    "audit",
    "conflicts",
    "overview",
)


@pytest.fixture
def demo_with_a_conflict(demo_dir: Path) -> Path:
    ws = Workspace.open(demo_dir)
    from core.views.pipeline import DealFilter, DealSort, fetch_deals
    from core.views.viewer import current_viewer

    deal = fetch_deals(
        ws, current_viewer(ws), DealFilter(stages=("draft",)), DealSort(), offset=0, limit=1
    )[0]
    op = ws.submit_wire(
        "deal.update",
        entity_id=deal.deal_id,
        payload={"fields": {"asking_price": {"value": "19500000.00"}}},
        base_version=deal.version,
    )
    refuse_as_server(
        ws,
        op.op_id,
        code="version_conflict",
        message=f"the deal is at version {deal.version + 1}, the op was written against "
        f"version {deal.version}",
    )
    ws.close()
    return demo_dir


def test_every_main_screen_renders(
    qtbot: QtBot,
    demo_with_a_conflict: Path,
    open_window: Callable[[Path], MainWindow],
    artifacts: Path,
) -> None:
    window = open_window(demo_with_a_conflict)
    for screen in SCREENS:
        path = capture_screen(window, screen, artifacts / f"{screen}.png")
        assert path.read_bytes()[:4] == b"\x89PNG"
        assert path.stat().st_size > 15_000, screen
