"""Harbor Point's Fund I, as its investors see it through the web portal.

Maria (GP) runs Harbor Point Fund I in USD from her desktop, synced to a real server:

* Pension Fund commits $1,000,000.00 and Granite Family Office $3,000,000.00 on 15 Jan 2025;
* Call No. 1, 1 Feb 2025, due 28 Feb 2025: $400,000.00 — Pension Fund $100,000.00, paid
  in full on 20 Feb 2025; Granite $300,000.00, paid;
* Call No. 2, 1 Apr 2025, due 30 Apr 2025: $200,000.00 — Pension Fund $50,000.00, of which
  $20,000.00 paid on 25 Apr 2025 (so $30,000.00 is overdue); Granite $150,000.00, paid;
* a call to Granite alone (Pension Fund excluded): its id is another LP's call;
* Distribution No. 1, 30 Jun 2025 (income), $80,000.00 pro rata to paid-in;
* the fund's NAV, $1,200,000.00 as of 30 Jun 2025.

The officer of Pension Fund is an LP user entitled to Pension Fund alone; Granite's officer
is another LP user, entitled to Granite.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from live_server import LiveServer, create_org

from core.commands.workspace import Workspace
from core.ids import new_id
from core.keys import KEYRING_FILE_ENV
from core.onboarding import enroll_device
from core.sync.client import SyncClient
from core.sync.engine import SyncEngine

__all__ = ["PortalWorld", "build_world"]

PASSWORD = "x" * 16


@dataclass
class PortalWorld:
    server: LiveServer
    gp: Workspace
    gp_data: Path
    keyring: Path
    fund: str
    pension: str
    granite: str
    calls: list[str]
    granite_call: str
    distribution: str
    investor: str  # Pension Fund's officer's email
    other_investor: str  # Granite's officer's email
    org_id: str
    extra: dict[str, Any] = field(default_factory=dict)

    def sync(self) -> None:
        client = SyncClient(
            self.server.url, token=self.gp.keys.secret(f"session:{self.gp.device_id}")
        )
        try:
            SyncEngine(self.gp, client).run_once()
        finally:
            client.close()

    def dealos(self, *args: str) -> str:
        """``dealos ARGS`` on the GP's own store, in a process of its own."""
        proc = subprocess.run(
            [sys.executable, "-m", "core.cli.main", "--data-dir", str(self.gp_data), *args],
            env={**os.environ, KEYRING_FILE_ENV: str(self.keyring)},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        return proc.stdout


def build_world(server: LiveServer, tmp_path: Path) -> PortalWorld:
    """The fund above; the caller has set the keyring file (``KEYRING_FILE_ENV``)."""
    gp_email = f"maria+{new_id()[-12:]}@harborpoint.example"
    org_id = create_org(server.settings, name="Harbor Point", email=gp_email, password=PASSWORD)
    gp_data = tmp_path / "gp"
    gp, _ = enroll_device(
        gp_data, server=server.url, email=gp_email, password=PASSWORD, device_name="gp"
    )

    def submit(
        kind: str, payload: dict[str, Any], entity: str | None = None, base: int | None = None
    ) -> tuple[str, int]:
        entity_id = entity or new_id()
        result = gp.submit_wire(kind, entity_id=entity_id, payload=payload, base_version=base)
        return entity_id, result.version

    usd = {"currency": "USD"}
    fund, fund_version = submit("fund.create", {"name": "Harbor Point Fund I", **usd})
    pension, _ = submit("lp.create", {"name": "Pension Fund", "lp_type": "institution"})
    granite, _ = submit("lp.create", {"name": "Granite Family Office", "lp_type": "family_office"})
    for lp, amount in ((pension, "1000000.00"), (granite, "3000000.00")):
        submit(
            "commitment.create",
            {"fund_id": fund, "lp_id": lp, "amount": amount, "committed_on": "2025-01-15", **usd},
        )

    def call(amount: str, on: str, due: str, purpose: str, **extra: Any) -> tuple[str, int]:
        call_id, version = submit(
            "capital_call.create",
            {
                "fund_id": fund,
                "amount": amount,
                "basis": "commitment",
                "call_date": on,
                "due_date": due,
                "purpose": purpose,
                **usd,
                **extra,
            },
        )
        _, version = submit("capital_call.issue", {}, call_id, version)
        return call_id, version

    def pay(call_id: str, version: int, lp: str, amount: str, on: str) -> int:
        _, version = submit(
            "capital_call.payment",
            {"payment_id": new_id(), "lp_id": lp, "amount": amount, "paid_on": on, **usd},
            call_id,
            version,
        )
        return version

    first, v = call("400000.00", "2025-02-01", "2025-02-28", "Acquisition of Dockside Lofts")
    v = pay(first, v, pension, "100000.00", "2025-02-20")
    pay(first, v, granite, "300000.00", "2025-02-21")
    second, v = call("200000.00", "2025-04-01", "2025-04-30", "Renovation reserve")
    v = pay(second, v, pension, "20000.00", "2025-04-25")
    pay(second, v, granite, "150000.00", "2025-04-28")
    granite_call, _ = call(
        "90000.00", "2025-05-01", "2025-05-30", "Granite co-invest", excluded_lp_ids=[pension]
    )
    dist, version = submit(
        "distribution.create",
        {
            "fund_id": fund,
            "amount": "80000.00",
            "basis": "paid_in",
            "distribution_date": "2025-06-30",
            "source": "income",
            **usd,
        },
    )
    submit("distribution.issue", {}, dist, version)
    submit(
        "fund.nav.record",
        {"valuation_id": new_id(), "as_of": "2025-06-30", "nav": "1200000.00", **usd},
        fund,
        fund_version,
    )
    emails = []
    for lp, who in ((pension, "officer"), (granite, "cio")):
        email = f"{who}+{new_id()[-12:]}@{'pension' if lp == pension else 'granite'}.example"
        user, _ = submit(
            "user.invite", {"email": email, "display_name": who.title(), "roles": ["lp"]}
        )
        submit("entitlement.grant", {"user_id": user, "scope_type": "lp", "scope_id": lp})
        emails.append(email)
    world = PortalWorld(
        server=server,
        gp=gp,
        gp_data=gp_data,
        keyring=Path(os.environ[KEYRING_FILE_ENV]),
        fund=fund,
        pension=pension,
        granite=granite,
        calls=[first, second],
        granite_call=granite_call,
        distribution=dist,
        investor=emails[0],
        other_investor=emails[1],
        org_id=org_id,
    )
    world.sync()
    return world
