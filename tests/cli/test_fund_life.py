"""After set-up, with the real ``dealos`` commands: an LPA amendment dated to take effect,
the final close, a commitment transfer (and the statements of both sides), and the
devices an admin lists and revokes. Every answer and every refusal is read by its text.
"""

from __future__ import annotations

import os
from pathlib import Path

from setup_org import SetupOrg, start_org

from core.commands.workspace import Workspace
from core.ids import is_uuid, new_id
from core.keys import KEYRING_FILE_ENV
from core.ops.signing import DeviceKey


def _id(lines: list[str]) -> str:
    assert is_uuid(lines[0]), lines
    return lines[0]


def _fund(org: SetupOrg) -> tuple[str, str, str]:
    fund = _id(org.ok("fund", "create", "--name", "Fund I", "--currency", "USD"))
    ash = _id(org.ok("lp", "add", "--name", "Ash Pension", "--type", "institution"))
    birch = _id(org.ok("lp", "add", "--name", "Birch Family", "--type", "family_office"))
    org.ok("commitment", "add", "--fund", fund, "--lp", ash, "--amount", "6000000",
           "--on", "2026-01-15")  # fmt: skip
    return fund, ash, birch


def test_a_fund_closes_and_a_commitment_changes_hands(tmp_path: Path) -> None:
    org = start_org(tmp_path)
    fund, ash, birch = _fund(org)
    assert org.ok("fund", "close", "--fund", fund, "--on", "2026-06-30") == [
        fund,
        "held the final close of Fund I on 2026-06-30: no new commitment may be dated after "
        "it; interests change hands by transfer (dealos commitment transfer)",
    ]
    assert org.refused(
        "commitment",
        "add",
        "--fund",
        fund,
        "--lp",
        birch,
        "--amount",
        "1000000",
        "--on",
        "2026-07-15",
    ) == (
        "dealos: the commitment date (--on): Fund I held its final close on 2026-06-30: a "
        "commitment dated after it comes only by transfer from an existing LP"
    )
    assert org.refused("fund", "close", "--fund", fund, "--on", "2026-12-31") == (
        "dealos: the final close date (--on): Fund I already held its final close on 2026-06-30"
    )
    call = _id(org.ok("call", "draft", "--fund", fund, "--amount", "600000", "--basis",
                      "commitment", "--date", "2026-07-01", "--due", "2026-07-31",
                      "--allow-past-due"))  # fmt: skip
    org.ok("call", "issue", "--call", call, "--yes")
    assert org.refused(
        "commitment",
        "transfer",
        "--fund",
        fund,
        "--from",
        ash,
        "--to",
        birch,
        "--amount",
        "5500000",
        "--on",
        "2026-08-01",
    ) == (
        "dealos: the amount (--amount): Ash Pension has $5,400,000.00 of unfunded commitment "
        "to Fund I left to transfer; $5,500,000.00 exceeds it by $100,000.00 (only unfunded "
        "commitment moves; issued and draft calls count)"
    )
    said = org.ok(
        "commitment", "transfer", "--fund", fund, "--from", ash, "--to", birch,
        "--amount", "2000000", "--on", "2026-08-01", "--note", "secondary sale",
    )  # fmt: skip
    assert said[1:] == [
        "transferred $2,000,000.00 of Ash Pension's unfunded commitment to Fund I to Birch "
        "Family, effective 2026-08-01; Ash Pension now commits $4,000,000.00, Birch Family "
        "$2,000,000.00"
    ]
    assert [line.split("  ", 1)[1].strip() for line in org.ok("lp", "list", "--fund", fund)] == [
        "institution   Ash Pension                                  committed USD "
        "4,000,000.00 on 2026-01-15",
        "family_office Birch Family                                 committed USD "
        "2,000,000.00 on 2026-08-01",
    ]
    # The next call splits 2 : 1; both sides' statements trace every commitment line.
    later = _id(org.ok("call", "draft", "--fund", fund, "--amount", "300000", "--basis",
                       "commitment", "--date", "2026-09-01", "--due", "2026-09-30",
                       "--allow-past-due"))  # fmt: skip
    shown = "\n".join(org.ok("call", "show", "--call", later))
    assert any("Ash Pension" in line and "200,000.00" in line for line in shown.splitlines())
    assert any("Birch Family" in line and "100,000.00" in line for line in shown.splitlines())
    for lp in (ash, birch):
        out = tmp_path / f"{lp}.pdf"
        org.ok("report", "statement", "--fund", fund, "--lp", lp, "--period", "2026Q3",
               "--out", out)  # fmt: skip
        assert out.read_bytes().startswith(b"%PDF")


def test_terms_amended_from_a_day_say_so(tmp_path: Path) -> None:
    org = start_org(tmp_path)
    fund, _, _ = _fund(org)
    said = org.ok(
        "fund", "terms", "--fund", fund, "--style", "european", "--pref", "8%",
        "--compounding", "simple", "--carry", "20%", "--catch-up", "1",
        "--gp-name", "Acme GP LLC", "--effective", "2027-01-01", "--label", "Amendment 1",
    )  # fmt: skip
    assert said[1] == (
        "set the LPA terms of Fund I: European (whole-fund) waterfall; 8% preferred return, "
        "simple; 100% GP catch-up; 20% carried interest to Acme GP LLC; apportioned by "
        "contributions (version 1, Amendment 1, in force from 2027-01-01)"
    )
    assert org.refused(
        "fund",
        "terms",
        "--fund",
        fund,
        "--style",
        "european",
        "--pref",
        "8%",
        "--compounding",
        "simple",
        "--carry",
        "20%",
        "--gp-name",
        "Acme GP LLC",
        "--effective",
        "2027-13-01",
    ) == (
        "dealos fund terms: --effective: 2027-13-01 is not a date as YYYY-MM-DD, such as "
        "2026-01-15 (see dealos fund terms --help)"
    )


def _second_device(org: SetupOrg) -> str:
    """Kim, an analyst, with a laptop enrolled (as the server would enroll it)."""
    os.environ[KEYRING_FILE_ENV] = str(org.keyring)
    ws = Workspace.open(org.data)
    try:
        user, device = new_id(), new_id()
        ws.submit_wire(
            "user.invite",
            entity_id=user,
            payload={
                "email": "kim@acme.example",
                "display_name": "Kim Lee",
                "roles": ["gp_analyst"],
            },
        )
        key = DeviceKey.generate()
        ws.submit_wire(
            "device.enroll",
            entity_id=device,
            payload={"user_id": user, "public_key": key.public_key, "name": "Kim's laptop"},
        )
    finally:
        ws.close()
        os.environ.pop(KEYRING_FILE_ENV, None)
    return device


def test_an_admin_lists_devices_and_revokes_one(tmp_path: Path) -> None:
    org = start_org(tmp_path)
    laptop = _second_device(org)
    listed = org.ok("device", "list")
    assert len(listed) == 2
    ours = next(line for line in listed if line.endswith("(this device)"))
    assert "active   Gail Park" in ours
    assert f"{laptop}  active   Kim Lee  Kim's laptop" in listed
    own = ours.split()[0]
    assert org.refused("device", "revoke", "--device", own) == (
        "dealos: --device: that is this device, which signs this command: revoke it from "
        "another device"
    )
    assert org.refused("device", "revoke", "--device", new_id()).startswith(
        "dealos: --device: no device "
    )
    assert org.ok("device", "revoke", "--device", laptop, "--reason", "lost on a train") == [
        laptop,
        "revoked Kim Lee's device Kim's laptop: every op it signs from now on is refused; its "
        "sessions end once the server hears of it",
    ]
    assert f"{laptop}  revoked  Kim Lee  Kim's laptop" in org.ok("device", "list")
    assert org.refused("device", "revoke", "--device", laptop) == (
        "dealos: --device: Kim Lee's Kim's laptop is already revoked"
    )
