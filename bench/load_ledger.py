"""The load run's reconciliation (bench/load.py): after the devices stop, what each of them
pushed, pulled and holds is compared with the server's own rows, exactly.

Per organization:

- **exactly once**: every op a device was told was accepted is in the server's op log
  once, and the log holds no other op of that device;
- **pulled**: every device pulled each op of the organization's log once, in order;
- **digests**: every device replays what it pulled into a replica of its own (a real
  SQLite store, every signature verified, as a desktop applies a pull) and its state
  digest equals the one the server states (``GET /v1/sync/state``);
- **money**: the asking prices the devices last signed add up, to the cent, to what the
  server's ``deal_fields`` hold and to what every replica holds.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import psycopg
from load_devices import Device
from sqlalchemy import text

from core.commands.workspace import Workspace
from core.keys import FileKeyring, KeyStore
from core.ops.envelope import parse_envelope
from core.store.local import LocalStore

__all__ = ["OrgLedger", "reconcile"]

_APPLY_BATCH = 500


@dataclass(frozen=True)
class OrgLedger:
    org_id: str
    devices: int
    pushed: int  # ops the devices were told were accepted
    on_server_once: int  # of those, found in the server's log exactly once
    strays: int  # ops of these devices in the log that no device was told of, or twice
    log_ops: int  # the organization's whole log (with sign-in and enrollment ops)
    pulled_exactly: int  # devices that pulled every op of the log once, in order
    digests_equal: int  # devices whose replica's digest is the server's
    money_signed: Decimal
    money_server: Decimal
    money_replicas: tuple[Decimal, ...]

    @property
    def exact(self) -> bool:
        return (
            self.on_server_once == self.pushed
            and self.strays == 0
            and self.pulled_exactly == self.devices
            and self.digests_equal == self.devices
            and all(m == self.money_signed for m in (self.money_server, *self.money_replicas))
        )


def _replica(root: Path, device: Device) -> tuple[str, Decimal]:
    """Apply what ``device`` pulled into a fresh store: its digest and asking-price total."""
    keyring = root / f"{device.name}-keyring.json"
    os.environ["DEALOS_KEYRING_FILE"] = str(keyring)
    keys = KeyStore(FileKeyring(keyring))
    keys.save_device_key(device.device_id, device.key)
    store = LocalStore.open(root / device.name, create=True)
    ws = Workspace(
        store, keys, org_id=device.org.org_id, device_id=device.device_id, user_id=device.user_id
    )
    try:
        envelopes = [parse_envelope(item["op"]) for item in device.pulled]
        for i in range(0, len(envelopes), _APPLY_BATCH):
            ws.apply_signed(envelopes[i : i + _APPLY_BATCH], status="confirmed")
        with ws.store.transaction() as conn:
            values = conn.execute(
                text("SELECT value FROM deal_fields WHERE field = 'asking_price'")
            ).scalars()
            money = sum((Decimal(v) for v in values), Decimal(0))
        return ws.digest(), money
    finally:
        ws.close()


def _pulled_exactly(device: Device, log: list[str]) -> bool:
    seqs = [item["server_seq"] for item in device.pulled]
    ids = [item["op"]["op_id"] for item in device.pulled]
    return seqs == sorted(set(seqs)) and ids == log


def reconcile(
    owner_url: str, root: Path, devices: list[Device], states: dict[str, tuple[int, str]]
) -> list[OrgLedger]:
    """One :class:`OrgLedger` per organization; ``states`` maps an org to the head and
    digest the server stated once every device had stopped."""
    ledgers = []
    with psycopg.connect(owner_url) as conn:
        for org_id, (head, digest) in states.items():
            mine = [d for d in devices if d.org.org_id == org_id]
            conn.execute("SELECT set_config('dealos.org_id', %s, false)", (org_id,))
            log = [
                str(r[0])
                for r in conn.execute(
                    "SELECT op_id FROM op_log WHERE org_id = %s AND server_seq <= %s "
                    "ORDER BY server_seq",
                    (org_id, head),
                )
            ]
            pushed = once = strays = 0
            for device in mine:
                held = Counter(
                    str(r[0])
                    for r in conn.execute(
                        "SELECT op_id FROM op_log WHERE org_id = %s AND device_id = %s",
                        (org_id, device.device_id),
                    )
                )
                told = set(device.pushed)
                pushed += len(device.pushed)
                once += sum(1 for op_id in device.pushed if held[op_id] == 1)
                strays += sum(n for op_id, n in held.items() if op_id not in told or n > 1)
            row = conn.execute(
                "SELECT coalesce(sum(value::numeric), 0) FROM deal_fields "
                "WHERE org_id = %s AND field = 'asking_price'",
                (org_id,),
            ).fetchone()
            money_server = Decimal(row[0]) if row else Decimal(0)
            replicas = [_replica(root, d) for d in mine]
            ledgers.append(
                OrgLedger(
                    org_id=org_id,
                    devices=len(mine),
                    pushed=pushed,
                    on_server_once=once,
                    strays=strays,
                    log_ops=len(log),
                    pulled_exactly=sum(_pulled_exactly(d, log) for d in mine),
                    digests_equal=sum(r[0] == digest for r in replicas),
                    money_signed=sum(
                        (price for d in mine for _, price in d.deals.values()), Decimal(0)
                    ),
                    money_server=money_server,
                    money_replicas=tuple(r[1] for r in replicas),
                )
            )
    return ledgers
