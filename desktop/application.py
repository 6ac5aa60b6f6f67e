"""Starting the desktop: the QApplication, the main window, ``--demo`` and ``--screenshot``."""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from core.errors import DealOSError
from desktop.error_dialogs import install_excepthook

__all__ = [
    "UI_SWITCH_INTERVAL_S",
    "ensure_display",
    "make_application",
    "run_desktop",
    "wait_until_ready",
]

log = logging.getLogger("desktop")


def ensure_display() -> None:
    """Render offscreen when there is no display to render to (a server, CI, a container)."""
    has_display = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    if not has_display and sys.platform.startswith("linux"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


UI_SWITCH_INTERVAL_S = 0.001


def make_application() -> QApplication:
    # A sync applying ops is pure Python on a worker thread. Each time the UI thread gives
    # up the GIL (any SQLite call does) it waits up to one switch interval to get it back;
    # 5 ms by default, which a page of rows turns into a visible stall. 1 ms keeps the
    # event loop responsive at a small cost in throughput.
    sys.setswitchinterval(UI_SWITCH_INTERVAL_S)
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication([sys.argv[0] if sys.argv else "dealos"])
    app.setApplicationName("Deal OS")
    app.setOrganizationName("Deal OS")
    app.setStyle("Fusion")
    return app


def wait_until_ready(window: object, *, timeout_s: float = 60.0) -> bool:
    """Spin the event loop until the window shows a workspace and no op is running."""
    from desktop.background import BackgroundOp

    app = QApplication.instance()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert app is not None
        app.processEvents()
        shown = getattr(window, "shell", None) or getattr(window, "first_run", None)
        if shown is not None and BackgroundOp.in_flight() == 0:
            for _ in range(5):
                app.processEvents()
            return True
        time.sleep(0.02)
    return False


def run_desktop(
    *,
    data_dir: Path,
    demo: bool = False,
    screenshot: Path | None = None,
    screen: str = "pipeline",
    size: str = "1440x900",
    sync_interval: float = 60.0,
) -> int:
    if screenshot is not None:
        ensure_display()
    elif (
        sys.platform.startswith("linux")
        and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
        and not os.environ.get("QT_QPA_PLATFORM")
    ):
        raise DealOSError(
            "there is no display to open the window on (DISPLAY is not set): run it in a "
            "desktop session, or render it with --screenshot FILE"
        )
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    app = make_application()
    install_excepthook()
    from desktop.main_window import MainWindow

    window = MainWindow(data_dir, sync_interval=sync_interval)
    if demo and window.first_run is not None:
        window.first_run.load_demo()
    if screenshot is not None:
        from desktop.screenshots import capture_screen

        try:
            width, height = (int(v) for v in size.lower().split("x"))
        except ValueError:
            raise DealOSError(
                f"--size takes WIDTHxHEIGHT, such as 1440x900; got {size!r}"
            ) from None
        window.resize(width, height)
        window.show()
        if not wait_until_ready(window):
            raise DealOSError("the window did not finish loading within 60 s")
        path = capture_screen(window, screen, screenshot)
        print(f"saved {path}")
        window.shutdown()
        window.close()
        return 0
    window.show()
    QTimer.singleShot(0, lambda: None)
    code = app.exec()
    window.shutdown()
    return int(code)
