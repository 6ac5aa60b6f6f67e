"""A new device's sync rounds do not wait for its snapshot's history check: the round
reports the history unchecked, and the check runs as a job of its own (in the desktop,
in a second process), once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from live_server import LiveServer, create_org

from core.ids import new_id
from core.keys import KEYRING_FILE_ENV
from core.onboarding import enroll_device
from desktop.sync.round import history_check, sync_round

PASSWORD = "correct horse battery staple"


def test_rounds_report_the_history_unchecked_and_the_check_runs_once(
    live_server: LiveServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(KEYRING_FILE_ENV, str(tmp_path / "keyring.json"))
    email = f"maria+{new_id()[-12:]}@harborpoint.example"
    create_org(live_server.settings, name="Harbor Point Capital", email=email, password=PASSWORD)

    def enroll(name: str) -> tuple[Any, Any]:
        return enroll_device(
            tmp_path / name,
            server=live_server.url,
            email=email,
            password=PASSWORD,
            device_name=name,
        )

    laptop, _ = enroll("laptop")
    for i in range(5):
        laptop.submit_wire(
            "deal.create", entity_id=new_id(), payload={"name": f"Deal {i}", "currency": "USD"}
        )
    assert sync_round(str(tmp_path / "laptop")).state == "synced"
    desk, report = enroll("desk")
    assert report.snapshot is not None
    desk.close()

    first = sync_round(str(tmp_path / "desk"))
    assert first.state == "synced"
    assert first.history_unverified
    assert "history" not in first.message  # the round did not replay it

    checked = history_check(str(tmp_path / "desk"))
    assert checked is not None
    assert checked.message.startswith("history verified (")
    assert not checked.changed
    assert history_check(str(tmp_path / "desk")) is None  # nothing left to check
    assert not sync_round(str(tmp_path / "desk")).history_unverified
