"""The background sync job: APScheduler runs a round every N seconds in a sync process.

The window's process never runs a round itself: :func:`desktop.sync.round.sync_round`
runs in a spawned worker process (APScheduler's process pool, one worker, kept between
rounds), so applying a large pull never competes with the UI thread for the GIL. The
scheduler's listener hands each outcome to the bridge, which re-emits it on the GUI
thread. ``max_instances=1`` and ``coalesce`` keep rounds from overlapping however slow
the network is; "Sync now" only moves the next run time to now.

When a round reports a loaded snapshot whose history is not yet checked, the listener
schedules :func:`desktop.sync.round.history_check` once, in a second process (started
only then), so the rounds go on while the history replays. That process holds a whole
replayed organization's worth of memory; once the check has answered, its pool is shut
down (from a thread of its own: the listener runs on the pool's own thread), and a later
check starts a new one.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_SUBMITTED
from apscheduler.executors.pool import ProcessPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from core.errors import DealOSError
from core.sync.status import open_conflicts, pending_count, server_url
from desktop.bridge import OpChanges
from desktop.session import DesktopSession
from desktop.sync.round import HistoryOutcome, RoundOutcome, history_check, sync_round

__all__ = ["HISTORY_EXECUTOR", "HISTORY_JOB_ID", "JOB_ID", "SyncController", "SyncStatus"]

JOB_ID: Final = "dealos-sync"
HISTORY_JOB_ID: Final = "dealos-history-check"
HISTORY_EXECUTOR: Final = "history"


@dataclass(frozen=True, slots=True)
class SyncStatus:
    state: str  # local | offline | syncing | synced | error
    pending: int
    conflicts: int
    last_synced: float | None = None  # time.time() of the last good round
    message: str = ""


class SyncController:
    def __init__(self, session: DesktopSession, *, interval_s: float = 60.0) -> None:
        self.session = session
        self.interval_s = interval_s
        self.server = server_url(session.ws)
        self._scheduler: BackgroundScheduler | None = None
        self._last_synced: float | None = None
        self._last = SyncStatus("local", 0, 0)
        self.rounds = 0
        self.history_checks = 0
        self._history_scheduled = False
        self._history_pool = threading.Lock()  # adding and retiring the check's executor
        self._history_executor = False  # added to the scheduler, not yet retired

    @property
    def has_server(self) -> bool:
        return self.server is not None

    def start(self) -> None:
        self._publish("local" if self.server is None else "offline", "")
        if self.server is None or self._scheduler is not None:
            return
        self._scheduler = BackgroundScheduler(
            executors={"sync": ProcessPoolExecutor(1)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            daemon=True,
        )
        self._scheduler.add_listener(
            self._on_event, EVENT_JOB_SUBMITTED | EVENT_JOB_EXECUTED | EVENT_JOB_ERROR
        )
        self._scheduler.add_job(
            sync_round,
            "interval",
            args=[str(self.session.data_dir)],
            seconds=self.interval_s,
            id=JOB_ID,
            executor="sync",
            next_run_time=datetime.now(UTC) + timedelta(seconds=1),
        )
        self._scheduler.start()

    def sync_now(self) -> bool:
        """Run a round as soon as the scheduler can; False when there is no server."""
        if self._scheduler is None:
            return False
        self._scheduler.modify_job(JOB_ID, next_run_time=datetime.now(UTC))
        return True

    def stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None

    # -- on the scheduler's threads ------------------------------------------------------

    def _publish(self, state: str, message: str) -> None:
        ws = self.session.ws
        try:
            pending, conflicts = pending_count(ws), len(open_conflicts(ws))
        except DealOSError:
            pending = conflicts = 0
        self._post(SyncStatus(state, pending, conflicts, self._last_synced, message))

    def _post(self, status: SyncStatus) -> None:
        self._last = status
        self.session.bridge.post_sync_status(status)

    def _on_event(self, event: Any) -> None:
        if event.job_id == HISTORY_JOB_ID:
            self._on_history(event)
            return
        if event.code == EVENT_JOB_SUBMITTED:
            last = self._last
            self._post(SyncStatus("syncing", last.pending, last.conflicts, self._last_synced))
            return
        self.rounds += 1
        outcome: RoundOutcome | None = getattr(event, "retval", None)
        if event.code == EVENT_JOB_ERROR or outcome is None:
            self._publish("error", f"the sync process failed: {getattr(event, 'exception', '')}")
            return
        if outcome.state == "synced":
            self._last_synced = time.time()
        if outcome.changed:
            self.session.bridge.post_changes(OpChanges.all(source="sync"))
        self._post(
            SyncStatus(
                outcome.state,
                outcome.pending,
                outcome.conflicts,
                self._last_synced,
                outcome.message,
            )
        )
        if outcome.history_unverified and not self._history_scheduled:
            self._check_history()

    def _check_history(self) -> None:
        scheduler = self._scheduler
        if scheduler is None:
            return
        self._history_scheduled = True
        with self._history_pool:
            if not self._history_executor:
                scheduler.add_executor(ProcessPoolExecutor(1), HISTORY_EXECUTOR)
                self._history_executor = True
            scheduler.add_job(
                history_check,
                "date",
                args=[str(self.session.data_dir)],
                id=HISTORY_JOB_ID,
                executor=HISTORY_EXECUTOR,
                run_date=datetime.now(UTC),
                replace_existing=True,
            )

    @property
    def history_pool_running(self) -> bool:
        """Whether the history check's executor (and so, once used, its process) exists."""
        return self._history_executor

    def _retire_history_pool(self) -> None:
        with self._history_pool:
            scheduler = self._scheduler
            if scheduler is None or not self._history_executor:
                return
            if scheduler.get_job(HISTORY_JOB_ID) is not None:
                return  # another check is already waiting for it
            scheduler.remove_executor(HISTORY_EXECUTOR)  # waits for its process to end
            self._history_executor = False

    def _on_history(self, event: Any) -> None:
        if event.code == EVENT_JOB_SUBMITTED:
            return
        self.history_checks += 1
        threading.Thread(target=self._retire_history_pool, daemon=True).start()
        outcome: HistoryOutcome | None = getattr(event, "retval", None)
        if event.code == EVENT_JOB_ERROR:
            self._history_scheduled = False  # the next round asks again
            message = f"the history check failed: {getattr(event, 'exception', '')}"
        elif outcome is None:
            return  # another check got there first
        else:
            message = outcome.message
            if outcome.changed:
                self.session.bridge.post_changes(OpChanges.all(source="sync"))
        last = self._last
        self._post(SyncStatus(last.state, last.pending, last.conflicts, self._last_synced, message))
