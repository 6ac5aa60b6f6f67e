"""Snapshots are a setting of the store: the desktop opened on a store whose replication is
on, with nothing copying it (after a reboot, say), starts it again on a worker — the real
Litestream — and says so in the status bar."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pytestqt.qtbot import QtBot
from scenes import local_org, wait_ops

from core.operations.litestream import ReplicaTarget
from core.operations.replication import set_replication, stop_replication
from core.operations.supervisor import holds_lock
from desktop.main_window import MainWindow


def test_the_desktop_resumes_snapshots_left_on(
    qtbot: QtBot, tmp_path: Path, keyring_file: Path, open_window: Callable[[Path], MainWindow]
) -> None:
    data = tmp_path / "data"
    local_org(data).close()
    replica = tmp_path / "replica"
    set_replication(data, ReplicaTarget.parse(str(replica)))
    assert holds_lock(data) is None
    window = open_window(data)
    try:
        wait_ops(qtbot, timeout=30_000)
        assert holds_lock(data) is not None
        assert window.statusBar().currentMessage() == f"Snapshots resumed to {replica}"
        qtbot.waitUntil(lambda: any((replica / "db").rglob("*")), timeout=30_000)
    finally:
        stop_replication(data)
    assert holds_lock(data) is None
