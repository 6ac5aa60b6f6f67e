"""The demo organization, attached to a server as a person does it, keeps everything.

`dealos demo` builds Harbor Peak Capital offline through ops signed by three devices —
Gina's (the founder), Alex's and Morgan's — and the operator invites Gina's address.
`dealos attach` must bring all of it: every op accepted in the order it was made, none
left pending, no conflict, the same state digest on the laptop and on the server; the
server's log verifies op by op and its audit chain holds; and a desktop enrolled
afterwards sees the same digest, its history replaying with every signature checked.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
from dealos_cli import dealos
from live_server import LiveServer
from offline_team import invite
from sqlalchemy import func, select

from core.commands.workspace import Workspace
from core.keys import KEYRING_FILE_ENV
from core.store.local_schema import conflicts, op_log, outbox
from core.sync.client import SyncClient
from core.sync.engine import SyncEngine

FOUNDER = "gina@harborpeak.example"
PASSWORD = "harbor peak passphrase"


def _server_state(server: LiveServer, token: str | None) -> tuple[int, str]:
    client = SyncClient(server.url, token=token)
    try:
        state = client.state()
    finally:
        client.close()
    return state.last_seq, state.digest


def test_the_demo_attaches_whole_and_a_new_desktop_sees_the_same(
    live_server: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEYRING_FILE_ENV, str(tmp_path / "keyring.json"))
    settings = live_server.settings
    env = {
        **os.environ,
        KEYRING_FILE_ENV: str(tmp_path / "keyring.json"),
        "DEALOS_SERVER_SECRET_FILE": str(settings.secret_file),
        "DEALOS_APP_ROLE": str(settings.app_role),
    }
    laptop, desk = tmp_path / "laptop", tmp_path / "desk"
    built = dealos("demo", "--data-dir", laptop, env=env)
    assert built.returncode == 0, built.stderr
    made = int(re.search(r"(\d+) ops$", built.stdout.strip()).group(1))  # type: ignore[union-attr]

    started = time.perf_counter()
    attached = dealos(
        "attach", "--server", live_server.url, "--code", invite(live_server, FOUNDER),
        "--password-stdin", "--data-dir", laptop, env=env, stdin=PASSWORD + "\n",
    )  # fmt: skip
    seconds = time.perf_counter() - started
    assert attached.returncode == 0, attached.stderr
    history = made - 1 + 2  # after the genesis, and the service account's two ops
    assert f"{history} ops of history signed by 3 devices accepted" in attached.stdout
    assert "0 pending, 0 conflicts" in attached.stdout
    print(f"attached {made + 2} ops in {seconds:.1f} s")

    ws = Workspace.open(laptop)
    with ws.store.transaction() as conn:
        statuses = dict(
            conn.execute(select(op_log.c.status, func.count()).group_by(op_log.c.status)).all()
        )
        waiting = conn.execute(select(func.count()).select_from(outbox)).scalar_one()
        refused = conn.execute(select(func.count()).select_from(conflicts)).scalar_one()
        in_order = [
            seq for (seq,) in conn.execute(select(op_log.c.server_seq).order_by(op_log.c.local_seq))
        ]
        signers = conn.execute(select(func.count(op_log.c.device_id.distinct()))).scalar_one()
    token = ws.keys.secret(f"session:{ws.device_id}")
    org_id = ws.org_id
    ws.close()
    assert statuses == {"confirmed": made + 2}
    assert (waiting, refused) == (0, 0)
    assert in_order == list(range(1, made + 3))  # accepted in the order they were made
    assert signers == 3

    local = dealos("digest", "--data-dir", laptop, env=env)
    assert local.returncode == 0, local.stderr
    last_seq, served = _server_state(live_server, token)
    assert (last_seq, served) == (made + 2, local.stdout.strip())

    synced = dealos("sync", "--data-dir", laptop, env=env)
    assert synced.returncode == 0, synced.stderr
    assert synced.stdout.startswith("pushed 0 (accepted 0, duplicate 0, rejected 0); pulled 0")
    assert "conflict" not in synced.stdout

    owner = ("--database-url", settings.database_url, "--data-dir", tmp_path / "operator")
    checked = dealos("server", "verify-log", "--org-id", org_id, *owner, env=env)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"all {made + 2} ops verify and apply" in checked.stdout
    audit = dealos("server", "audit-verify", "--org-id", org_id, *owner, env=env)
    assert audit.returncode == 0, audit.stdout + audit.stderr

    enrolled = dealos(
        "enroll", "--server", live_server.url, "--email", FOUNDER, "--password-stdin",
        "--device-name", "office desktop", "--verify-history", "--data-dir", desk,
        env=env, stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert enrolled.returncode == 0, enrolled.stdout + enrolled.stderr
    assert "history verified" in enrolled.stdout
    desktop = Workspace.open(desk)
    on_desk = desktop.digest()
    desktop.close()
    assert on_desk == _server_state(live_server, token)[1] != served  # its enrollment added
    ws = Workspace.open(laptop)
    client = SyncClient(live_server.url, token=token)
    report = SyncEngine(ws, client).run_once()
    client.close()
    assert (report.pulled, report.conflicts, ws.digest()) == (1, [], on_desk)
    ws.close()
