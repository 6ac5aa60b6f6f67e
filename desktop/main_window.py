"""The main window: menus and shortcuts, the status bar, first run or the workspace.

Its state (size, position, last page, column widths) is kept in ``desktop.ini`` beside
the store, so each organization reopens the way it was left.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMenu, QStackedWidget, QWidget

from core.commands.workspace import Workspace
from core.onboarding import has_organization
from core.operations.replication import replication_setting, start_replication
from core.operations.supervisor import holds_lock
from desktop.background import BackgroundOp
from desktop.bridge import CoreBridge
from desktop.error_dialogs import show_error, show_notice
from desktop.first_run import FirstRunPage
from desktop.progress import ProgressIndicator
from desktop.session import DesktopSession
from desktop.sync.scheduler import SyncController
from desktop.sync.status_widget import SyncStatusWidget
from desktop.table_export import export_table, visible_table
from desktop.workspace_shell import PAGES, WorkspaceShell

__all__ = ["SETTINGS_FILE", "MainWindow"]

SETTINGS_FILE = "desktop.ini"


class MainWindow(QMainWindow):
    def __init__(self, data_dir: Path, *, sync_interval: float = 60.0) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.data_dir = data_dir
        self.sync_interval = sync_interval
        self.setWindowTitle("Deal OS")
        self.resize(1360, 860)
        self.bridge = CoreBridge(self)
        self.session: DesktopSession | None = None
        self.shell: WorkspaceShell | None = None
        self.sync: SyncController | None = None
        self.sync_widget: SyncStatusWidget | None = None
        self.first_run: FirstRunPage | None = None
        self.stack = QStackedWidget()
        self.setCentralWidget(self.stack)
        self.progress = ProgressIndicator()
        self.identity = QLabel()
        self.identity.setObjectName("identityLabel")
        self.statusBar().addWidget(self.identity, 1)
        self.statusBar().addPermanentWidget(self.progress)
        self.settings = QSettings(str(data_dir / SETTINGS_FILE), QSettings.Format.IniFormat)
        self._build_menus()
        self._restore_geometry()
        if has_organization(data_dir):
            try:
                self.open_workspace(Workspace.open(data_dir))
            except Exception as exc:  # a store that cannot open: say why, offer first run
                self.show_first_run()
                show_error(self, exc)
        else:
            self.show_first_run()

    # -- ProgressHost ----------------------------------------------------------------------

    def progress_begin(self, label: str) -> int:
        return self.progress.begin(label)

    def progress_end(self, token: int) -> None:
        self.progress.end(token)

    # -- menus -----------------------------------------------------------------------------

    def _action(
        self, menu: QMenu, text: str, slot: object, shortcut: str | QKeySequence | None = None
    ) -> QAction:
        action = menu.addAction(text)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file = bar.addMenu("&File")
        self.new_deal_action = self._action(
            file, "&New deal…", self.new_deal, QKeySequence(QKeySequence.StandardKey.New)
        )
        self.sync_action = self._action(file, "&Sync now", self.sync_now, "F5")
        self.verify_action = self._action(file, "&Verify audit log", self.verify_audit)
        self.export_action = self._action(
            file, "&Export table…", lambda: self.export_table(), "Ctrl+Shift+E"
        )
        file.addSeparator()
        quit_action = self._action(file, "&Quit", self.close, "Ctrl+Q")
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        edit = bar.addMenu("&Edit")
        self.find_action = self._action(
            edit, "&Find…", self.find_in_page, QKeySequence(QKeySequence.StandardKey.Find)
        )
        view = bar.addMenu("&View")
        self.page_actions: dict[str, QAction] = {}
        for n, (key, label) in enumerate(PAGES, start=1):
            self.page_actions[key] = self._action(
                view, label, lambda _=False, k=key: self.show_page(k), f"Ctrl+{n}"
            )
        view.addSeparator()
        self.board_action = self._action(view, "Pipeline as &board", self.toggle_board, "Ctrl+B")
        deal = bar.addMenu("&Deal")
        self.move_action = self._action(deal, "&Move to stage…", self.move_selected, "Ctrl+M")
        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "&About Deal OS", self.about)
        self._workspace_actions = [
            self.new_deal_action,
            self.sync_action,
            self.verify_action,
            self.export_action,
            self.find_action,
            self.board_action,
            self.move_action,
            *self.page_actions.values(),
        ]
        self._set_workspace_actions(False)

    def _set_workspace_actions(self, enabled: bool) -> None:
        for action in self._workspace_actions:
            action.setEnabled(enabled)

    # -- opening ---------------------------------------------------------------------------

    def show_first_run(self) -> None:
        self.first_run = FirstRunPage(self.data_dir)
        self.first_run.opened.connect(self.open_workspace)
        self.stack.addWidget(self.first_run)
        self.stack.setCurrentWidget(self.first_run)
        self.identity.setText(f"No organization in {self.data_dir} yet")

    def open_workspace(self, ws: Workspace) -> None:
        self.session = DesktopSession(self.data_dir, ws, self.bridge)
        viewer = self.session.viewer
        self.shell = WorkspaceShell(self.session)
        self.stack.addWidget(self.shell)
        self.stack.setCurrentWidget(self.shell)
        if self.first_run is not None:
            self.stack.removeWidget(self.first_run)
            self.first_run.deleteLater()
            self.first_run = None
        self.setWindowTitle(f"{viewer.org_name} — Deal OS")
        mode = " · read-only" if viewer.read_only else ""
        self.identity.setText(
            f"{viewer.display_name} · {viewer.role_names}{mode} · {viewer.org_name} · "
            f"{viewer.device_name}"
        )
        self._set_workspace_actions(True)
        for key, action in self.page_actions.items():
            action.setVisible(any(k == key for k, _ in PAGES if self.shell._may_see(k)))
        self.sync = SyncController(self.session, interval_s=self.sync_interval)
        self.sync_widget = SyncStatusWidget(self.session)
        self.sync_widget.sync_clicked.connect(self.sync_now)
        self.sync_widget.conflicts_clicked.connect(lambda: self.show_page("conflicts"))
        self.statusBar().addPermanentWidget(self.sync_widget)
        self.sync.start()
        self._resume_snapshots()
        last = str(self.settings.value("page", "pipeline"))
        if last != "pipeline" and last in dict(PAGES) and self.shell._may_see(last):
            self.show_page(last)

    def _resume_snapshots(self) -> BackgroundOp[int] | None:
        """Replication is a setting of the store (dealos replicate start): when it is on and
        nothing copies the store now (after a reboot, say), start it, on a worker."""
        on, target = replication_setting(self.data_dir)
        if not on or target is None or holds_lock(self.data_dir) is not None:
            return None
        data_dir = self.data_dir
        op: BackgroundOp[int] = BackgroundOp(
            parent=self,
            label="Starting the snapshots of this computer's store…",
            task=lambda: start_replication(data_dir, target),
        )
        op.success(
            lambda _pid: self.statusBar().showMessage(f"Snapshots resumed to {target.raw}", 8000)
        )
        op.failure(
            lambda exc: self.statusBar().showMessage(f"Snapshots did not start: {exc}", 15000)
        )
        return op.run_in_background()

    # -- commands --------------------------------------------------------------------------

    def show_page(self, key: str) -> QWidget | None:
        if self.shell is None:
            return None
        return self.shell.show_page(key)

    def new_deal(self) -> None:
        if self.shell is not None:
            self.show_page("pipeline")
            self.shell.pipeline.new_deal()

    def export_table(self, to: Path | None = None) -> Path | None:
        """The table in front to XLSX or CSV (asked for when ``to`` is None)."""
        if self.shell is None:
            return None
        key = self.shell.current_key()
        view = visible_table(self.shell.stack.currentWidget())
        if view is None:
            self.statusBar().showMessage("This page has no table to export.", 5000)
            return None
        title = dict(PAGES).get(key, key.title())
        written = export_table(self, view, title, to=to)
        if written is not None:
            self.statusBar().showMessage(f"Exported {title} to {written}", 8000)
        return written

    def find_in_page(self) -> None:
        if self.shell is None:
            return
        page: Any = self.shell.stack.currentWidget()
        if hasattr(page, "focus_search"):
            page.focus_search()
        else:
            self.show_page("pipeline")
            self.shell.pipeline.focus_search()

    def toggle_board(self) -> None:
        if self.shell is None:
            return
        self.show_page("pipeline")
        pipeline = self.shell.pipeline
        if pipeline.views.currentWidget() is pipeline.board:
            pipeline.show_table()
        else:
            pipeline.show_board()

    def move_selected(self) -> None:
        if self.shell is None:
            return
        page: Any = self.shell.stack.currentWidget()
        if hasattr(page, "open_move_menu"):
            page.open_move_menu()
            return
        deal = self.shell.pipeline.selected_deal()
        if deal is None:
            show_notice(self, "Choose a deal", "Select a deal in the pipeline first.")
            return
        menu = self.shell.pipeline.move_menu(deal)
        menu.popup(self.mapToGlobal(self.rect().center()))

    def sync_now(self) -> None:
        if self.sync is None:
            return
        if not self.sync.sync_now():
            show_notice(
                self,
                "Local only",
                "This organization lives only on this computer: there is no server to sync "
                "with. Sign in to a server from a new data folder to work with others.",
            )

    def verify_audit(self) -> None:
        if self.shell is None:
            return
        page = self.show_page("audit")
        if page is not None and hasattr(page, "verify"):
            page.verify()

    def about(self) -> None:
        show_notice(
            self,
            "About Deal OS",
            "A local-first deal operating system for private-markets fund managers. Every "
            "change is a signed operation; the audit log is hash-chained.",
        )

    # -- state -----------------------------------------------------------------------------

    def _restore_geometry(self) -> None:
        geometry = self.settings.value("geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        state = self.settings.value("windowState")
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)

    def save_state(self) -> None:
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("windowState", self.saveState())
        if self.shell is not None:
            self.settings.setValue("page", self.shell.current_key())
        self.settings.sync()

    def shutdown(self) -> None:
        """Stop the sync job and close the store; safe to call twice."""
        if self.sync is not None:
            self.sync.stop()
            self.sync = None
        if self.session is not None:
            self.session.close()
            self.session = None

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_state()
        self.shutdown()
        event.accept()
