"""One sync round, run in the desktop's sync process; and the check of a snapshot's
history, run in a process of its own.

A round applies what the server sends down: pure Python, for seconds on a large org. In
a thread of the window's process it would compete with the UI thread for the GIL (and
every callback from Qt into a model needs it); in a process of its own it cannot. This
module imports core only, never Qt: it is what the spawned workers load. They keep the
workspace (and the sync engine) open between jobs. The window's process imports it too
(for the jobs and their outcome types), so the sync machinery itself — httpx and the
engine — is imported only where a round runs.

After a new device loads the server's snapshot, its history is replayed to check it
(:func:`history_check`): about 13 s at 100,000 ops
(docs/PERFORMANCE.md). That runs in a second process, so the
sync rounds go on meanwhile — a GP who starts working at once sees the work pushed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from core.commands.workspace import Workspace
from core.errors import DealOSError
from core.sync.errors import ServerUnavailable
from core.sync.status import open_conflicts, pending_count, sync_engine_for

if TYPE_CHECKING:
    from core.sync.engine import SyncEngine

__all__ = ["HistoryOutcome", "RoundOutcome", "history_check", "sync_round"]

log = logging.getLogger(__name__)
_OPEN: dict[str, tuple[Workspace, SyncEngine | None]] = {}
_CHECKED: dict[str, Workspace] = {}  # in the history process


@dataclass(frozen=True, slots=True)
class RoundOutcome:
    state: str  # local | offline | synced | error
    message: str
    pending: int
    conflicts: int
    changed: bool  # ops were pushed, pulled or rebased: views redraw
    history_unverified: bool = False  # a snapshot's history awaits history_check()


@dataclass(frozen=True, slots=True)
class HistoryOutcome:
    message: str
    changed: bool  # the snapshot was wrong and the store was rebuilt: views redraw


def _open(data_dir: str) -> tuple[Workspace, SyncEngine | None]:
    found = _OPEN.get(data_dir)
    if found is None:
        ws = Workspace.open(Path(data_dir))
        found = (ws, sync_engine_for(ws))
        _OPEN[data_dir] = found
    return found


def history_check(data_dir: str) -> HistoryOutcome | None:
    """Replay a loaded snapshot's history to check it (in a scratch database: the window
    and the sync rounds keep working meanwhile); None when there is nothing to check."""
    from core.sync.bootstrap import history_unverified, verify_history

    try:
        ws = _workspace(data_dir)
        if not history_unverified(ws):
            return None
        verdict = verify_history(ws)
    except DealOSError as exc:
        return HistoryOutcome(f"the history does not replay: {exc}", False)
    if verdict.ok:
        return HistoryOutcome(f"history verified ({verdict.ops} ops)", False)
    return HistoryOutcome(
        "the server's snapshot did not match its signed history — rebuilt from the history",
        True,
    )


def _workspace(data_dir: str) -> Workspace:
    found = _CHECKED.get(data_dir)
    if found is None:
        found = _CHECKED[data_dir] = Workspace.open(Path(data_dir))
    return found


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
    from core.sync.bootstrap import history_unverified

    return RoundOutcome(
        state,
        message,
        pending_count(ws),
        len(open_conflicts(ws)),
        changed,
        history_unverified=history_unverified(ws),
    )
