"""Fixtures of the desktop suite: real widgets over real core services on temp SQLite.

Qt renders offscreen. Each test gets its own data folder and keyring file; the demo
organization is built once per session and copied, keyring and all, for each test.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from core.demo.seed import build_demo
from core.keys import KEYRING_FILE_ENV
from desktop.main_window import SETTINGS_FILE, MainWindow

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "desktop"


@pytest.fixture
def keyring_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "keyring.json"
    monkeypatch.setenv(KEYRING_FILE_ENV, str(path))
    return path


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("demo-template")
    keyring = root / "keyring.json"
    previous = os.environ.get(KEYRING_FILE_ENV)
    os.environ[KEYRING_FILE_ENV] = str(keyring)
    try:
        build_demo(root / "data")
    finally:
        if previous is None:
            os.environ.pop(KEYRING_FILE_ENV, None)
        else:
            os.environ[KEYRING_FILE_ENV] = previous
    return root / "data", keyring


@pytest.fixture
def demo_dir(demo_template: tuple[Path, Path], tmp_path: Path, keyring_file: Path) -> Path:
    """Harbor Peak Capital, opened as its founder Gina Park (GP and admin)."""
    data, keyring = demo_template
    target = tmp_path / "demo"
    shutil.copytree(data, target)
    shutil.copy(keyring, keyring_file)
    keyring_file.chmod(0o600)
    return target


@pytest.fixture
def open_window(qtbot: QtBot) -> Iterator[Callable[[Path], MainWindow]]:
    windows: list[MainWindow] = []

    def open_(data_dir: Path) -> MainWindow:
        remembered = (data_dir / SETTINGS_FILE).exists()
        window = MainWindow(data_dir, sync_interval=3600)
        qtbot.addWidget(window)
        if not remembered:
            window.resize(1440, 900)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        QTest.qWaitForWindowActive(window)
        windows.append(window)
        return window

    yield open_
    for window in windows:
        window.shutdown()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
