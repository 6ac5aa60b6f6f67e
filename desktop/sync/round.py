"""One sync round, run in the desktop's sync process.

A round applies what the server sends down: pure Python, for seconds on a large org. In
a thread of the window's process it would compete with the UI thread for the GIL (and
every callback from Qt into a model needs it); in a process of its own it cannot. This
module imports core only, never Qt: it is what the spawned worker loads. It keeps the
workspace and its engine open between rounds. The window's process imports it too (for
the job and its outcome type), so the sync machinery itself — httpx and the engine — is
imported only where a round runs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import DealOSError
from core.services.sync_view import open_conflicts, pending_count, sync_engine_for
from core.services.workspace import Workspace
from core.sync.errors import ServerUnavailable

if TYPE_CHECKING:
    from core.sync.engine import SyncEngine

__all__ = ["RoundOutcome", "sync_round"]

log = logging.getLogger(__name__)
_OPEN: dict[str, tuple[Workspace, SyncEngine | None]] = {}


@dataclass(frozen=True, slots=True)
class RoundOutcome:
    state: str  # local | offline | synced | error
    message: str
    pending: int
    conflicts: int
    changed: bool  # ops were pushed, pulled or rebased: views redraw


def _open(data_dir: str) -> tuple[Workspace, SyncEngine | None]:
    found = _OPEN.get(data_dir)
    if found is None:
        ws = Workspace.open(Path(data_dir))
        found = (ws, sync_engine_for(ws))
        _OPEN[data_dir] = found
    return found


def _check_history(ws: Workspace, message: str) -> tuple[str, bool]:
    """On the first quiet round after a snapshot loaded, replay its history to check it
    (in a scratch database: the window keeps working meanwhile)."""
    from core.sync.bootstrap import history_unverified, verify_history

    if not history_unverified(ws):
        return message, False
    try:
        verdict = verify_history(ws)
    except DealOSError as exc:
        return f"{message}; the history does not replay: {exc}", False
    if verdict.ok:
        return f"{message}; history verified ({verdict.ops} ops)", False
    return (
        f"{message}; the server's snapshot did not match its signed history — rebuilt from "
        "the history",
        True,
    )


def sync_round(data_dir: str) -> RoundOutcome:
    """Push, pull, rebase; never raises: the outcome says what happened."""
    try:
        ws, engine = _open(data_dir)
    except DealOSError as exc:
        return RoundOutcome("error", str(exc), 0, 0, False)
    state, message, changed = "local", "", False
    if engine is not None:
        try:
            report = engine.run_once()
        except ServerUnavailable as exc:
            state, message = "offline", str(exc)
        except DealOSError as exc:
            state, message = "error", str(exc)
        except Exception as exc:  # a bug must not kill the sync process
            log.exception("sync round failed")
            state, message = "error", f"{type(exc).__name__}: {exc}"
        else:
            state, message = "synced", report.summary()
            changed = bool(
                report.pushed or report.pulled or report.rebased or report.snapshot is not None
            )
            if not changed:
                message, changed = _check_history(ws, message)
    return RoundOutcome(state, message, pending_count(ws), len(open_conflicts(ws)), changed)
