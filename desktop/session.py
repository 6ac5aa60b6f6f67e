"""An open workspace as the window holds it: the core workspace, who is looking, the
bridge its views listen to. Passed to every page; there is no global window singleton."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from core.commands.reading import close_reading
from core.commands.workspace import Workspace
from core.ops.changes import Area
from core.views.viewer import Viewer, current_viewer
from desktop.bridge import CoreBridge, OpChanges

__all__ = ["DesktopSession"]


@dataclass
class DesktopSession:
    data_dir: Path
    ws: Workspace
    bridge: CoreBridge
    viewer: Viewer = field(init=False)

    def __post_init__(self) -> None:
        self.viewer = current_viewer(self.ws)
        # Connected before any page, so every page redraws with the roles it arrived with.
        self.bridge.operation_did_execute.connect(self._on_changes)

    def _on_changes(self, changes: OpChanges) -> None:
        if changes.touches(Area.PEOPLE):
            self.refresh_viewer()

    def refresh_viewer(self) -> Viewer:
        """Roles and entitlements may arrive with a sync; read them again."""
        self.viewer = current_viewer(self.ws)
        return self.viewer

    def close(self) -> None:
        close_reading(self.ws)
        self.ws.close()
