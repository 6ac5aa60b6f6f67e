"""``dealos notices status``: the GP reads, from the server, how an issued call's emails
went — Pension Fund's officer was sent the notice; Quiet Holdings has nobody to write to —
and an organization kept on this machine only is told notices are emailed once attached.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from live_server import LiveServer, free_port, settings_for
from notice_setup import enrolled_gp, issue_call, wait_settled

from core.cli.main import main
from core.commands.workspace import Workspace
from core.keys import KEYRING_FILE_ENV


@pytest.fixture
def server(pg_database: object, tmp_path: Path) -> Iterator[LiveServer]:
    port = free_port()
    settings = settings_for(pg_database, tmp_path / "server", port).with_(notice_poll_seconds=0.2)
    live = LiveServer(settings, port)
    live.start()
    yield live
    live.close()


@pytest.fixture(autouse=True)
def keyring(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(KEYRING_FILE_ENV, str(tmp_path / "keyring.json"))


def test_the_status_of_a_calls_emails_in_words(
    server: LiveServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = enrolled_gp(server, tmp_path / "laptop")
    call, officer = issue_call(ws)
    settled = wait_settled(ws, call)
    assert sorted(d.status for d in settled.deliveries) == ["failed", "sent"]
    ws.close()
    capsys.readouterr()

    assert main(["notices", "status", "--call", call, "--data-dir", str(tmp_path / "laptop")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Harbor Fund I — capital call notice, queued ")
    assert lines[0].endswith(": 2 emails: 1 sent, 1 failed")
    assert lines[1].startswith(f"  Pension Fund <{officer}>: sent ")
    assert lines[1].endswith(" UTC after 1 attempt")
    assert lines[2] == (
        "  Quiet Holdings (no address): failed — nobody to send it to: the investor has no "
        "contact email and no portal user; add a contact to the investor to reach it"
    )
    assert len(lines) == 3
    for line in lines:
        assert call not in line

    assert main(["notices", "status", "--data-dir", str(tmp_path / "laptop")]) == 0
    assert capsys.readouterr().out.splitlines() == lines

    other = "0190f3c2-7d3e-7c1e-9a55-3f1c2b7d4e10"
    assert main(["notices", "status", "--call", other, "--data-dir", str(tmp_path / "laptop")]) == 1
    # The server runs in this process: its request log shares standard error.
    assert capsys.readouterr().err.splitlines()[-1] == (
        "dealos: the server says: no capital call with this id in your organization"
    )


def test_an_organization_kept_here_only_is_told_notices_wait_for_a_server(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = Workspace.init(
        tmp_path / "offline", org_name="Harbor", email="gp@harbor.example", display_name="GP"
    )
    ws.close()
    assert main(["notices", "status", "--data-dir", str(tmp_path / "offline")]) == 1
    assert capsys.readouterr().err == (
        "dealos: no server attached: notices are emailed once this organization is attached\n"
    )
