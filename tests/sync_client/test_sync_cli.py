"""`dealos enroll`, `dealos sync` and `dealos conflicts` as a person runs them, against the
real server on a socket."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from dealos_cli import dealos
from live_server import LiveServer, create_org

from core.ids import new_id

PASSWORD = "correct horse battery staple"


@pytest.fixture
def server(live_server: LiveServer) -> LiveServer:
    return live_server


def test_enroll_then_sync_from_the_command_line(server: LiveServer, tmp_path: Path) -> None:
    address = f"maria+{new_id()[-12:]}@harborpoint.example"
    create_org(server.settings, name="Harbor Point Capital", email=address, password=PASSWORD)
    env = {**os.environ, "DEALOS_KEYRING_FILE": str(tmp_path / "keyring.json")}
    folder = tmp_path / "laptop"
    enrolled = dealos(
        "enroll",
        "--server",
        server.url,
        "--email",
        address,
        "--password-stdin",
        "--data-dir",
        folder,
        env=env,
        stdin=PASSWORD + "\n",
    )
    assert enrolled.returncode == 0, enrolled.stderr
    assert "enrolled device" in enrolled.stdout
    assert "pulled" in enrolled.stdout
    synced = dealos("sync", "--data-dir", folder, env=env)
    assert synced.returncode == 0, synced.stderr
    assert synced.stdout.startswith("pushed 0 (accepted 0, duplicate 0, rejected 0)")
    listed = dealos("conflicts", "list", "--data-dir", folder, env=env)
    assert (listed.returncode, listed.stdout) == (0, "")
    wrong = dealos(
        "enroll",
        "--server",
        server.url,
        "--email",
        address,
        "--password-stdin",
        "--data-dir",
        tmp_path / "other",
        env=env,
        stdin="wrong\n",
    )
    assert wrong.returncode == 1
    assert "invalid_credentials" in wrong.stderr
    assert "Traceback" not in wrong.stderr
    server.stop()
    offline = dealos("sync", "--data-dir", folder, env=env)
    assert offline.returncode == 1
    assert "unreachable" in offline.stderr
    assert "Traceback" not in offline.stderr


def test_a_second_machine_loads_the_snapshot_and_verifies_its_history(
    server: LiveServer, tmp_path: Path
) -> None:
    address = f"maria+{new_id()[-12:]}@harborpoint.example"
    create_org(server.settings, name="Harbor Point Capital", email=address, password=PASSWORD)
    env = {**os.environ, "DEALOS_KEYRING_FILE": str(tmp_path / "keyring.json")}

    def enroll(folder: Path, *flags: str) -> subprocess.CompletedProcess[str]:
        return dealos(
            "enroll",
            "--server",
            server.url,
            "--email",
            address,
            "--password-stdin",
            "--data-dir",
            folder,
            *flags,
            env=env,
            stdin=PASSWORD + "\n",
        )

    first = enroll(tmp_path / "laptop")
    assert first.returncode == 0, first.stderr
    assert "loaded the server's snapshot" in first.stdout
    assert "dealos verify-history" in first.stdout
    synced = dealos("sync", "--data-dir", tmp_path / "laptop", env=env)
    assert "check it with dealos verify-history" in synced.stdout
    verified = dealos("verify-history", "--data-dir", tmp_path / "laptop", env=env)
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.startswith("history verified: ")
    second = enroll(tmp_path / "desk", "--verify-history")
    assert second.returncode == 0, second.stderr
    assert "history verified: " in second.stdout
    replayed = enroll(tmp_path / "replayed", "--no-snapshot")
    assert replayed.returncode == 0, replayed.stderr
    assert "snapshot" not in replayed.stdout
    for name in ("laptop", "desk", "replayed"):
        synced = dealos("sync", "--data-dir", tmp_path / name, env=env)
        assert "verify-history" not in synced.stdout  # checked, or never a snapshot
    digests = {
        dealos("digest", "--data-dir", tmp_path / n, env=env).stdout
        for n in ("laptop", "desk", "replayed")
    }
    assert len(digests) == 1
