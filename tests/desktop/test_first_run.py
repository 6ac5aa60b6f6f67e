"""First run: an empty folder offers to create a local org, sign in, or load the demo;
once created, reopening goes straight to work."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from scenes import notices, wait_ops

from desktop.main_window import MainWindow


def test_create_a_local_org_then_reopen_straight_to_work(
    qtbot: QtBot,
    tmp_path: Path,
    keyring_file: Path,
    open_window: Callable[[Path], MainWindow],
    artifacts: Path,
) -> None:
    data = tmp_path / "acme"
    window = open_window(data)
    page = window.first_run
    assert page is not None
    assert window.grab().save(str(artifacts / "first-run.png"))
    assert window.shell is None
    qtbot.keyClicks(page.org_name, "Acme Capital")
    qtbot.keyClicks(page.your_name, "Ada Lovelace")
    qtbot.keyClicks(page.your_email, "ada@acme.example")
    qtbot.mouseClick(page.create_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.shell is not None, timeout=10_000)
    assert window.windowTitle() == "Acme Capital — Deal OS"
    assert "Ada Lovelace · admin, GP" in window.identity.text()
    assert window.shell is not None
    assert "No deals yet" in window.shell.pipeline.summary.text()
    assert window.sync_widget is not None
    assert window.sync_widget.state_text() == "Local only — no server"
    window.close()

    again = open_window(data)
    assert again.first_run is None
    assert again.shell is not None
    assert keyring_file.stat().st_mode & 0o077 == 0  # the device key is not world-readable


def test_first_run_refuses_an_incomplete_form(
    qtbot: QtBot, tmp_path: Path, keyring_file: Path, open_window: Callable[[Path], MainWindow]
) -> None:
    window = open_window(tmp_path / "empty")
    page = window.first_run
    assert page is not None
    qtbot.keyClicks(page.org_name, "Acme Capital")
    qtbot.mouseClick(page.create_button, Qt.MouseButton.LeftButton)
    assert "your name and email" in page.message.text()
    assert window.shell is None
    assert not (tmp_path / "empty" / "dealos.db").exists()


def test_sign_in_to_an_unreachable_server_says_so(
    qtbot: QtBot, tmp_path: Path, keyring_file: Path, open_window: Callable[[Path], MainWindow]
) -> None:
    window = open_window(tmp_path / "remote")
    page = window.first_run
    assert page is not None
    qtbot.keyClicks(page.server, "http://127.0.0.1:9")
    qtbot.keyClicks(page.email, "gp@acme.example")
    qtbot.keyClicks(page.password, "correct horse battery staple")
    qtbot.mouseClick(page.sign_in_button, Qt.MouseButton.LeftButton)
    wait_ops(qtbot, timeout=30_000)
    assert "unreachable" in page.message.text()
    assert page.sign_in_button.isEnabled()
    assert window.shell is None
    assert not notices()


def test_load_the_demo_from_the_first_run_screen(
    qtbot: QtBot, tmp_path: Path, keyring_file: Path, open_window: Callable[[Path], MainWindow]
) -> None:
    window = open_window(tmp_path / "demo")
    assert window.first_run is not None
    qtbot.mouseClick(window.first_run.demo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.shell is not None, timeout=30_000)
    assert window.shell is not None
    assert window.shell.pipeline.model.rowCount() == 44
    assert window.windowTitle() == "Harbor Peak Capital — Deal OS"


def test_dealos_desktop_screenshot_builds_the_demo_and_saves_a_png(
    tmp_path: Path, keyring_file: Path, artifacts: Path
) -> None:
    out = artifacts / "cli-screenshot.png"
    out.unlink(missing_ok=True)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "desktop",
            "--data-dir",
            str(tmp_path / "cli-demo"),
            "--demo",
            "--screenshot",
            str(out),
            "--size",
            "1280x800",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert out.stat().st_size > 20_000
