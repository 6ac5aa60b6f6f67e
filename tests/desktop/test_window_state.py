"""The window remembers where it was; menus carry the shortcuts people expect; F5 on an
organization with no server says so instead of failing; errors are dialogs, not
tracebacks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from pytestqt.qtbot import QtBot
from scenes import close_notices, notices

from desktop.error_dialogs import describe
from desktop.main_window import MainWindow
from desktop.progress import ProgressIndicator


def test_window_state_and_shortcuts(
    qtbot: QtBot, demo_dir: Path, open_window: Callable[[Path], MainWindow]
) -> None:
    window = open_window(demo_dir)
    shortcuts = {
        a.text().replace("&", ""): a.shortcut().toString()
        for menu in window.menuBar().findChildren(type(window.menuBar().addMenu("x")))
        for a in menu.actions()
        if not a.shortcut().isEmpty()
    }
    assert shortcuts["New deal…"] == QKeySequence("Ctrl+N").toString()
    assert shortcuts["Find…"] == QKeySequence("Ctrl+F").toString()
    assert shortcuts["Sync now"] == "F5"
    assert shortcuts["Quit"] == QKeySequence("Ctrl+Q").toString()

    qtbot.keyClick(window, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    assert window.shell is not None
    assert window.shell.current_key() == "investors"
    qtbot.keyClick(window, Qt.Key.Key_F5)
    shown = notices()
    assert len(shown) == 1
    assert shown[0].windowTitle() == "Local only"
    close_notices()

    window.resize(720, 520)  # inside the offscreen screen, which restoreGeometry respects
    qtbot.waitUntil(lambda: window.size().height() == 520)
    before = window.size()
    window.close()  # saves geometry and the page
    again = open_window(demo_dir)
    assert again.shell is not None
    assert again.shell.current_key() == "investors"
    assert again.size() == before


def test_progress_shows_only_what_is_still_running() -> None:
    indicator = ProgressIndicator()
    first = indicator.begin("Issuing the capital call…")
    second = indicator.begin("Syncing…")
    assert indicator.isVisibleTo(None) or indicator.label.text().endswith("(+1)")
    indicator.end(first)
    assert indicator.label.text() == "Syncing…"
    indicator.end(second)
    assert indicator.isHidden()


def test_errors_read_as_sentences() -> None:
    from core.errors import OpRejected

    title, text = describe(
        OpRejected("forbidden", "a user with role gp_analyst may not issue", field="kind")
    )
    assert title == "Your role does not allow this"
    assert text.startswith("A user with role gp_analyst may not issue.")
    title, text = describe(KeyError("boom"))
    assert title == "Something went wrong"
    assert "Traceback" not in text
