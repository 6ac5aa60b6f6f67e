"""The fund the money commands' tests start from, and ``dealos`` run on it as a person runs it.

Ash Capital (founder Gail Park, GP and admin) runs Ash Fund I in USD. Three LPs committed
on 2026-01-15: Ash Pension $1,000,000.00, Birch Trust $2,000,000.00 and Cedar Family
Office $3,000,000.00. Everything is set up through typed commands on a real SQLite store
(until ``dealos fund``/``lp``/``commitment`` take over); every money step after that is
the real ``dealos`` in a process of its own, reading the same keyring file.
"""

from __future__ import annotations

import datetime as dt
import os
import pty
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from core.commands.workspace import Workspace
from core.keys import KEYRING_FILE_ENV, FileKeyring, KeyStore
from core.money import Money
from core.ops.payloads.access import DeviceEnrollPayload, UserInvitePayload
from core.ops.payloads.deals import FundCreatePayload
from core.ops.payloads.investors import CommitmentCreatePayload, LpCreatePayload
from core.ops.signing import DeviceKey, device_proof

__all__ = ["AshFund", "ash_fund", "days_from_today"]

LPS = (
    ("Ash Pension", "1000000.00"),
    ("Birch Trust", "2000000.00"),
    ("Cedar Family Office", "3000000.00"),
)


def days_from_today(days: int) -> str:
    return (dt.date.today() + dt.timedelta(days=days)).isoformat()


@dataclass
class AshFund:
    data: Path
    keyring: Path
    fund_id: str
    lp_ids: dict[str, str]  # by name

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            KEYRING_FILE_ENV: str(self.keyring),
            "DEALOS_DATA_DIR": str(self.data),
        }

    def dealos(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        """``dealos ARGS`` with no terminal: standard input is a pipe."""
        return subprocess.run(
            [sys.executable, "-m", "core.cli.main", *args],
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def ok(self, *args: str) -> subprocess.CompletedProcess[str]:
        proc = self.dealos(*args)
        assert proc.returncode == 0, f"dealos {args} failed: {proc.stderr}"
        assert "Traceback" not in proc.stderr
        return proc

    def refused(self, *args: str) -> str:
        """What ``dealos ARGS`` says on stderr when it refuses, having written nothing."""
        before = self.digest()
        proc = self.dealos(*args)
        assert proc.returncode == 1, f"dealos {args} was not refused: {proc.stdout}"
        assert "Traceback" not in proc.stderr
        assert self.digest() == before, f"dealos {args} wrote while refusing"
        return proc.stderr

    def digest(self) -> str:
        ws = self.open()
        try:
            return ws.digest()
        finally:
            ws.close()

    def at_terminal(self, *args: str, typed: str) -> subprocess.CompletedProcess[str]:
        """``dealos ARGS`` with a terminal on standard input, on which ``typed`` is typed."""
        controller, terminal = pty.openpty()
        try:
            os.write(controller, typed.encode())
            return subprocess.run(
                [sys.executable, "-m", "core.cli.main", *args],
                env=self.env,
                stdin=terminal,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
        finally:
            os.close(terminal)
            os.close(controller)

    @property
    def keys(self) -> KeyStore:
        return KeyStore(FileKeyring(self.keyring))

    def open(self) -> Workspace:
        return Workspace.open(self.data, keys=self.keys)

    def add_gp(self, email: str, name: str) -> tuple[str, str]:
        """A second GP with a device whose key is in this machine's keyring file."""
        ws = self.open()
        try:
            user_id = ws.submit(
                UserInvitePayload(email=email, display_name=name, roles=["gp"])
            ).entity_id
            key = DeviceKey.generate()
            device_id = ws.submit(
                DeviceEnrollPayload(
                    user_id=user_id,
                    public_key=key.public_key,
                    name=f"{name}'s laptop",
                    proof=device_proof(key, ws.org_id, user_id),
                )
            ).entity_id
            self.keys.save_device_key(device_id, key)
            return user_id, device_id
        finally:
            ws.close()

    def identity(self) -> tuple[str, str, str]:
        """Whose device this data folder is: (user id, device id, its last op number)."""
        ws = self.open()
        try:
            with ws.store.transaction() as conn:
                found = [ws.store.meta(conn, k) for k in ("user_id", "device_id", "device_seq")]
        finally:
            ws.close()
        return str(found[0]), str(found[1]), str(found[2] or "0")

    def work_as(self, user_id: str, device_id: str, device_seq: str = "0") -> None:
        """Make this data folder the named user's device, as enrolling it there would."""
        ws = self.open()
        try:
            with ws.store.transaction() as conn:
                ws.store.set_meta(conn, "user_id", user_id)
                ws.store.set_meta(conn, "device_id", device_id)
                ws.store.set_meta(conn, "device_seq", device_seq)
        finally:
            ws.close()


def ash_fund(root: Path) -> AshFund:
    keyring = root / "keyring.json"
    ws = Workspace.init(
        root / "data",
        org_name="Ash Capital",
        email="gail@ash.example",
        display_name="Gail Park",
        keys=KeyStore(FileKeyring(keyring)),
    )
    try:
        fund_id = ws.submit(
            FundCreatePayload(name="Ash Fund I", currency="USD", vintage_year=2026)
        ).entity_id
        lp_ids = {}
        for name, amount in LPS:
            lp_id = ws.submit(LpCreatePayload(name=name, lp_type="institution")).entity_id
            ws.submit(
                CommitmentCreatePayload(
                    fund_id=fund_id,
                    lp_id=lp_id,
                    amount=Money.parse(amount, "USD"),
                    currency="USD",
                    committed_on=dt.date(2026, 1, 15),
                )
            )
            lp_ids[name] = lp_id
    finally:
        ws.close()
    return AshFund(root / "data", keyring, fund_id, lp_ids)
