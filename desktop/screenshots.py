"""Rendering a screen of the window to a PNG: for ``--screenshot``, docs and support."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication

from core.errors import DealOSError

__all__ = ["capture_screen", "settle"]


def settle(rounds: int = 10) -> None:
    app = QApplication.instance()
    for _ in range(rounds):
        if app is not None:
            app.processEvents()


def capture_screen(window: object, screen: str, path: Path) -> Path:
    """Show ``screen`` in ``window`` (a MainWindow) and save it as a PNG at ``path``."""
    from desktop.main_window import MainWindow

    assert isinstance(window, MainWindow)
    shell = window.shell
    if shell is not None:
        if screen == "board":
            shell.show_page("pipeline")
            shell.pipeline.show_board()
        elif screen == "deal":
            pipeline = shell.pipeline
            deal = pipeline.model.deal_at(0)
            if deal is None:
                raise DealOSError("there is no deal to show")
            shell.open_deal(deal.deal_id)
        elif screen == "call-wizard":
            page = shell.show_page("capital")
            wizard = page.new_call()  # type: ignore[attr-defined]
            if wizard is None:
                raise DealOSError("your role cannot draft capital calls")
            settle()
            wizard.fill_example()
            wizard.next()
            settle()
            image = wizard.grab()
            path.parent.mkdir(parents=True, exist_ok=True)
            if not image.save(str(path), "PNG"):
                raise DealOSError(f"could not write {path}")
            wizard.reject()
            return path
        else:
            shell.show_page(screen)
    settle()
    image = window.grab()
    path.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(path), "PNG"):
        raise DealOSError(f"could not write {path}")
    return path
