"""An operator creates Acme Capital with ``dealos server create-org`` from one data folder
and starts ``dealos serve`` from another: the server's key is not the one the
organization enrolled for it. Enrolling a laptop used to fail as ``invalid_signature``,
as if the laptop were at fault; the server now says what is wrong and how to fix it, at
start and on the request, and writes nothing. Started with the right secret file, the
same request enrolls the laptop."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import psycopg
from scratch_db import ScratchDatabase, scratch_database

from core.ops.signing import DeviceKey, device_proof
from sync_server.database import migrate
from sync_server.drills.server_process import ServerProcess

__all__ = ["scratch_database"]

PASSWORD = "a long passphrase for Acme"


def _create_org(url: str, data_dir: Path) -> str:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sync_server",
            "--data-dir",
            str(data_dir),
            "server",
            "create-org",
            "--database-url",
            url,
            "--name",
            "Acme Capital",
            "--admin-email",
            "gp@acme.example",
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split("org ")[1].split()[0]


def _enroll(server: str) -> httpx.Response:
    login = httpx.post(
        f"{server}/v1/auth/login", json={"email": "gp@acme.example", "password": PASSWORD}
    )
    assert login.status_code == 200, login.text
    body = login.json()
    key = DeviceKey.generate()
    return httpx.post(
        f"{server}/v1/devices",
        json={
            "public_key": key.public_key,
            "name": "Maria's laptop",
            "proof": device_proof(key, body["org_id"], body["user_id"]),
        },
        headers={"Authorization": f"Bearer {body['session_token']}"},
    )


def _ops(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM op_log").fetchone()
    assert row is not None
    return int(row[0])


def test_a_server_with_another_secret_says_so_instead_of_invalid_signature(
    scratch_database: ScratchDatabase, tmp_path: Path
) -> None:
    url = scratch_database.owner_url
    migrate(url)
    _create_org(url, tmp_path / "created-here")
    assert _ops(url) == 4

    wrong = ServerProcess(
        url,
        tmp_path / "served-from-there",
        secret_file=tmp_path / "served-from-there" / "server.secret",
        app_role=scratch_database.app_role,
    )
    with wrong:
        refused = _enroll(wrong.url)
    assert refused.status_code == 503
    error = refused.json()["error"]
    assert error["code"] == "server_key_mismatch"
    assert error["message"].startswith(
        "this server's key differs from the one that created the organization"
    )
    assert "run it with the same DEALOS_SERVER_SECRET_FILE" in error["message"]
    assert "invalid_signature" not in refused.text
    said = wrong.output.read_text()
    assert "this server's key differs from the one that created Acme Capital" in said
    assert '"event": "service_key.mismatch"' in said
    assert _ops(url) == 4  # nothing signed, nothing logged

    right = ServerProcess(
        url,
        tmp_path / "served-right",
        secret_file=tmp_path / "created-here" / "server" / "server.secret",
        app_role=scratch_database.app_role,
    )
    with right:
        enrolled = _enroll(right.url)
    assert enrolled.status_code == 201, enrolled.text
    assert "differs" not in right.output.read_text()
    assert _ops(url) == 5
